/**
 * Inputs with a known answer for the assignment tests: a simulated feeder
 * (tools/simulate) in memory, its monitoring points' residuals over the MP
 * tree the GRM derives from the topology, and the ground truth (each
 * building's nearest monitoring point upstream); and IEEE EU LV building
 * profiles summed into a synthetic tree of monitoring points.
 */
import { readFileSync } from 'node:fs';
import { monitoringPointsOf, residualTreeOf } from '../../../core/grid/serving/monitoring-points.js';
import { Quality, type AlignedProfile } from '../../../core/grid/profiles/api.js';
import { residualProfile } from '../../../core/grid/profiles/residual.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { generateFeeder } from '../../../tools/simulate/feeder.js';
import { gaussian, streamFor } from '../../../tools/simulate/ids.js';
import { profileGrid } from '../../../tools/simulate/profiles.js';
import { forEachProfile, resolveSimulation, type SimulationOptions } from '../../../tools/simulate/simulation.js';
import { sharedData } from '../../support/shared-data.js';

export interface Case {
  readonly buildings: AlignedProfile[];
  readonly residuals: AlignedProfile[];
  /** building id → the monitoring point it belongs to */
  readonly truth: ReadonlyMap<string, string>;
}

export function aligned(id: string, values: Float64Array, stepMs = 60_000, startMs = Date.UTC(2026, 0, 5)): AlignedProfile {
  const quality = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) if (values[k] !== values[k]) quality[k] = Quality.GAP;
  return { id, startMs, stepMs, values, quality };
}

/** A simulated feeder of one day; mpNoise is the monitoring points' relative error (σ). */
export async function simulatedCase(options: Partial<SimulationOptions>): Promise<Case> {
  const resolved = resolveSimulation({ buildings: 55, monitoringPoints: 6, switches: 6, days: 1, ...options });
  const feeder = generateFeeder(resolved);
  const grid = profileGrid(resolved.days, resolved.stepMs, resolved.startMs);
  const series = new Map<string, Float64Array>();
  await forEachProfile(feeder, resolved, grid, async (dataPoint, values) => {
    series.set(dataPoint.name, values);
  });
  const buildings = feeder.buildings.map((building) => aligned(building.id, series.get(building.dataPoint)!, grid.stepMs, grid.startMs));
  const points = new Map(feeder.monitoringPoints.map((point) => [point.id, aligned(point.id, series.get(point.dataPoint)!, grid.stepMs, grid.startMs)]));
  const tree = residualTreeOf(buildTopology(feeder.network), monitoringPointsOf(feeder.network, []));
  const residuals = [...points.values()].map((point) => residualProfile(point, (tree.get(point.id) ?? []).map((child) => points.get(child)!)));
  return { buildings, residuals, truth: new Map(feeder.buildings.map((building) => [building.id, building.monitoringPoint])) };
}

/** The 55 IEEE EU LV profiles 1..55 (1 min, one day, kW). */
export function ieeeProfiles(count = 55): Float64Array[] {
  const folder = sharedData('ieee_eu_lv', 'Daily_1min_100profiles');
  return Array.from({ length: count }, (_, i) => {
    const text = readFileSync(`${folder}/load_profile_${i + 1}.txt`, 'utf8');
    return Float64Array.from(text.split(/\s+/).filter((token) => token !== '').map(Number));
  });
}

/** Averages of `factor` consecutive slots (a coarser resolution). */
export function downsample(values: Float64Array, factor: number): Float64Array {
  const out = new Float64Array(Math.floor(values.length / factor));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < factor; j++) sum += values[i * factor + j]!;
    out[i] = sum / factor;
  }
  return out;
}

/**
 * IEEE profiles as buildings under a synthetic tree: point 0 at the
 * transformer with points 1..branches as its children, building i under
 * point (i mod (branches + 1)). Each point measures the sum below it times
 * (1 + noise·N(0,1)) per slot; residual = point − its children.
 */
export function ieeeCase(options: { branches: number; noise: number; seed: number; factor?: number }): Case {
  const factor = options.factor ?? 1;
  const profiles = ieeeProfiles().map((values) => downsample(values, factor));
  const slots = profiles[0]!.length;
  const stepMs = 60_000 * factor;
  const pointCount = options.branches + 1;
  const sums = Array.from({ length: pointCount }, () => new Float64Array(slots));
  const truth = new Map<string, string>();
  profiles.forEach((values, i) => {
    const point = i % pointCount;
    truth.set(`building-${i + 1}`, `mp-${point}`);
    for (let k = 0; k < slots; k++) {
      sums[point]![k] = sums[point]![k]! + values[k]!;
      if (point !== 0) sums[0]![k] = sums[0]![k]! + values[k]!;
    }
  });
  const random = streamFor(options.seed, 'ieee-noise');
  const measured = sums.map((sum, p) => aligned(`mp-${p}`, sum.map((v) => v * (1 + options.noise * gaussian(random))), stepMs));
  const residuals = measured.map((point, p) => (p === 0 ? residualProfile(point, measured.slice(1)) : point));
  return { buildings: profiles.map((values, i) => aligned(`building-${i + 1}`, values, stepMs)), residuals, truth };
}

/** Share of buildings whose assigned point is the true one. */
export function accuracy(result: readonly { building: string; monitoringPoint: string | undefined }[], truth: ReadonlyMap<string, string>): number {
  let right = 0;
  for (const assignment of result) if (assignment.monitoringPoint === truth.get(assignment.building)) right++;
  return right / truth.size;
}
