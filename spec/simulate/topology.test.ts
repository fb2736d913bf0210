/**
 * The simulator's ground truth against the project's topology
 * (core/grid/topology, buildTopology): one fed radial island, each monitoring
 * point's buildings are the consumers in its subtree, and closing a ring tie
 * moves buildings across or meshes the feeder as expected.
 */
import { describe, expect, it } from 'vitest';
import { buildTopology } from '../../core/grid/topology/topology.js';
import { generateFeeder } from '../../tools/simulate/feeder.js';

describe('the simulated feeder in buildTopology', () => {
  const feeder = generateFeeder({ seed: 41, buildings: 80, switches: 12, monitoringPoints: 7, branching: 3 });
  const topology = buildTopology(feeder.network);
  const buildingIds = new Set(feeder.buildings.map((building) => building.id));

  it('is one fed, radial island rooted at the transformer', () => {
    const fed = topology.islands().filter((island) => island.root !== undefined);
    expect(fed).toHaveLength(1);
    expect(fed[0]).toMatchObject({ root: feeder.transformer, radial: true });
    for (const building of feeder.buildings) expect(topology.feeder(building.id)).toBe(feeder.transformer);
  });

  it('puts below each monitoring point exactly the buildings of the ground truth', () => {
    for (const point of feeder.monitoringPoints) {
      const below = topology.subtree(point.element).filter((id) => buildingIds.has(id));
      expect(new Set(below), point.name).toEqual(new Set(point.buildings));
    }
    for (const building of feeder.buildings) {
      const mp = feeder.monitoringPoints.find((point) => point.id === building.monitoringPoint)!;
      expect(topology.entry(mp.element, building.id).hops, building.name).toBeGreaterThan(0);
    }
  });

  it('has ring ties that connect different branches when closed', () => {
    const ties = feeder.network.elements.filter((element) => element.kind === 'switch' && element.open === true);
    expect(ties.length).toBe(feeder.switchCounts.ties);
    const tie = ties[0]!;
    topology.setSwitch(tie.id, false);
    expect(topology.islands().find((island) => island.root === feeder.transformer)?.radial).toBe(false);
    topology.setSwitch(tie.id, true);
    expect(topology.islands().find((island) => island.root === feeder.transformer)?.radial).toBe(true);
  });
});
