/**
 * The simulator's ground truth (feeder.json of `gridlink simulate`) as far
 * as the grid applications are judged against it: which monitoring point
 * each building's data point belongs to, and which switches were recorded
 * in the wrong state. Used by `gridlink assess --truth` and `npm start`.
 */
import { readFileSync } from 'node:fs';

export interface TruthBuilding {
  readonly id: string;
  readonly name: string;
  readonly dataPoint: string;
  /** The nearest monitoring point upstream; '' when none (left unfed by a flipped switch). */
  readonly monitoringPoint: string;
}

export interface TruthFlip {
  readonly switchId: string;
  readonly name: string;
  readonly recordedOpen: boolean;
  readonly actualOpen: boolean;
}

export interface FeederTruth {
  readonly grid: { readonly startMs: number; readonly stepMs: number; readonly samples: number };
  readonly buildings: readonly TruthBuilding[];
  readonly monitoringPoints: readonly { readonly id: string; readonly element: string; readonly dataPoint: string }[];
  readonly flips: readonly TruthFlip[];
}

export class TruthFileError extends Error {
  override readonly name = 'TruthFileError';
}

export function readFeederTruth(path: string): FeederTruth {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TruthFileError(`${path}: ${(error as Error).message}`);
  }
  const truth = raw as Partial<FeederTruth> | null;
  if (truth === null || typeof truth !== 'object' || !Array.isArray(truth.buildings) || !Array.isArray(truth.monitoringPoints) || typeof truth.grid?.startMs !== 'number') {
    throw new TruthFileError(`${path}: not a feeder.json of gridlink simulate (grid, buildings and monitoringPoints expected)`);
  }
  return { grid: truth.grid, buildings: truth.buildings, monitoringPoints: truth.monitoringPoints, flips: Array.isArray(truth.flips) ? truth.flips : [] };
}

/** The half-open span of the simulated profiles. */
export function truthSpan(truth: FeederTruth): { fromMs: number; toMs: number; stepMs: number } {
  const { startMs, stepMs, samples } = truth.grid;
  return { fromMs: startMs, toMs: startMs + samples * stepMs, stepMs };
}

export interface AssignedBuilding {
  /** The building's data point (how the truth names it). */
  readonly dataPoint: string;
  /** The monitoring point it was assigned to; undefined when not assigned. */
  readonly monitoringPoint: string | undefined;
}

export interface Accuracy {
  /** Buildings with a monitoring point in the truth and an answer. */
  readonly judged: number;
  readonly correct: number;
  /** correct / judged (0 when nothing was judged). */
  readonly share: number;
  /** Data points judged wrong: "<dataPoint>: <given> instead of <truth>". */
  readonly wrong: readonly string[];
}

/** Share of buildings assigned to the monitoring point the simulator put them under; an unassigned building counts as wrong. */
export function accuracyOf(assignments: readonly AssignedBuilding[], truth: FeederTruth, nameOf: (monitoringPoint: string) => string = (id) => id): Accuracy {
  const expected = new Map(truth.buildings.filter((building) => building.monitoringPoint !== '').map((building) => [building.dataPoint, building.monitoringPoint]));
  let judged = 0;
  let correct = 0;
  const wrong: string[] = [];
  for (const one of assignments) {
    const want = expected.get(one.dataPoint);
    if (want === undefined) continue;
    judged++;
    if (one.monitoringPoint === want) correct++;
    else wrong.push(`${one.dataPoint}: ${one.monitoringPoint === undefined ? 'unassigned' : nameOf(one.monitoringPoint)} instead of ${nameOf(want)}`);
  }
  return { judged, correct, share: judged === 0 ? 0 : correct / judged, wrong };
}
