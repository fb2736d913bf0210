import { describe, expect, it } from 'vitest';
import { alignProfile } from '../../../core/grid/profiles/align.js';
import { Quality } from '../../../core/grid/profiles/api.js';
import type { Profile } from '../../../core/grid/profiles/api.js';
import { DAY_MS, MINUTE_MS, ieeeLoadProfile } from './fixtures.js';

// The slot loop checks only the order per sample and the ends for infinities; these pin the errors it must still give.
const at = (minutes: number): number => DAY_MS + minutes * MINUTE_MS;
const grid = (minutes: number, maxInterpolateMinutes = 0) => ({
  startMs: at(0),
  endMs: at(minutes),
  stepMs: MINUTE_MS,
  maxInterpolateMs: maxInterpolateMinutes * MINUTE_MS,
});
const profileOf = (id: string, timestamps: number[], values: number[]): Profile => ({
  id,
  timestamps: Float64Array.from(timestamps),
  values: Float64Array.from(values),
});

describe('alignProfile timestamp errors', () => {
  it('names the first bad timestamp: infinity inside the series, -Infinity first, NaN, a step back', () => {
    const cases: Array<[number[], RegExp]> = [
      [[at(0), Number.POSITIVE_INFINITY, at(2)], /timestamp #1 \(Infinity\) is not a finite number/],
      [[at(0), at(1), Number.POSITIVE_INFINITY], /timestamp #2 \(Infinity\) is not a finite number/],
      [[Number.NEGATIVE_INFINITY, at(1), at(2)], /timestamp #0 \(-Infinity\) is not a finite number/],
      [[Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, at(2)], /timestamp #0 \(-Infinity\)/],
      [[at(0), Number.NaN, at(2)], /timestamp #1 \(NaN\) is not a finite number/],
      [[at(0), at(2), at(1), Number.NaN], /timestamp #2 .* is before the previous one/],
    ];
    for (const [timestamps, message] of cases) {
      const profile = profileOf('meter-3', timestamps, [1, 2, 3, 4].slice(0, timestamps.length));
      expect(() => alignProfile(profile, grid(3))).toThrow(message);
    }
  });

  it('checks the order beyond the span and for samples whose value is NaN', () => {
    const late = profileOf('meter-4', [at(0), at(10), at(9)], [1, 2, 3]);
    expect(() => alignProfile(late, grid(3))).toThrow(/timestamp #2/);
    const noValue = profileOf('meter-4', [at(0), at(2), at(1)], [1, 2, Number.NaN]);
    expect(() => alignProfile(noValue, grid(3))).toThrow(/timestamp #2/);
  });
});

describe('alignProfile NaN and GAP', () => {
  it('a slot whose mean is NaN (infinite samples of both signs) is GAP, and so are values interpolated from it', () => {
    const profile = profileOf(
      'meter-5',
      [at(0), at(1), at(1) + 1000, at(3), at(4)],
      [1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 4, 5],
    );
    const aligned = alignProfile(profile, grid(5, 1));
    expect(Array.from(aligned.quality)).toEqual([Quality.MEASURED, Quality.GAP, Quality.GAP, Quality.MEASURED, Quality.MEASURED]);
    for (let k = 0; k < 5; k++) expect(Number.isNaN(aligned.values[k])).toBe(aligned.quality[k] === Quality.GAP);
  });

  it('keeps NaN exactly where GAP on a real profile with gaps of every length', () => {
    const load = ieeeLoadProfile(21);
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < load.length; i++) {
      if (i % 97 < (i % 5) + 1) continue; // runs of 1..5 missing minutes
      timestamps.push(at(i));
      values.push(load[i]);
    }
    const aligned = alignProfile(profileOf('load-21', timestamps, values), grid(1440, 3));
    let gaps = 0;
    for (let k = 0; k < 1440; k++) {
      expect(Number.isNaN(aligned.values[k])).toBe(aligned.quality[k] === Quality.GAP);
      if (aligned.quality[k] === Quality.GAP) gaps++;
    }
    expect(gaps).toBeGreaterThan(0);
    expect(gaps).toBeLessThan(1440 - values.length);
  });
});
