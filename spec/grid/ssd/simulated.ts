/**
 * Simulated feeders for the SSD tests: the simulator's feeder with switches
 * flipped (tools/simulate/flips.ts), its profiles made under the actual
 * states and aligned in memory, the network with the recorded states.
 */
import type { AlignedProfile } from '../../../core/grid/profiles/api.js';
import type { GridNetwork } from '../../../core/grid/network.js';
import { generateFeeder } from '../../../tools/simulate/feeder.js';
import { applyFlips, type FlipOptions, type SwitchFlip } from '../../../tools/simulate/flips.js';
import { profileGrid } from '../../../tools/simulate/profiles.js';
import { forEachProfile, resolveSimulation, type SimulationOptions } from '../../../tools/simulate/simulation.js';

export interface SimulatedCase {
  readonly recorded: GridNetwork;
  readonly actual: GridNetwork;
  readonly profiles: AlignedProfile[];
  readonly flips: readonly SwitchFlip[];
}

/** 60 buildings, 12 switches, 8 monitoring points, one day at 1 min, 3 % meter noise, unless told otherwise. */
export async function simulatedCase(seed: number, flips: FlipOptions = {}, overrides: Partial<SimulationOptions> = {}): Promise<SimulatedCase> {
  const options = resolveSimulation({ seed, buildings: 60, switches: 12, monitoringPoints: 8, days: 1, mpNoise: 0.03, ...overrides });
  const flipped = applyFlips(generateFeeder(options), flips);
  const grid = profileGrid(options.days, options.stepMs, options.startMs);
  const byDataPoint = new Map(flipped.actual.monitoringPoints.map((point) => [point.dataPoint, point.id]));
  const profiles: AlignedProfile[] = [];
  await forEachProfile(flipped.actual, options, grid, async (dataPoint, values) => {
    const id = byDataPoint.get(dataPoint.name);
    if (id !== undefined) profiles.push({ id, startMs: grid.startMs, stepMs: grid.stepMs, values, quality: new Uint8Array(values.length) });
  });
  return { recorded: flipped.recorded, actual: flipped.actual.network, profiles, flips: flipped.flips };
}
