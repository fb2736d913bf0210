/**
 * The cases as the Python peers read them: per case one raw little-endian
 * float64 file (building profiles, then MP residuals, row by row) and an
 * entry in the spec JSON with the sizes and the truth as MP indices.
 * Ours and the peers so score the same numbers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssignmentCase } from './assignment-case.js';
import { workDir } from './workspace.js';

export interface PeerCaseSpec {
  readonly label: string;
  readonly file: string;
  readonly buildings: number;
  readonly points: number;
  readonly slots: number;
  /** Per building the index of its true MP among the residuals, −1 for none. */
  readonly truth: readonly number[];
}

export interface PeerSpec {
  readonly cases: readonly PeerCaseSpec[];
  readonly runs: number;
}

export interface PeerCaseResult {
  readonly label: string;
  readonly correct: number;
  readonly buildings: number;
  readonly ms: number;
}

const written = new Map<AssignmentCase, PeerCaseSpec>();

async function exportCase(testCase: AssignmentCase): Promise<PeerCaseSpec> {
  const done = written.get(testCase);
  if (done !== undefined) return done;
  const slots = testCase.buildings[0]?.values.length ?? testCase.residuals[0]?.values.length ?? 0;
  const profiles = [...testCase.buildings, ...testCase.residuals];
  const data = new Float64Array(profiles.length * slots);
  profiles.forEach((profile, i) => data.set(profile.values, i * slots));
  const file = join(workDir(), `case-${written.size}.f64`);
  // Float64Array is in the machine's byte order; every machine Node runs on here is little-endian, as numpy's "<f8" expects.
  await writeFile(file, new Uint8Array(data.buffer));
  const column = new Map(testCase.residuals.map((residual, m) => [residual.id, m]));
  const spec: PeerCaseSpec = {
    label: testCase.label,
    file,
    buildings: testCase.buildings.length,
    points: testCase.residuals.length,
    slots,
    truth: testCase.buildings.map((building) => column.get(testCase.truth.get(building.id) ?? '') ?? -1),
  };
  written.set(testCase, spec);
  return spec;
}

export async function exportCases(cases: readonly AssignmentCase[], runs: number): Promise<PeerSpec> {
  const specs: PeerCaseSpec[] = [];
  for (const testCase of cases) specs.push(await exportCase(testCase));
  return { cases: specs, runs };
}
