/**
 * Row 5 of `npm run bench:grid-model`: residual profiles of a tree of
 * monitoring points, a month at one minute. Ours: core/grid/profiles'
 * RxJS residualPipeline (align every profile to the grid, then parent −
 * Σ children); the peer: the same in numpy (residual_peer.py), on the same
 * samples handed over as raw float64 files.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { AlignedProfile, AlignOptions, Profile, ResidualTree } from '../../../core/grid/profiles/api.js';
import { residualPipeline } from '../../../core/grid/profiles/operators.js';
import { withGaps } from '../../simulate/gaps.js';
import { buildingCharacter, buildingProfile, profileGrid } from '../../simulate/profiles.js';
import { prng } from '../prng.js';
import { count, SEED, type GridModelPlan } from './plan.js';
import { resultNumber, runPythonPeer } from './python.js';
import { medianMs } from './timing.js';
import { workDir } from './workspace.js';

const STEP_MS = 60_000;
/** Runs of up to 15 missing minutes are interpolated; longer ones stay gaps. */
const MAX_INTERPOLATE_MS = 15 * 60_000;
/** Clock jitter of the meters: each timestamp off by up to ± this. */
const JITTER_MS = 5_000;
/** Monitoring point i > 0 hangs below point floor((i − 1) / FAN_OUT). */
const FAN_OUT = 3;

interface ProfileSet {
  readonly profiles: readonly Profile[];
  readonly tree: ResidualTree;
  readonly options: AlignOptions;
}

const sets = new Map<string, ProfileSet>();

/**
 * P monitoring points in a tree (point 0 at the transformer, FAN_OUT
 * below each), each with a load of its own section (a simulated building
 * profile scaled up); a point measures its own load plus everything below
 * it. Then jitter on every timestamp and about 0.5 % of the samples cut
 * out in runs (mean 8 minutes, so some gaps exceed the 15 minutes that are
 * interpolated).
 */
function profileSetOf(profiles: number, samples: number): ProfileSet {
  const key = `${profiles}/${samples}`;
  const cached = sets.get(key);
  if (cached) return cached;
  const grid = profileGrid((samples * STEP_MS) / 86_400_000, STEP_MS);
  const totals: Float64Array[] = [];
  for (let i = 0; i < profiles; i++) {
    const own = buildingProfile(SEED, i, buildingCharacter(SEED, i, 0), grid);
    const section = 5 + (i % 7); // a section feeds several buildings
    for (let k = 0; k < own.length; k++) own[k]! *= section;
    totals.push(own);
  }
  for (let i = profiles - 1; i > 0; i--) {
    const parent = totals[Math.floor((i - 1) / FAN_OUT)]!;
    const child = totals[i]!;
    for (let k = 0; k < samples; k++) parent[k]! += child[k]!;
  }
  const random = prng(SEED * 31 + profiles);
  const list: Profile[] = totals.map((values, i) => {
    const timestamps = new Float64Array(samples);
    for (let k = 0; k < samples; k++) timestamps[k] = grid.startMs + k * STEP_MS + Math.round((random() * 2 - 1) * JITTER_MS);
    const cut = withGaps(timestamps, values, { rate: 0.005, meanLength: 8 }, random);
    return { id: `mp${String(i).padStart(3, '0')}`, timestamps: cut.timestamps, values: cut.values };
  });
  const tree = new Map<string, string[]>(list.map((profile) => [profile.id, []]));
  for (let i = 1; i < profiles; i++) tree.get(list[Math.floor((i - 1) / FAN_OUT)]!.id)!.push(list[i]!.id);
  const set: ProfileSet = {
    profiles: list,
    tree,
    options: { startMs: grid.startMs, endMs: grid.startMs + samples * STEP_MS, stepMs: STEP_MS, maxInterpolateMs: MAX_INTERPOLATE_MS },
  };
  sets.set(key, set);
  return set;
}

interface Summary {
  readonly residuals: number;
  readonly checksum: number;
  readonly gapSlots: number;
  readonly interpolatedSlots: number;
}

function summarise(residuals: readonly AlignedProfile[]): Summary {
  let checksum = 0;
  let gapSlots = 0;
  let interpolatedSlots = 0;
  for (const residual of residuals) {
    for (let k = 0; k < residual.values.length; k++) {
      const v = residual.values[k]!;
      if (v === v) checksum += v;
      if (residual.quality[k] === 2) gapSlots++;
      else if (residual.quality[k] === 1) interpolatedSlots++;
    }
  }
  return { residuals: residuals.length, checksum, gapSlots, interpolatedSlots };
}

const describe = (s: Summary): string =>
  `${s.residuals} residuals, value sum ${s.checksum.toFixed(3)}, ${count(s.gapSlots)} gap and ${count(s.interpolatedSlots)} interpolated slots`;

const oursSummaries = new Map<string, Summary>();

export async function residualsOurs(plan: GridModelPlan, log: (message: string) => void): Promise<number> {
  const set = profileSetOf(plan.profiles, plan.samplesPerProfile);
  let residuals: AlignedProfile[] = [];
  const ms = await medianMs(plan.profileRuns, async () => {
    residuals = await lastValueFrom(residualPipeline(from(set.profiles), set.options, set.tree).pipe(toArray()));
  });
  const summary = summarise(residuals);
  oursSummaries.set(`${plan.profiles}/${plan.samplesPerProfile}`, summary);
  log(`${plan.profiles} profiles of ${count(plan.samplesPerProfile)} slots: ${describe(summary)}`);
  return ms;
}

export async function residualsNumpy(plan: GridModelPlan, log: (message: string) => void): Promise<number> {
  const set = profileSetOf(plan.profiles, plan.samplesPerProfile);
  const dir = workDir();
  const total = set.profiles.reduce((sum, profile) => sum + profile.timestamps.length, 0);
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (const profile of set.profiles) {
    timestamps.set(profile.timestamps, at);
    values.set(profile.values, at);
    at += profile.timestamps.length;
  }
  const timestampsFile = join(dir, `profiles-${plan.profiles}.t.f64`);
  const valuesFile = join(dir, `profiles-${plan.profiles}.v.f64`);
  await writeFile(timestampsFile, new Uint8Array(timestamps.buffer));
  await writeFile(valuesFile, new Uint8Array(values.buffer));
  const index = new Map(set.profiles.map((profile, i) => [profile.id, i]));
  const result = await runPythonPeer({
    script: 'residual_peer.py',
    label: 'numpy-residuals',
    workDir: dir,
    spec: {
      timestamps: timestampsFile,
      values: valuesFile,
      lengths: set.profiles.map((profile) => profile.timestamps.length),
      startMs: set.options.startMs,
      stepMs: set.options.stepMs,
      slots: plan.samplesPerProfile,
      maxInterpolateMs: set.options.maxInterpolateMs,
      tree: [...set.tree].map(([parent, children]) => [index.get(parent), children.map((child) => index.get(child))]),
      runs: plan.profileRuns,
    },
  });
  const theirs: Summary = {
    residuals: resultNumber(result, 'residuals', 'numpy'),
    checksum: resultNumber(result, 'checksum', 'numpy'),
    gapSlots: resultNumber(result, 'gapSlots', 'numpy'),
    interpolatedSlots: resultNumber(result, 'interpolatedSlots', 'numpy'),
  };
  const ours = oursSummaries.get(`${plan.profiles}/${plan.samplesPerProfile}`);
  const same =
    ours !== undefined &&
    ours.residuals === theirs.residuals &&
    ours.gapSlots === theirs.gapSlots &&
    ours.interpolatedSlots === theirs.interpolatedSlots &&
    Math.abs(ours.checksum - theirs.checksum) <= 1e-9 * Math.max(1, Math.abs(ours.checksum));
  log(`numpy ${String(result.numpy)}: ${describe(theirs)}; ${ours === undefined ? 'ours not measured in this run' : same ? 'the same as ours' : 'DIFFERS from ours'}`);
  return resultNumber(result, 'seconds', 'numpy') * 1000;
}
