import { describe, expect, it } from 'vitest';
import type { DenseAdjacency, FeederTopology } from '../../../core/grid/topology/api.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { prng } from '../../../tools/bench/prng.js';
import { randomFeeder, withSwitchStates } from '../../support/random-feeder.js';
import { referenceForest } from './reference-forest.js';
import { randomCases } from './shared-cases.js';

const STEPS = 60;

/** The first cell where two dense matrices differ, or undefined. */
function firstDifference(ids: readonly string[], got: DenseAdjacency, want: DenseAdjacency): string | undefined {
  const n = want.size;
  for (let cell = 0; cell < n * n; cell++) {
    if (got.relation[cell] !== want.relation[cell] || got.hops[cell] !== want.hops[cell] || got.distance[cell] !== want.distance[cell]) {
      const a = ids[Math.floor(cell / n)];
      const b = ids[cell % n];
      return `${a}→${b}: ${got.relation[cell]}/${got.hops[cell]}/${got.distance[cell]} instead of ${want.relation[cell]}/${want.hops[cell]}/${want.distance[cell]}`;
    }
  }
  return undefined;
}

/** Per element: parent, depth and the first element of its island (which names the island across rebuilds). */
function labels(topology: FeederTopology): string[] {
  const islandOf = new Map<string, string>();
  for (const island of topology.islands()) for (const id of island.elements) islandOf.set(id, island.elements[0]);
  return topology.ids().map((id) => `${topology.parent(id) ?? '-'} ${topology.depth(id)} ${islandOf.get(id)}`);
}

describe.each(randomCases)('switching on random feeder %o', (options) => {
  it(`gives after each of ${STEPS} switch changes what a rebuild gives, dense form included`, () => {
    const network = randomFeeder(options);
    const topology = buildTopology(network);
    const ids = topology.ids();
    const dense = topology.dense();
    const switches = [...topology.switchStates().keys()];
    const random = prng(options.seed * 7919);
    let changes = 0;
    let meshed = 0;
    let unfed = 0;
    for (let step = 0; step < STEPS; step++) {
      const id = switches[Math.floor(random() * switches.length)];
      // Mostly toggles; now and then the state it already has, which must change nothing.
      const current = topology.switchStates().get(id)!;
      const open = random() < 0.85 ? !current : current;
      const before = labels(topology);
      const change = topology.setSwitch(id, open);
      expect(change.changed).toBe(open !== current);
      if (change.changed) changes++;

      const switched = withSwitchStates(network, topology.switchStates());
      const rebuilt = buildTopology(switched);
      expect(topology.islands()).toEqual(rebuilt.islands());
      if (step % 10 === 0) expect(topology.islands()).toEqual(referenceForest(switched).islands);
      const after = labels(topology);
      expect(after).toEqual(labels(rebuilt));
      expect(change.affected).toBe(after.filter((label, i) => label !== before[i]).length);
      expect(firstDifference(ids, dense, rebuilt.dense())).toBeUndefined();
      meshed += topology.islands().filter((i) => !i.radial).length;
      unfed += topology.islands().filter((i) => i.root === undefined).length;
    }
    expect(changes).toBeGreaterThan(STEPS / 2);
    expect(unfed).toBeGreaterThan(0);
    if (options.closedTieShare !== undefined) expect(meshed).toBeGreaterThan(0);
  });

  it('materialises a current dense form after switch changes made without one', () => {
    const network = randomFeeder(options);
    const topology = buildTopology(network);
    const switches = [...topology.switchStates().keys()];
    const random = prng(options.seed * 104729);
    for (let step = 0; step < 10; step++) {
      const id = switches[Math.floor(random() * switches.length)];
      topology.setSwitch(id, !topology.switchStates().get(id));
    }
    const rebuilt = buildTopology(withSwitchStates(network, topology.switchStates()));
    expect(firstDifference(topology.ids(), topology.dense(), rebuilt.dense())).toBeUndefined();
    for (const id of switches.slice(0, 20)) expect(topology.entry(id, switches[0])).toEqual(rebuilt.entry(id, switches[0]));
  });
});
