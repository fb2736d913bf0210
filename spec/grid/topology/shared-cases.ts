/** The seeded random feeders the topology tests run on: sizes from ~50 to ~400 elements, meshes and unfed parts included. */
import type { RandomFeederOptions } from '../../support/random-feeder.js';

export const randomCases: readonly RandomFeederOptions[] = [
  { seed: 1, elements: 50 },
  { seed: 2, elements: 120, ringTies: 6, closedTieShare: 0.5 },
  { seed: 3, elements: 250, fedIslands: 3, unfedIslands: 2 },
  { seed: 4, elements: 400, ringTies: 10 },
  { seed: 5, elements: 80, fedIslands: 1, unfedIslands: 3, openSwitchShare: 0.4 },
];
