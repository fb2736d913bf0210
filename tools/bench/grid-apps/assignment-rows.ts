/**
 * The assignment rows: share of buildings assigned to their true MP, per
 * method, on the IEEE feeder (per MPs × noise × resolution) and on simulated
 * feeders, and the run time of one assignment. Ours: core/grid/assignment
 * `assignBuildings` in this process. Peers: assign_peer.py (numpy argmax
 * Pearson, numpy lstsq) on the same numbers, exported by export.ts.
 */
import type { AssignmentMethod } from '../../../core/grid/assignment/api.js';
import { assignBuildings } from '../../../core/grid/assignment/assign.js';
import { correctCount, type AssignmentCase } from './assignment-case.js';
import { exportCases, type PeerCaseResult } from './export.js';
import { medianMs } from '../grid-model/timing.js';
import { GOAL_NOISE, ieeeRowKey, METHODS, simulatedRowKey, timeRowKey, type GridAppsPlan } from './plan.js';
import { ieeeCaseOf, ieeeCasesOf, simulatedCases } from './workspace.js';
import { runAssignPeer } from './python.js';

type Figures = Record<string, number>;

const percent = (correct: number, total: number): number => (total === 0 ? Number.NaN : (100 * correct) / total);

/** Sums correct and total per row key, then turns them into percentages. */
class Tally {
  private readonly counts = new Map<string, { correct: number; total: number }>();
  add(key: string, correct: number, total: number): void {
    const entry = this.counts.get(key) ?? { correct: 0, total: 0 };
    entry.correct += correct;
    entry.total += total;
    this.counts.set(key, entry);
  }
  figures(): Figures {
    return Object.fromEntries([...this.counts].map(([key, { correct, total }]) => [key, percent(correct, total)]));
  }
  line(key: string): string {
    const entry = this.counts.get(key);
    return entry === undefined ? `${key}: none` : `${key} ${entry.correct}/${entry.total}`;
  }
}

/** The case whose assignment is timed: 1 min, GOAL_NOISE, the plan's timing MPs, first noise draw. */
export const timingCase = (plan: GridAppsPlan): AssignmentCase => ieeeCaseOf({ mps: plan.timingMps, noise: GOAL_NOISE, resolutionMin: 1 }, 1);

export async function ieeeOurs(plan: GridAppsPlan, log: (m: string) => void): Promise<Figures> {
  const tally = new Tally();
  for (const { spec, testCase } of ieeeCasesOf(plan)) {
    const parts: string[] = [];
    for (const method of METHODS) {
      const correct = correctCount(testCase, assignBuildings(testCase.buildings, testCase.residuals, { method }));
      tally.add(ieeeRowKey(spec.mps, spec.noise, spec.resolutionMin, method), correct, testCase.buildings.length);
      parts.push(`${method} ${correct}`);
    }
    log(`${testCase.label}: ${parts.join(', ')} of ${testCase.buildings.length}`);
  }
  const figures = tally.figures();
  const timed = timingCase(plan);
  for (const method of METHODS) {
    figures[timeRowKey(method)] = await medianMs(plan.timingRuns, () => assignBuildings(timed.buildings, timed.residuals, { method }));
  }
  log(`run time (${timed.label}): ${METHODS.map((m) => `${m} ${figures[timeRowKey(m)]!.toFixed(1)} ms`).join(', ')}`);
  return figures;
}

export async function simulatedOurs(plan: GridAppsPlan, log: (m: string) => void): Promise<Figures> {
  const tally = new Tally();
  for (const testCase of await simulatedCases(plan)) {
    for (const method of METHODS) {
      const correct = correctCount(testCase, assignBuildings(testCase.buildings, testCase.residuals, { method }));
      tally.add(simulatedRowKey(method), correct, testCase.buildings.length);
    }
  }
  log(METHODS.map((method) => tally.line(simulatedRowKey(method))).join(', '));
  return tally.figures();
}

/** The peers' method and the row of ours' method it stands beside. */
export const PEER_METHODS = { pearson: 'pearson', lstsq: 'least-squares' } as const satisfies Record<string, AssignmentMethod>;
export type PeerMethod = keyof typeof PEER_METHODS;

/** All rows of one numpy peer: every IEEE case, the timing case, the simulated cases; one python3 run. */
export async function assignmentPeer(plan: GridAppsPlan, peer: PeerMethod, log: (m: string) => void): Promise<Figures> {
  const method = PEER_METHODS[peer];
  const ieeeList = ieeeCasesOf(plan);
  const simulated = await simulatedCases(plan);
  const timed = timingCase(plan);
  const cases = [...ieeeList.map((entry) => entry.testCase), ...simulated];
  // The timing case is one of the IEEE cases when the plan holds it; export it once more under its own label otherwise.
  const timedIndex = cases.indexOf(timed) >= 0 ? cases.indexOf(timed) : cases.push(timed) - 1;
  const spec = await exportCases(cases, plan.timingRuns);
  const results: PeerCaseResult[] = await runAssignPeer(peer, spec, log);
  if (results.length !== cases.length) throw new Error(`assign_peer.py ${peer}: ${results.length} results for ${cases.length} cases`);
  const tally = new Tally();
  ieeeList.forEach(({ spec: s }, i) => tally.add(ieeeRowKey(s.mps, s.noise, s.resolutionMin, method), results[i]!.correct, results[i]!.buildings));
  simulated.forEach((_, i) => {
    const result = results[ieeeList.length + i]!;
    tally.add(simulatedRowKey(method), result.correct, result.buildings);
  });
  const figures = tally.figures();
  figures[timeRowKey(method)] = results[timedIndex]!.ms;
  log(`${tally.line(simulatedRowKey(method))}; run time ${results[timedIndex]!.ms.toFixed(2)} ms (${timed.label})`);
  return figures;
}
