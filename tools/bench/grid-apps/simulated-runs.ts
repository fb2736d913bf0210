/**
 * Simulated feeders (tools/simulate) for the benchmark: a seeded feeder
 * with buildings, switches and MPs at branch heads, one day of 1-min
 * profiles made under the ACTUAL switch states, and the network as
 * RECORDED (tools/simulate/flips.ts: recorded ≠ actual for flipped
 * switches). Assignment cases use runs without flips; SSD trials use runs
 * with 0, 1 or 2 flips.
 */
import type { GridNetwork } from '../../../core/grid/network.js';
import { Quality, type AlignedProfile } from '../../../core/grid/profiles/api.js';
import { residualProfile } from '../../../core/grid/profiles/residual.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { generateFeeder, type SimulatedFeeder } from '../../simulate/feeder.js';
import { applyFlips, type SwitchFlip } from '../../simulate/flips.js';
import { profileGrid } from '../../simulate/profiles.js';
import { forEachProfile, resolveSimulation } from '../../simulate/simulation.js';
import type { AssignmentCase } from './assignment-case.js';

/** The simulated feeders of the benchmark: 60 buildings, 12 switching devices, 10 MPs, one day at 1 min, 3 % MP noise. */
export const SIMULATED = { buildings: 60, switches: 12, monitoringPoints: 10, days: 1, stepMs: 60_000, mpNoise: 0.03 } as const;

export interface SimulatedRun {
  readonly seed: number;
  /** The feeder as it actually is (truth under the actual states). */
  readonly actual: SimulatedFeeder;
  /** The network as recorded, with its MPs. */
  readonly recorded: GridNetwork;
  readonly flips: readonly SwitchFlip[];
  /** Building profiles by building (consumer) id. */
  readonly buildings: ReadonlyMap<string, AlignedProfile>;
  /** MP profiles by MP id. */
  readonly points: ReadonlyMap<string, AlignedProfile>;
}

/**
 * The feeder of `seed` with `flips` switches flipped (the simulator's own
 * seeded choice) or the named ones; null when the simulator finds no flip of
 * that many switches an MP could see on this feeder.
 */
export async function simulatedRun(seed: number, flips: { count?: number; switchNames?: readonly string[] } = {}): Promise<SimulatedRun | null> {
  const options = resolveSimulation({ seed, ...SIMULATED });
  const normal = generateFeeder(options);
  let flipped;
  try {
    flipped = applyFlips(normal, flips);
  } catch (error) {
    if (error instanceof Error && error.name === 'FlipError') return null;
    throw error;
  }
  const grid = profileGrid(options.days, options.stepMs, options.startMs);
  const profile = (id: string, values: Float64Array): AlignedProfile => ({
    id,
    startMs: grid.startMs,
    stepMs: grid.stepMs,
    values,
    quality: new Uint8Array(values.length).fill(Quality.MEASURED),
  });
  const buildingByDataPoint = new Map(flipped.actual.buildings.map((building) => [building.dataPoint, building.id]));
  const pointByDataPoint = new Map(flipped.actual.monitoringPoints.map((point) => [point.dataPoint, point.id]));
  const buildings = new Map<string, AlignedProfile>();
  const points = new Map<string, AlignedProfile>();
  await forEachProfile(flipped.actual, options, grid, async (dataPoint, values) => {
    const building = buildingByDataPoint.get(dataPoint.name);
    if (building !== undefined) buildings.set(building, profile(building, values));
    const point = pointByDataPoint.get(dataPoint.name);
    if (point !== undefined) points.set(point, profile(point, values));
  });
  return {
    seed,
    actual: flipped.actual,
    recorded: { ...flipped.recorded, monitoringPoints: normal.network.monitoringPoints },
    flips: flipped.flips,
    buildings,
    points,
  };
}

/**
 * Each MP's nearest measured sub-branches in `network` (what the GRM
 * derives from its topology for the states in force): walk up from each
 * MP's element to the first element holding another MP.
 */
export function residualTree(network: GridNetwork): Map<string, string[]> {
  const topology = buildTopology(network);
  const mpAt = new Map(network.monitoringPoints.map((point) => [point.element, point.id]));
  const tree = new Map<string, string[]>(network.monitoringPoints.map((point) => [point.id, []]));
  for (const point of network.monitoringPoints) {
    for (let at = topology.parent(point.element); at !== undefined; at = topology.parent(at)) {
      const parent = mpAt.get(at);
      if (parent !== undefined) {
        tree.get(parent)!.push(point.id);
        break;
      }
    }
  }
  return tree;
}

/** The assignment case of an unflipped run: buildings against the residuals of the recorded (= actual) topology. */
export function simulatedCase(run: SimulatedRun): AssignmentCase {
  const tree = residualTree(run.recorded);
  const residuals = [...tree].map(([parent, children]) => residualProfile(run.points.get(parent)!, children.map((child) => run.points.get(child)!)));
  const truth = new Map(run.actual.buildings.map((building) => [building.id, building.monitoringPoint]));
  return { label: `simulated feeder, seed ${run.seed}`, buildings: [...run.buildings.values()], residuals, truth };
}
