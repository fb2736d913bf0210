import { describe, expect, it } from 'vitest';
import { alignProfile } from '../../../core/grid/profiles/align.js';
import { ProfileError, ProfileGridMismatchError, Quality } from '../../../core/grid/profiles/api.js';
import type { AlignedProfile } from '../../../core/grid/profiles/api.js';
import { countQuality } from '../../../core/grid/profiles/quality-counts.js';
import { residualProfile } from '../../../core/grid/profiles/residual.js';
import { DAY_MS, MINUTE_MS, ieeeLoadProfile, minuteProfile, range, sum } from './fixtures.js';

const DAY = { startMs: DAY_MS, endMs: DAY_MS + 1440 * MINUTE_MS, stepMs: MINUTE_MS, maxInterpolateMs: 3 * MINUTE_MS };

// A transformer (parent) with two measured sub-branches of 3 and 4 houses, and
// one house hanging directly below the transformer: its own "building" profile
// is what the residual must give back. Real one-minute load profiles in kW.
const branchA = sum(ieeeLoadProfile(1), ieeeLoadProfile(2), ieeeLoadProfile(3));
const branchB = sum(ieeeLoadProfile(4), ieeeLoadProfile(5), ieeeLoadProfile(6), ieeeLoadProfile(7));
const building = ieeeLoadProfile(8);
const transformer = sum(branchA, branchB, building);

function expectClose(actual: Float64Array, expected: ArrayLike<number>, slots: Iterable<number>): void {
  for (const k of slots) {
    if (Math.abs(actual[k] - expected[k]) > 1e-9) {
      throw new Error(`slot ${k}: ${actual[k]} differs from ${expected[k]} by more than 1e-9`);
    }
  }
}

describe('residualProfile', () => {
  it('parent = sum of children + a building: the residual is the building', () => {
    const residual = residualProfile(alignProfile(minuteProfile('trafo', transformer), DAY), [
      alignProfile(minuteProfile('branch-a', branchA), DAY),
      alignProfile(minuteProfile('branch-b', branchB), DAY),
    ]);
    expect(residual.id).toBe('trafo');
    expect(residual.startMs).toBe(DAY.startMs);
    expect(residual.stepMs).toBe(MINUTE_MS);
    expect(residual.values).toHaveLength(1440);
    expectClose(residual.values, building, range(0, 1440));
    expect(countQuality(residual)).toEqual({ measured: 1440, interpolated: 0, gap: 0 });
    // The building profile is not trivially small: the test would notice a wrong subtraction.
    expect(Math.max(...building)).toBeGreaterThan(1);
  });

  it('a slot is GAP (NaN) where the parent or any child is GAP, INTERPOLATED where an input was interpolated', () => {
    const parent = alignProfile(minuteProfile('trafo', transformer, range(100, 110)), DAY); // 10 min: gap
    const childA = alignProfile(minuteProfile('branch-a', branchA, range(500, 520)), DAY); // 20 min: gap
    const childB = alignProfile(minuteProfile('branch-b', branchB, range(800, 802)), DAY); // 2 min: interpolated
    const residual = residualProfile(parent, [childA, childB]);
    const gaps = new Set([...range(100, 110), ...range(500, 520)]);
    const interpolated = range(800, 802);
    for (let k = 0; k < 1440; k++) {
      if (gaps.has(k)) {
        expect(residual.quality[k]).toBe(Quality.GAP);
        expect(residual.values[k]).toBeNaN();
      } else if (interpolated.has(k)) {
        expect(residual.quality[k]).toBe(Quality.INTERPOLATED);
        expect(residual.values[k]).toBeCloseTo(transformer[k] - branchA[k] - childB.values[k], 9);
      } else {
        expect(residual.quality[k]).toBe(Quality.MEASURED);
      }
    }
    const measured = [...range(0, 1440)].filter((k) => !gaps.has(k) && !interpolated.has(k));
    expectClose(residual.values, building, measured);
    expect(countQuality(residual)).toEqual({ measured: 1440 - 30 - 2, interpolated: 2, gap: 30 });
    // The inputs are left as they were.
    expect(parent.values[200]).toBe(transformer[200]);
    expect(childA.quality[505]).toBe(Quality.GAP);
  });

  it('a parent without children is its own residual (a copy)', () => {
    const parent = alignProfile(minuteProfile('leaf', building), DAY);
    const residual = residualProfile(parent, []);
    expect(residual.values).toEqual(parent.values);
    expect(residual.values).not.toBe(parent.values);
  });

  it('refuses children on another grid, naming both profiles', () => {
    const parent = alignProfile(minuteProfile('trafo', transformer), DAY);
    const shifted = alignProfile(minuteProfile('branch-a', branchA), { ...DAY, startMs: DAY.startMs + MINUTE_MS });
    const coarse = alignProfile(minuteProfile('branch-b', branchB), { ...DAY, stepMs: 15 * MINUTE_MS });
    const shorter = alignProfile(minuteProfile('branch-b', branchB), { ...DAY, endMs: DAY.endMs - MINUTE_MS });
    for (const child of [shifted, coarse, shorter]) {
      let error: unknown;
      try {
        residualProfile(parent, [child]);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ProfileGridMismatchError);
      const mismatch = error as ProfileGridMismatchError;
      expect(mismatch.referenceId).toBe('trafo');
      expect(mismatch.mismatchedId).toBe(child.id);
      expect(mismatch.message).toContain(`"${child.id}" is on another grid`);
      expect(mismatch.message).toContain('"trafo"');
    }
  });

  it('refuses a child listed twice or the parent among its children', () => {
    const parent = alignProfile(minuteProfile('trafo', transformer), DAY);
    const child = alignProfile(minuteProfile('branch-a', branchA), DAY);
    expect(() => residualProfile(parent, [child, child])).toThrow(/"branch-a" is listed twice/);
    expect(() => residualProfile(parent, [parent])).toThrow(ProfileError);
  });

  it('flags as GAP a NaN that arrives on a slot marked otherwise', () => {
    const parent = alignProfile(minuteProfile('trafo', transformer), DAY);
    const broken: AlignedProfile = { ...alignProfile(minuteProfile('branch-a', branchA), DAY) };
    broken.values[7] = Number.NaN; // quality still MEASURED: a producer's bug
    const residual = residualProfile(parent, [broken]);
    expect(residual.quality[7]).toBe(Quality.GAP);
    expect(residual.values[7]).toBeNaN();
    expect(residual.quality[8]).toBe(Quality.MEASURED);
  });
});
