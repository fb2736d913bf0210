import { describe, expect, it } from 'vitest';
import { ProfileError } from '../../../core/grid/profiles/api.js';
import type { Profile } from '../../../core/grid/profiles/api.js';
import { detectGaps } from '../../../core/grid/profiles/gaps.js';
import { DAY_MS, MINUTE_MS, ieeeLoadProfile, minuteProfile, range } from './fixtures.js';

const at = (minutes: number): number => DAY_MS + minutes * MINUTE_MS;

describe('detectGaps', () => {
  it('finds gaps at known places with exact bounds and missing counts', () => {
    const drop = new Set([...range(10, 13), 30, ...range(100, 110)]);
    const profile = minuteProfile('mp', ieeeLoadProfile(1), drop);
    expect(detectGaps(profile, { stepMs: MINUTE_MS })).toEqual([
      { fromMs: at(9), toMs: at(13), missing: 3 },
      { fromMs: at(29), toMs: at(31), missing: 1 },
      { fromMs: at(99), toMs: at(110), missing: 10 },
    ]);
  });

  it('a complete profile has no gaps, with or without its span', () => {
    const profile = minuteProfile('mp', ieeeLoadProfile(2));
    expect(detectGaps(profile, { stepMs: MINUTE_MS })).toEqual([]);
    expect(detectGaps(profile, { stepMs: MINUTE_MS, span: { startMs: at(0), endMs: at(1440) } })).toEqual([]);
  });

  it('irregular jitter within the tolerance is not a gap; beyond it, it is', () => {
    // Offsets between -14 s and +14 s: consecutive samples are at most 88 s apart, under 60 s + 30 s.
    const n = 500;
    const timestamps = new Float64Array(n);
    let seed = 12345;
    for (let i = 0; i < n; i++) {
      seed = (seed * 48271) % 2147483647; // Park-Miller: a fixed pseudo-random sequence, exact in doubles
      timestamps[i] = at(i) + ((seed % 29) - 14) * 1000;
    }
    const jittered: Profile = { id: 'jitter', timestamps, values: new Float64Array(n).fill(1) };
    expect(detectGaps(jittered, { stepMs: MINUTE_MS })).toEqual([]);
    // The same series with a 10 s tolerance: every distance above 70 s is a one-sample gap.
    const strict = detectGaps(jittered, { stepMs: MINUTE_MS, toleranceMs: 10_000 });
    let expected = 0;
    for (let i = 1; i < n; i++) if (timestamps[i] - timestamps[i - 1] > 70_000) expected++;
    expect(expected).toBeGreaterThan(0);
    expect(strict).toHaveLength(expected);
    for (const gap of strict) expect(gap.missing).toBe(1);
  });

  it('reports leading and trailing gaps when a span is given', () => {
    const values = new Float64Array(60).fill(2);
    const profile = minuteProfile('mp', values, new Set([0, 1, 2, 57, 58, 59]));
    const span = { startMs: at(0), endMs: at(60) };
    expect(detectGaps(profile, { stepMs: MINUTE_MS, span })).toEqual([
      { fromMs: at(0), toMs: at(3), missing: 3 },
      { fromMs: at(56), toMs: at(60), missing: 3 },
    ]);
    // Without a span the edges are unknown, so nothing is reported.
    expect(detectGaps(profile, { stepMs: MINUTE_MS })).toEqual([]);
  });

  it('ignores samples outside the span and reads NaN values as missing', () => {
    const values = Float64Array.from({ length: 120 }, (_, i) => (i === 70 || i === 71 ? Number.NaN : i));
    const profile = minuteProfile('mp', values);
    expect(detectGaps(profile, { stepMs: MINUTE_MS, span: { startMs: at(30), endMs: at(90) } })).toEqual([
      { fromMs: at(69), toMs: at(72), missing: 2 },
    ]);
  });

  it('an empty profile is one gap over the whole span', () => {
    const empty: Profile = { id: 'none', timestamps: new Float64Array(0), values: new Float64Array(0) };
    expect(detectGaps(empty, { stepMs: MINUTE_MS, span: { startMs: at(0), endMs: at(1440) } })).toEqual([
      { fromMs: at(0), toMs: at(1440), missing: 1440 },
    ]);
    expect(detectGaps(empty, { stepMs: MINUTE_MS })).toEqual([]);
  });

  it('refuses unsorted timestamps and a step of zero, naming the profile', () => {
    const unsorted: Profile = { id: 'meter-7', timestamps: Float64Array.from([at(0), at(2), at(1)]), values: new Float64Array(3) };
    expect(() => detectGaps(unsorted, { stepMs: MINUTE_MS })).toThrow(ProfileError);
    expect(() => detectGaps(unsorted, { stepMs: MINUTE_MS })).toThrow(/"meter-7" timestamp #2/);
    expect(() => detectGaps(minuteProfile('mp', [1, 2]), { stepMs: 0 })).toThrow(/stepMs/);
  });
});
