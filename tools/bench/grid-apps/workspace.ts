/**
 * What every subject of one run shares, made on first use and kept for the
 * run: the IEEE feeder and its cases, the simulated assignment cases, and a
 * temporary folder for the files handed to the Python peers (removed when
 * the run ends).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDataDir } from '../grid-model/paths.js';
import type { AssignmentCase } from './assignment-case.js';
import { readIeeeFeeder } from './ieee-feeder.js';
import { ieeeCase, ieeeModel, type IeeeCaseSpec, type IeeeModel } from './ieee-cases.js';
import type { GridAppsPlan } from './plan.js';
import { simulatedCase, simulatedRun } from './simulated-runs.js';

let folder: string | undefined;
let model: IeeeModel | undefined;
const ieeeCases = new Map<string, AssignmentCase>();
let simulated: Promise<AssignmentCase[]> | undefined;

export function workDir(): string {
  folder ??= mkdtempSync(join(tmpdir(), 'gridlink-bench-grid-apps-'));
  return folder;
}

export function removeWorkDir(): void {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
}

/** The ieee_eu_lv folder (GRIDLINK_SHARED_DATA, else ../shared/data beside the repository). */
export function ieeeDir(): string {
  return join(sharedDataDir(), 'ieee_eu_lv');
}

/** Why the IEEE rows cannot be measured (no shared data), or undefined. */
export function ieeeUnavailable(): string | undefined {
  return existsSync(join(ieeeDir(), 'Lines.txt')) ? undefined : `no IEEE European LV feeder in ${ieeeDir()} (set GRIDLINK_SHARED_DATA)`;
}

export function ieee(): IeeeModel {
  model ??= ieeeModel(readIeeeFeeder(ieeeDir()));
  return model;
}

/** The case of one setting and noise draw (cached: ours and the export see the same numbers). */
export function ieeeCaseOf(spec: IeeeCaseSpec, seed: number): AssignmentCase {
  const key = `${spec.mps}/${spec.noise}/${spec.resolutionMin}/${seed}`;
  let found = ieeeCases.get(key);
  if (found === undefined) {
    found = ieeeCase(ieee(), spec, seed);
    ieeeCases.set(key, found);
  }
  return found;
}

/** Every IEEE case of the plan, with its setting. */
export function ieeeCasesOf(plan: GridAppsPlan): { spec: IeeeCaseSpec; seed: number; testCase: AssignmentCase }[] {
  const out: { spec: IeeeCaseSpec; seed: number; testCase: AssignmentCase }[] = [];
  for (const mps of plan.ieeeMps) {
    for (const noise of plan.ieeeNoise) {
      for (const resolutionMin of plan.ieeeResolutionsMin) {
        for (let seed = 1; seed <= plan.ieeeNoiseSeeds; seed++) {
          const spec = { mps, noise, resolutionMin };
          out.push({ spec, seed, testCase: ieeeCaseOf(spec, seed) });
        }
      }
    }
  }
  return out;
}

/** The unflipped simulated feeders' cases, seeds 1..n. */
export function simulatedCases(plan: GridAppsPlan): Promise<AssignmentCase[]> {
  simulated ??= (async () => {
    const cases: AssignmentCase[] = [];
    for (let seed = 1; seed <= plan.simulatedSeeds; seed++) {
      const run = await simulatedRun(seed);
      if (run === null) throw new Error(`simulated feeder ${seed} could not be made`);
      cases.push(simulatedCase(run));
    }
    return cases;
  })();
  return simulated;
}
