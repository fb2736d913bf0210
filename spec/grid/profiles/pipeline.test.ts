import { Observable, Subject, concat, concatMap, firstValueFrom, from, lastValueFrom, map, throwError, timer, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { alignProfile } from '../../../core/grid/profiles/align.js';
import { ProfileError, ProfileGridMismatchError } from '../../../core/grid/profiles/api.js';
import type { AlignedProfile, Profile, ResidualTree } from '../../../core/grid/profiles/api.js';
import { alignTo, residualPipeline, residuals } from '../../../core/grid/profiles/operators.js';
import { residualProfile } from '../../../core/grid/profiles/residual.js';
import { DAY_MS, MINUTE_MS, ieeeLoadProfile, minuteProfile, range } from './fixtures.js';

const OPTIONS = { startMs: DAY_MS, endMs: DAY_MS + 1440 * MINUTE_MS, stepMs: MINUTE_MS, maxInterpolateMs: 5 * MINUTE_MS };

// trafo ─┬─ feeder-1 ─┬─ cabinet-1a
//        │            └─ cabinet-1b
//        └─ feeder-2           (no measured point below)
// Real load profiles stand in for the measurements; some have gaps.
const TREE: ResidualTree = new Map([
  ['trafo', ['feeder-1', 'feeder-2']],
  ['feeder-1', ['cabinet-1a', 'cabinet-1b']],
  ['feeder-2', []],
]);
const PROFILES: Profile[] = [
  minuteProfile('trafo', ieeeLoadProfile(10).map((v) => v * 20), range(300, 303)),
  minuteProfile('feeder-1', ieeeLoadProfile(11).map((v) => v * 8)),
  minuteProfile('feeder-2', ieeeLoadProfile(12).map((v) => v * 6), range(900, 960)),
  minuteProfile('cabinet-1a', ieeeLoadProfile(13).map((v) => v * 3)),
  minuteProfile('cabinet-1b', ieeeLoadProfile(14).map((v) => v * 2), range(50, 52)),
  minuteProfile('not-in-tree', ieeeLoadProfile(15)),
];

function directResiduals(): Map<string, AlignedProfile> {
  const aligned = new Map(PROFILES.map((p) => [p.id, alignProfile(p, OPTIONS)]));
  const out = new Map<string, AlignedProfile>();
  for (const [parent, children] of TREE) {
    out.set(parent, residualProfile(aligned.get(parent)!, children.map((id) => aligned.get(id)!)));
  }
  return out;
}

/** A fixed set of orders: reversed, interleaved, parents last, ... */
function orders(): Profile[][] {
  const n = PROFILES.length;
  const picks = [
    [0, 1, 2, 3, 4, 5],
    [5, 4, 3, 2, 1, 0],
    [3, 4, 1, 2, 0, 5],
    [2, 0, 5, 4, 1, 3],
    [1, 3, 0, 4, 2, 5],
  ];
  for (const pick of picks) expect(new Set(pick).size).toBe(n);
  return picks.map((pick) => pick.map((i) => PROFILES[i]));
}

const expected = directResiduals();

function expectSameResiduals(results: AlignedProfile[]): void {
  expect(results.map((r) => r.id).sort()).toEqual([...TREE.keys()].sort());
  for (const result of results) {
    const direct = expected.get(result.id)!;
    expect(result.startMs).toBe(direct.startMs);
    expect(result.stepMs).toBe(direct.stepMs);
    expect(result.values).toEqual(direct.values); // NaN equals NaN here: same gaps
    expect(result.quality).toEqual(direct.quality);
  }
}

describe('residualPipeline', () => {
  it('gives one residual per parent, equal to the direct computation, whatever the order of arrival', async () => {
    for (const order of orders()) {
      expectSameResiduals(await lastValueFrom(residualPipeline(from(order), OPTIONS, TREE).pipe(toArray())));
    }
  });

  it('emits a residual as soon as its inputs are in, also from an asynchronous source', async () => {
    const source = new Subject<Profile>();
    const emitted: string[] = [];
    const done = lastValueFrom(residualPipeline(source, OPTIONS, TREE).pipe(map((r) => (emitted.push(r.id), r)), toArray()));
    const byId = new Map(PROFILES.map((p) => [p.id, p]));
    source.next(byId.get('feeder-2')!);
    expect(emitted).toEqual(['feeder-2']); // a parent without children needs only itself
    source.next(byId.get('cabinet-1a')!);
    source.next(byId.get('feeder-1')!);
    expect(emitted).toEqual(['feeder-2']);
    source.next(byId.get('cabinet-1b')!);
    expect(emitted).toEqual(['feeder-2', 'feeder-1']);
    source.next(byId.get('trafo')!);
    expect(emitted).toEqual(['feeder-2', 'feeder-1', 'trafo']);
    source.complete();
    expectSameResiduals(await done);
  });

  it('works across timer ticks (profiles read one by one)', async () => {
    const slow = from(orders()[3]).pipe(concatMap((p) => timer(1).pipe(map(() => p))));
    expectSameResiduals(await lastValueFrom(residualPipeline(slow, OPTIONS, TREE).pipe(toArray())));
  });

  it('an error in the source surfaces as the pipeline error', async () => {
    const failing = concat(from(PROFILES.slice(0, 2)), throwError(() => new Error('storage read of "feeder-2" failed')));
    await expect(lastValueFrom(residualPipeline(failing, OPTIONS, TREE))).rejects.toThrow('storage read of "feeder-2" failed');
  });

  it('a malformed profile surfaces as a ProfileError naming it, and the source is unsubscribed', async () => {
    const unsorted: Profile = { id: 'cabinet-1a', timestamps: Float64Array.from([DAY_MS + MINUTE_MS, DAY_MS]), values: new Float64Array(2) };
    let pulled = 0;
    const counted = new Observable<Profile>((subscriber) => {
      for (const p of [PROFILES[0], unsorted, ...PROFILES.slice(1)]) {
        if (subscriber.closed) break;
        pulled++;
        subscriber.next(p);
      }
      subscriber.complete();
    });
    await expect(lastValueFrom(residualPipeline(counted, OPTIONS, TREE))).rejects.toThrow(/"cabinet-1a" timestamp #1/);
    expect(pulled).toBe(2);
  });

  it('ending before every input arrived is an error naming what is missing', async () => {
    const incomplete = from(PROFILES.filter((p) => p.id !== 'cabinet-1b'));
    const run = lastValueFrom(residualPipeline(incomplete, OPTIONS, TREE).pipe(toArray()));
    await expect(run).rejects.toThrow(ProfileError);
    await expect(lastValueFrom(residualPipeline(incomplete, OPTIONS, TREE))).rejects.toThrow(/"feeder-1" lacks "cabinet-1b"/);
    // The residuals whose inputs did arrive were emitted before the error.
    const emitted: string[] = [];
    await expect(
      lastValueFrom(residualPipeline(incomplete, OPTIONS, TREE).pipe(map((r) => (emitted.push(r.id), r)))),
    ).rejects.toThrow(/before 1 residual/);
    expect(emitted.sort()).toEqual(['feeder-2', 'trafo']);
  });

  it('a profile arriving twice is an error', async () => {
    const twice = from([PROFILES[1], PROFILES[1]]);
    await expect(lastValueFrom(residualPipeline(twice, OPTIONS, TREE))).rejects.toThrow(/"feeder-1" arrived twice/);
  });

  it('a malformed tree is an error on subscription', async () => {
    const selfChild: ResidualTree = new Map([['trafo', ['trafo']]]);
    await expect(lastValueFrom(residualPipeline(from(PROFILES), OPTIONS, selfChild))).rejects.toThrow(/its own child/);
    const doubled: ResidualTree = new Map([['trafo', ['feeder-1', 'feeder-1']]]);
    await expect(firstValueFrom(from([]).pipe(residuals(doubled)))).rejects.toThrow(/lists child "feeder-1" twice/);
  });

  it('bad alignment options are an error on subscription', async () => {
    await expect(firstValueFrom(from(PROFILES).pipe(alignTo({ ...OPTIONS, stepMs: -1 })))).rejects.toThrow(/stepMs/);
  });

  it('the residuals operator refuses inputs on different grids', async () => {
    const parent = alignProfile(PROFILES[1], OPTIONS);
    const child = alignProfile(PROFILES[3], { ...OPTIONS, stepMs: 15 * MINUTE_MS });
    const tree: ResidualTree = new Map([['feeder-1', ['cabinet-1a']]]);
    await expect(firstValueFrom(from([parent, child]).pipe(residuals(tree)))).rejects.toBeInstanceOf(ProfileGridMismatchError);
  });
});
