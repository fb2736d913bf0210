import { describe, expect, it } from 'vitest';
import { alignProfile, slotCount } from '../../../core/grid/profiles/align.js';
import { ProfileError, Quality } from '../../../core/grid/profiles/api.js';
import type { Profile } from '../../../core/grid/profiles/api.js';
import { countQuality } from '../../../core/grid/profiles/quality-counts.js';
import { DAY_MS, MINUTE_MS, ieeeLoadProfile, minuteProfile, range } from './fixtures.js';

const at = (minutes: number): number => DAY_MS + minutes * MINUTE_MS;
const SECOND = 1000;
const grid = (minutes: number, maxInterpolateMinutes = 0) => ({
  startMs: at(0),
  endMs: at(minutes),
  stepMs: MINUTE_MS,
  maxInterpolateMs: maxInterpolateMinutes * MINUTE_MS,
});
const profileOf = (id: string, samples: Array<[number, number]>): Profile => ({
  id,
  timestamps: Float64Array.from(samples.map(([t]) => t)),
  values: Float64Array.from(samples.map(([, v]) => v)),
});

describe('alignProfile', () => {
  it('puts shifted timestamps into their nearest slot; exactly half a step goes to the later one', () => {
    const profile = profileOf('shifted', [
      [at(0) + 20 * SECOND, 1],
      [at(2) - 25 * SECOND, 2],
      [at(2) + 29_999, 3],
      [at(3) + 30 * SECOND, 4], // half-way between slots 3 and 4
    ]);
    const aligned = alignProfile(profile, grid(6));
    expect(aligned.id).toBe('shifted');
    expect(aligned.startMs).toBe(at(0));
    expect(aligned.stepMs).toBe(MINUTE_MS);
    expect(Array.from(aligned.values)).toEqual([1, Number.NaN, 2.5, Number.NaN, 4, Number.NaN]);
    expect(Array.from(aligned.quality)).toEqual([
      Quality.MEASURED,
      Quality.GAP,
      Quality.MEASURED,
      Quality.GAP,
      Quality.MEASURED,
      Quality.GAP,
    ]);
  });

  it('averages several samples in one slot (a 15 s meter on a 1 min grid)', () => {
    const samples: Array<[number, number]> = [];
    // Samples at -30 s, -15 s, 0 s, +15 s around each slot: the first of them belongs to the slot (half-open window).
    for (let k = 0; k < 4; k++) for (let j = 0; j < 4; j++) samples.push([at(k) + (j * 15 - 30) * SECOND, 10 * k + j]);
    const aligned = alignProfile(profileOf('fast', samples), grid(4));
    // Slot 0 drops nothing: its window starts at -30 s. Mean of 10k+0..10k+3 is 10k + 1.5.
    expect(Array.from(aligned.values)).toEqual([1.5, 11.5, 21.5, 31.5]);
    expect(countQuality(aligned)).toEqual({ measured: 4, interpolated: 0, gap: 0 });
  });

  it('interpolates a 2-step gap linearly with exact values and flags it INTERPOLATED', () => {
    const values = [5, 7, 9, 10, 0, 0, 40, 41];
    const aligned = alignProfile(minuteProfile('short', values, new Set([4, 5])), grid(8, 2));
    expect(Array.from(aligned.values)).toEqual([5, 7, 9, 10, 20, 30, 40, 41]);
    expect(Array.from(aligned.quality)).toEqual([0, 0, 0, 0, 1, 1, 0, 0]);
    expect(aligned.quality[4]).toBe(Quality.INTERPOLATED);
    expect(aligned.quality[3]).toBe(Quality.MEASURED);
  });

  it('leaves a gap longer than maxInterpolateMs as NaN + GAP', () => {
    const values = ieeeLoadProfile(3).subarray(0, 60);
    const aligned = alignProfile(minuteProfile('long', values, range(20, 30)), grid(60, 9));
    for (let k = 0; k < 60; k++) {
      if (k >= 20 && k < 30) {
        expect(aligned.values[k]).toBeNaN();
        expect(aligned.quality[k]).toBe(Quality.GAP);
      } else {
        expect(aligned.values[k]).toBe(values[k]);
        expect(aligned.quality[k]).toBe(Quality.MEASURED);
      }
    }
    // Allowing exactly ten missing minutes fills it.
    const filled = alignProfile(minuteProfile('long', values, range(20, 30)), grid(60, 10));
    expect(countQuality(filled)).toEqual({ measured: 50, interpolated: 10, gap: 0 });
    const step = (values[30] - values[19]) / 11;
    expect(filled.values[25]).toBeCloseTo(values[19] + 6 * step, 12);
  });

  it('drops samples outside the span and never extrapolates at the edges', () => {
    const samples: Array<[number, number]> = [
      [at(-1), 100], // its slot is -1
      [at(0) - 30 * SECOND - 1, 101], // just before slot 0's window
      [at(2), 2],
      [at(3), 3],
      [at(5) - 30 * SECOND, 102], // slot 5 = endMs: outside
      [at(9), 103],
    ];
    const aligned = alignProfile(profileOf('edges', samples), grid(5, 60));
    expect(aligned.values).toHaveLength(5);
    expect(Array.from(aligned.values)).toEqual([Number.NaN, Number.NaN, 2, 3, Number.NaN]);
    expect(Array.from(aligned.quality)).toEqual([Quality.GAP, Quality.GAP, Quality.MEASURED, Quality.MEASURED, Quality.GAP]);
  });

  it('reads NaN values as missing samples and interpolates over them', () => {
    const aligned = alignProfile(minuteProfile('nan', [1, Number.NaN, 3]), grid(3, 1));
    expect(Array.from(aligned.values)).toEqual([1, 2, 3]);
    expect(aligned.quality[1]).toBe(Quality.INTERPOLATED);
  });

  it('a whole real day at one minute comes out unchanged and fully measured', () => {
    const values = ieeeLoadProfile(4);
    const aligned = alignProfile(minuteProfile('day', values), grid(1440, 5));
    expect(aligned.values).toEqual(values);
    expect(countQuality(aligned)).toEqual({ measured: 1440, interpolated: 0, gap: 0 });
  });

  it('counts slots up to an exclusive end that need not fall on the grid', () => {
    expect(slotCount({ startMs: 0, endMs: 600_000, stepMs: MINUTE_MS })).toBe(10);
    expect(slotCount({ startMs: 0, endMs: 600_001, stepMs: MINUTE_MS })).toBe(11);
    expect(slotCount({ startMs: 0, endMs: 0, stepMs: MINUTE_MS })).toBe(0);
  });

  it('refuses bad options and unsorted profiles with a ProfileError naming the profile', () => {
    const ok = minuteProfile('meter-9', [1, 2, 3]);
    expect(() => alignProfile(ok, { ...grid(3), stepMs: 0 })).toThrow(ProfileError);
    expect(() => alignProfile(ok, { ...grid(3), endMs: at(-1) })).toThrow(/endMs/);
    expect(() => alignProfile(ok, { ...grid(3), maxInterpolateMs: -1 })).toThrow(/maxInterpolateMs/);
    const unsorted = profileOf('meter-9', [
      [at(1), 1],
      [at(0), 2],
    ]);
    expect(() => alignProfile(unsorted, grid(3))).toThrow(/"meter-9" timestamp #1/);
    const infinite = profileOf('meter-9', [
      [at(0), 1],
      [Number.POSITIVE_INFINITY, 2],
    ]);
    expect(() => alignProfile(infinite, grid(3))).toThrow(/timestamp #1 \(Infinity\) is not a finite number/);
    const uneven: Profile = { id: 'meter-9', timestamps: new Float64Array(2), values: new Float64Array(1) };
    expect(() => alignProfile(uneven, grid(3))).toThrow(/2 timestamps but 1 values/);
  });
});
