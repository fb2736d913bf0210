/**
 * SimBench LV1.101 (1-LV-rural1--2-no_sw), exported by PowerFactory as
 * CGMES 3.0 and as CGMES 2.4.15: both exports are one LV feeder, and the
 * import must read the same graph from each (oracle: grid.md §1.5).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { CimImport } from '../../../core/grid/cim/api.js';
import { importCim } from '../../../core/grid/cim/import.js';
import type { GridNetwork } from '../../../core/grid/network.js';
import { sharedData } from '../../support/shared-data.js';
import { isRadialFrom, linkDepths, nodeIslands } from './graph-oracle.js';

const exports = {
  cgmes3: sharedData('simbench_lv_rural1_cim', 'cgmes3_0'),
  cgmes2: sharedData('simbench_lv_rural1_cim', 'cgmes2_4_15'),
};

let imports: Record<keyof typeof exports, CimImport>;

beforeAll(async () => {
  imports = { cgmes3: await importCim([exports.cgmes3]), cgmes2: await importCim([exports.cgmes2]) };
});

/** The graph without ids: equipment by kind and name, nodes by name, links as (equipment name, node name). */
function namedGraph(network: GridNetwork): { equipment: string[]; nodes: string[]; links: string[] } {
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  return {
    equipment: network.elements.filter((e) => e.kind !== 'node').map((e) => `${e.kind}:${e.name}`).sort(),
    nodes: network.elements.filter((e) => e.kind === 'node').map((e) => e.name).sort(),
    links: network.links.map((link) => `${byId.get(link.equipment)!.name} -- ${byId.get(link.node)!.name}`).sort(),
  };
}

function count(network: GridNetwork, kind: string): number {
  return network.elements.filter((element) => element.kind === kind).length;
}

describe.each(['cgmes3', 'cgmes2'] as const)('SimBench LV1.101 %s', (version) => {
  test('reads the classes and the feeder of the oracle, without problems', () => {
    const { model, network, modelKind, problems, files } = imports[version];
    expect(files).toHaveLength(5);
    expect(modelKind).toBe('bus-branch');
    expect(model.countsByClass.get('TopologicalNode')).toBe(15);
    expect(model.countsByClass.get('ACLineSegment')).toBe(13);
    expect(model.countsByClass.get('PowerTransformer')).toBe(1);
    expect(model.countsByClass.get('ConformLoad')).toBe(28);
    expect(model.countsByClass.get('Terminal')).toBe(70);
    expect(count(network, 'node')).toBe(15);
    expect(count(network, 'line')).toBe(13);
    expect(count(network, 'transformer')).toBe(1);
    expect(count(network, 'consumer')).toBe(28);
    expect(count(network, 'generator')).toBe(13);
    expect(count(network, 'source')).toBe(1);
    expect(network.links).toHaveLength(70);
    expect(problems).toEqual([]);
    expect(model.headers).toHaveLength(5);
    expect(model.headers.every((header) => header.profiles.length > 0 && header.scenarioTime === '2015-12-31T23:00:00Z')).toBe(true);
  });

  test('one radial island; from the transformer LV node 14 nodes, at most 5 node hops (10 links) away', () => {
    const { network } = imports[version];
    const transformer = network.elements.find((element) => element.kind === 'transformer')!;
    expect(transformer.nominalKv).toBe(20);
    const lvNode = network.elements.find((element) => element.id === transformer.lowVoltageNode)!;
    expect(lvNode.kind).toBe('node');
    expect(lvNode.nominalKv).toBe(0.4);
    expect(nodeIslands(network)).toHaveLength(1);

    // On the LV side only: nothing is reached back through the transformer.
    const blocked = new Set([transformer.id]);
    const depths = linkDepths(network, lvNode.id, { blocked });
    const isNode = (id: string): boolean => network.elements.find((e) => e.id === id)!.kind === 'node';
    const nodeDepths = [...depths].filter(([id]) => isNode(id)).map(([, links]) => links);
    expect(nodeDepths).toHaveLength(14);
    // Bipartite graph: a node is always an even number of links from another node, two links per node hop.
    expect(nodeDepths.every((links) => links % 2 === 0)).toBe(true);
    expect(Math.max(...nodeDepths) / 2).toBe(5);
    expect(Math.max(...nodeDepths)).toBe(10);
    // Seen from the transformer element itself (a feeder root), the deepest LV node is one link further.
    const fromTransformer = linkDepths(network, transformer.id);
    expect(Math.max(...[...depths.keys()].filter(isNode).map((id) => fromTransformer.get(id)!))).toBe(11);
    // Equipment hangs below the deepest nodes: a load on a node 5 node hops out is 11 links from the LV node.
    expect(Math.max(...depths.values())).toBe(11);
    expect(isRadialFrom(network, lvNode.id, { blocked })).toBe(true);
    expect(isRadialFrom(network, transformer.id)).toBe(true);
  });

  test('lines carry their length in km and the LV base voltage', () => {
    const lines = imports[version].network.elements.filter((element) => element.kind === 'line');
    expect(lines.every((line) => line.lengthKm !== undefined && line.lengthKm > 0 && line.lengthKm < 1)).toBe(true);
    expect(lines.every((line) => line.nominalKv === 0.4)).toBe(true);
  });
});

test('the CGMES 3.0 and 2.4.15 exports give the same graph, by names and by ids', () => {
  const three = imports.cgmes3.network;
  const two = imports.cgmes2.network;
  expect(namedGraph(three)).toEqual(namedGraph(two));
  // PowerFactory kept the mRIDs from one export to the other: the links are the same id pairs too.
  const idLinks = (network: GridNetwork): string[] => network.links.map((link) => `${link.equipment} ${link.node} ${link.terminal}`).sort();
  expect(idLinks(three)).toEqual(idLinks(two));
  expect(new Set(three.elements.map((e) => e.id))).toEqual(new Set(two.elements.map((e) => e.id)));
  // Generators differ in class (PowerElectronicsConnection in 3.0, SynchronousMachine in 2.4.15) but not in kind.
  expect(new Set(three.elements.filter((e) => e.kind === 'generator').map((e) => e.cimClass))).toEqual(new Set(['PowerElectronicsConnection']));
  expect(new Set(two.elements.filter((e) => e.kind === 'generator').map((e) => e.cimClass))).toEqual(new Set(['SynchronousMachine']));
});
