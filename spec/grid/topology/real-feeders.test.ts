import { beforeAll, describe, expect, it } from 'vitest';
import type { CimImport } from '../../../core/grid/cim/api.js';
import { importCim } from '../../../core/grid/cim/import.js';
import type { GridElement } from '../../../core/grid/network.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { sharedData } from '../../support/shared-data.js';

// The oracles of /work/shared/research/grid.md §1.5, on the topology of the imported files.

describe('SimBench LV1.101 rural (CGMES 3.0 and 2.4.15)', () => {
  for (const version of ['cgmes3_0', 'cgmes2_4_15']) {
    it(`${version}: one radial LV feeder below the transformer, 14 nodes, at most 5 node-to-node steps deep`, async () => {
      const { network } = await importCim([sharedData('simbench_lv_rural1_cim', version)]);
      const topology = buildTopology(network);
      const byId = new Map(network.elements.map((element) => [element.id, element]));
      const feeders = topology.islands().filter((island) => island.root !== undefined && byId.get(island.root)!.kind === 'transformer');
      expect(feeders).toHaveLength(1);
      const [feeder] = feeders;
      expect(feeder.radial).toBe(true);
      const nodes = feeder.elements.filter((id) => byId.get(id)!.kind === 'node');
      expect(nodes).toHaveLength(14);
      // Node to node is two hops (node – line – node); the transformer is one hop above its LV node.
      expect(Math.max(...nodes.map((id) => (topology.depth(id) - 1) / 2))).toBe(5);
      // The MV side (the external grid) is not part of the LV feeder, and no switching joins it.
      const source = network.elements.find((element) => element.kind === 'source')!;
      expect(topology.feeder(source.id)).toBe(source.id);
      expect(topology.entry(source.id, feeder.root!)).toMatchObject({ distance: -1, viaSwitching: false });
    });
  }
});

describe('cimpy sample grid with switches (node-breaker, SSH state)', () => {
  let cim: CimImport;
  let byId: Map<string, GridElement>;
  beforeAll(async () => {
    cim = await importCim([sharedData('cimpy_sample_grid_switches', 'node_breaker')]);
    byId = new Map(cim.network.elements.map((element) => [element.id, element]));
  });
  const nodesPerIsland = (islands: readonly { elements: readonly string[] }[]): number[] =>
    islands.map((island) => island.elements.filter((id) => byId.get(id)!.kind === 'node').length);

  it('has 4 unfed islands over the 12 nodes, all of them reconnectable by switching', () => {
    const topology = buildTopology(cim.network);
    const islands = topology.islands();
    expect(islands).toHaveLength(4);
    expect(islands.every((island) => island.root === undefined)).toBe(true);
    expect(nodesPerIsland(islands).reduce((a, b) => a + b, 0)).toBe(12);
    const firsts = islands.map((island) => island.elements[0]);
    for (const a of firsts) for (const b of firsts) if (a !== b) expect(topology.entry(a, b).viaSwitching).toBe(true);
  });

  it('is one island with every switch closed, and closing them one by one gets there', () => {
    const topology = buildTopology(cim.network);
    const closed = new Map([...topology.switchStates().keys()].map((id) => [id, false]));
    const allClosed = buildTopology(cim.network, { switchStates: closed });
    expect(allClosed.islands()).toHaveLength(1);
    for (const id of closed.keys()) topology.setSwitch(id, false);
    expect(topology.islands()).toEqual(allClosed.islands());
  });
});
