/**
 * `gridlink assess` without the bus: what SSD and BEMS-AA do in the SCDA
 * sequence, on CIM files and profile files. importCim → buildTopology →
 * monitoring points (data point = the measurement's name, as the simulator
 * writes it, or --mp-map) → profiles aligned to one grid → SSD's verdict
 * (core/grid/ssd) → if consistent, residuals and the assignment of every
 * building (core/grid/assignment); an inconsistent topology is not used.
 */
import { importCim } from '../../core/grid/cim/import.js';
import type { GridNetwork, MonitoringPoint } from '../../core/grid/network.js';
import { alignProfile } from '../../core/grid/profiles/align.js';
import type { AlignedProfile, Profile } from '../../core/grid/profiles/api.js';
import { residualProfile } from '../../core/grid/profiles/residual.js';
import { assignBuildings } from '../../core/grid/assignment/assign.js';
import type { Assignment, AssignmentMethod } from '../../core/grid/assignment/api.js';
import type { SsdOptions, SsdVerdict } from '../../core/grid/ssd/api.js';
import { verifySwitches } from '../../core/grid/ssd/verify.js';
import { buildTopology } from '../../core/grid/topology/topology.js';
// The GRM's own rule for which points take part in residuals and their sub-branches, so the
// offline answer is the one the module would give.
import { measuresActivePower, residualTreeOf, type GridMonitoringPoint } from '../../core/grid/serving/monitoring-points.js';
import { readProfileFile } from './profile-folder.js';

export interface AssessInput {
  readonly cimPaths: readonly string[];
  /** Data point → CSV file. */
  readonly profileFiles: ReadonlyMap<string, string>;
  /** Which data points are buildings (absent: every file that is no monitoring point's). */
  readonly isBuilding?: (dataPoint: string) => boolean;
  /** Monitoring point id or name → data point, for points whose measurement name is not their data point. */
  readonly mpMap?: ReadonlyMap<string, string>;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly stepMs: number;
  readonly maxInterpolateMs: number;
  readonly methods: readonly AssignmentMethod[];
  readonly minScore?: number;
  readonly ssd?: SsdOptions;
  /** Assign even when SSD finds the topology inconsistent (for comparisons; the SCDA sequence never does). */
  readonly force?: boolean;
}

export interface AssessedPoint {
  readonly id: string;
  readonly name: string;
  readonly element: string;
  readonly dataPoint: string;
  readonly subBranches: readonly string[];
}

export interface MethodResult {
  readonly method: AssignmentMethod;
  readonly assignments: readonly (Assignment & { readonly dataPoint: string })[];
  readonly tookMs: number;
}

export interface Assessment {
  readonly files: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly slots: number;
  readonly points: readonly AssessedPoint[];
  /** Monitoring points left out, with why (no profile file, not active power). */
  readonly skippedPoints: readonly string[];
  readonly buildings: number;
  readonly verdict: SsdVerdict;
  /** Empty when the topology was not verified (and not forced). */
  readonly results: readonly MethodResult[];
  readonly timings: { readonly importMs: number; readonly profilesMs: number; readonly ssdMs: number };
}

export class AssessInputError extends Error {
  override readonly name = 'AssessInputError';
}

function dataPointOf(point: MonitoringPoint, mpMap: ReadonlyMap<string, string> | undefined): string {
  return mpMap?.get(point.id) ?? mpMap?.get(point.name) ?? point.dataPoint ?? (point.name !== '' ? point.name : point.id);
}

/** The span of the monitoring points' samples, to the step: from the first sample to just after the last. */
function spanOf(profiles: readonly Profile[], stepMs: number): { fromMs: number; toMs: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const profile of profiles) {
    if (profile.timestamps.length === 0) continue;
    first = Math.min(first, profile.timestamps[0]!);
    last = Math.max(last, profile.timestamps[profile.timestamps.length - 1]!);
  }
  if (!Number.isFinite(first)) throw new AssessInputError('the monitoring points\' profile files hold no samples: nothing to assess');
  return { fromMs: first, toMs: last + stepMs };
}

export async function assess(input: AssessInput): Promise<Assessment> {
  const importStarted = Date.now();
  const cim = await importCim(input.cimPaths);
  const topology = buildTopology(cim.network);
  const importMs = Date.now() - importStarted;

  const profilesStarted = Date.now();
  const skippedPoints: string[] = [];
  const kept: MonitoringPoint[] = [];
  const points: GridMonitoringPoint[] = [];
  for (const point of cim.network.monitoringPoints) {
    const dataPoint = dataPointOf(point, input.mpMap);
    const candidate: GridMonitoringPoint = { id: point.id, name: point.name, element: point.element, dataPoint, configured: false, ...(point.measurementType !== undefined ? { measurementType: point.measurementType } : {}) };
    if (!measuresActivePower(candidate)) skippedPoints.push(`${point.name || point.id}: measures ${point.measurementType}, not active power`);
    else if (!input.profileFiles.has(dataPoint)) skippedPoints.push(`${point.name || point.id}: no profile file ${dataPoint}.csv (--mp-map maps a point to its data point)`);
    else if (!topology.has(point.element)) skippedPoints.push(`${point.name || point.id}: at element ${point.element}, which is not in the topology`);
    else {
      kept.push({ ...point, dataPoint });
      points.push(candidate);
    }
  }
  if (points.length === 0) throw new AssessInputError(`no monitoring point of the CIM files has a profile file${skippedPoints.length > 0 ? ` (${skippedPoints.slice(0, 3).join('; ')})` : ''}`);
  // Every monitoring point's file is left out of the buildings, also that of a point left out above.
  const mpDataPoints = new Set(cim.network.monitoringPoints.map((point) => dataPointOf(point, input.mpMap)));
  const isBuilding = input.isBuilding ?? ((dataPoint: string) => !mpDataPoints.has(dataPoint));
  const buildingDataPoints = [...input.profileFiles.keys()].filter((dataPoint) => !mpDataPoints.has(dataPoint) && isBuilding(dataPoint));
  if (buildingDataPoints.length === 0) throw new AssessInputError('no building profiles: every profile file is a monitoring point\'s or left out by --buildings');

  const mpProfiles = points.map((point) => readProfileFile(point.id, input.profileFiles.get(point.dataPoint)!));
  const span = input.fromMs !== undefined && input.toMs !== undefined ? { fromMs: input.fromMs, toMs: input.toMs } : { ...spanOf(mpProfiles, input.stepMs), ...(input.fromMs !== undefined ? { fromMs: input.fromMs } : {}), ...(input.toMs !== undefined ? { toMs: input.toMs } : {}) };
  if (!(span.toMs > span.fromMs)) throw new AssessInputError(`the span is empty or inverted: from ${span.fromMs} to ${span.toMs}`);
  const align = { startMs: span.fromMs, endMs: span.toMs, stepMs: input.stepMs, maxInterpolateMs: input.maxInterpolateMs };
  const alignedPoints = mpProfiles.map((profile) => alignProfile(profile, align));
  const buildings = buildingDataPoints.map((dataPoint) => alignProfile(readProfileFile(dataPoint, input.profileFiles.get(dataPoint)!), align));
  const profilesMs = Date.now() - profilesStarted;

  const network: GridNetwork = { elements: cim.network.elements, links: cim.network.links, monitoringPoints: kept };
  const ssdStarted = Date.now();
  const verdict = verifySwitches(network, alignedPoints, input.ssd);
  const ssdMs = Date.now() - ssdStarted;

  const tree = residualTreeOf(topology, points);
  const byId = new Map(alignedPoints.map((profile) => [profile.id, profile]));
  const residuals: AlignedProfile[] = alignedPoints.map((profile) => residualProfile(profile, (tree.get(profile.id) ?? []).map((id) => byId.get(id)!)));
  const results: MethodResult[] = [];
  if (verdict.consistent || input.force === true) {
    for (const method of input.methods) {
      const started = Date.now();
      const assignments = assignBuildings(buildings, residuals, { method, ...(input.minScore !== undefined ? { minScore: input.minScore } : {}) });
      results.push({ method, assignments: assignments.map((one) => ({ ...one, dataPoint: one.building })), tookMs: Date.now() - started });
    }
  }
  return {
    files: input.cimPaths,
    fromMs: span.fromMs,
    toMs: span.toMs,
    stepMs: input.stepMs,
    slots: alignedPoints[0]?.values.length ?? 0,
    points: points.map((point) => ({ id: point.id, name: point.name, element: point.element, dataPoint: point.dataPoint, subBranches: tree.get(point.id) ?? [] })),
    skippedPoints,
    buildings: buildings.length,
    verdict,
    results,
    timings: { importMs, profilesMs, ssdMs },
  };
}
