import { from, lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { alignProfile } from '../../../core/grid/profiles/align.js';
import type { AlignedProfile, Profile, ResidualTree } from '../../../core/grid/profiles/api.js';
import { residualPipeline } from '../../../core/grid/profiles/operators.js';
import { residualProfile } from '../../../core/grid/profiles/residual.js';
import { DAY_MS, MINUTE_MS, ieeeLoadProfile, minuteProfile, range } from './fixtures.js';

// residualPipeline computes residuals in the arrays of its own aligned profiles and keeps
// copies of inputs still needed in recycled arrays: whatever the order of arrival, the
// results must equal the direct computation and must not change after they were emitted.

const OPTIONS = { startMs: DAY_MS, endMs: DAY_MS + 1440 * MINUTE_MS, stepMs: MINUTE_MS, maxInterpolateMs: 4 * MINUTE_MS };

// root ─ f1 ─ c1a, c1b, c1c     f3 also lists "shared" (a child of two parents, with no
//      ─ f2 ─ c2a, c2b, c2c     residual of its own) and f2 lists "c1c" too; "c3a" has no
//      ─ f3 ─ c3a, shared       data of its own beyond the tree.
const TREE: ResidualTree = new Map([
  ['root', ['f1', 'f2', 'f3']],
  ['f1', ['c1a', 'c1b', 'c1c']],
  ['f2', ['c2a', 'c2b', 'c2c', 'shared']],
  ['f3', ['c3a', 'shared']],
  ['c1a', []],
  ['c1b', []],
  ['c1c', []],
  ['c2a', []],
  ['c2b', []],
  ['c2c', []],
  ['c3a', []],
]);
const IDS = ['root', 'f1', 'f2', 'f3', 'c1a', 'c1b', 'c1c', 'c2a', 'c2b', 'c2c', 'c3a', 'shared'];
const PROFILES: Profile[] = IDS.map((id, i) =>
  // Every third profile has a gap: some short enough to interpolate, some not.
  minuteProfile(id, ieeeLoadProfile(30 + i).map((v) => v * (IDS.length - i)), i % 3 === 0 ? range(100 + 37 * i, 103 + 40 * i) : new Set()),
);

function directResiduals(): Map<string, AlignedProfile> {
  const aligned = new Map(PROFILES.map((p) => [p.id, alignProfile(p, OPTIONS)]));
  return new Map([...TREE].map(([parent, children]) => [parent, residualProfile(aligned.get(parent)!, children.map((id) => aligned.get(id)!))]));
}

/** Deterministic shuffles (a linear congruential generator), plus the tree order and its reverse. */
function orders(count: number): Profile[][] {
  const out = [PROFILES, [...PROFILES].reverse()];
  let state = 12345;
  const next = (): number => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  while (out.length < count) {
    const order = [...PROFILES];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    out.push(order);
  }
  return out;
}

/** The first slot where two series differ (NaN equals NaN), −1 for none: cheaper than toEqual over many runs. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
}

describe('residualPipeline reusing its own arrays', () => {
  const expected = directResiduals();

  it('equals the direct computation in any order, and no residual changes after it was emitted', async () => {
    for (const order of orders(24)) {
      const snapshots = new Map<string, { values: Float64Array; quality: Uint8Array }>();
      const results = await lastValueFrom(
        residualPipeline(from(order), OPTIONS, TREE).pipe(
          map((r) => (snapshots.set(r.id, { values: r.values.slice(), quality: r.quality.slice() }), r)),
          toArray(),
        ),
      );
      expect(results.map((r) => r.id).sort()).toEqual([...TREE.keys()].sort());
      const buffers = new Set<ArrayBufferLike>();
      for (const result of results) {
        const direct = expected.get(result.id)!;
        const emitted = snapshots.get(result.id)!;
        expect({ id: result.id, values: firstDifference(result.values, direct.values), quality: firstDifference(result.quality, direct.quality) }).toEqual({ id: result.id, values: -1, quality: -1 });
        expect({ id: result.id, values: firstDifference(result.values, emitted.values), quality: firstDifference(result.quality, emitted.quality) }).toEqual({ id: result.id, values: -1, quality: -1 });
        buffers.add(result.values.buffer);
        buffers.add(result.quality.buffer);
      }
      expect(buffers.size).toBe(2 * results.length); // no residual shares its arrays with another
    }
  });

  it('leaves the profiles it was given untouched', async () => {
    const copies = PROFILES.map((p) => ({ timestamps: p.timestamps.slice(), values: p.values.slice() }));
    await lastValueFrom(residualPipeline(from(PROFILES), OPTIONS, TREE).pipe(toArray()));
    PROFILES.forEach((p, i) => {
      expect(p.timestamps).toEqual(copies[i].timestamps);
      expect(p.values).toEqual(copies[i].values);
    });
  });
});
