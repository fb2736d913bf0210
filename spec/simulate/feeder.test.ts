/**
 * The seeded feeder generator (tools/simulate/feeder.ts): a radial tree fed by
 * one transformer, ring ties that would close meshes, the options honoured,
 * and a ground truth that agrees with a walk of the network it returns.
 */
import { describe, expect, it } from 'vitest';
import { generateFeeder } from '../../tools/simulate/feeder.js';
import { feederTree } from '../../tools/simulate/feeder-tree.js';

describe('generateFeeder', () => {
  const feeder = generateFeeder({ seed: 11, buildings: 60, branching: 3, switches: 8, monitoringPoints: 5, pvShare: 0.4 });
  const { network } = feeder;
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  const linksOf = (id: string) => network.links.filter((link) => link.equipment === id || link.node === id);

  it('builds a bipartite network: equipment links only to nodes, each kind with its number of terminals', () => {
    expect(new Set(network.elements.map((element) => element.id)).size).toBe(network.elements.length);
    for (const link of network.links) {
      expect(byId.get(link.node)?.kind).toBe('node');
      expect(byId.get(link.equipment)?.kind).not.toBe('node');
    }
    const terminals = { line: 2, switch: 2, transformer: 2, consumer: 1, generator: 1 } as const;
    for (const element of network.elements) {
      if (element.kind === 'node') continue;
      expect(linksOf(element.id).length, element.name).toBe(terminals[element.kind as keyof typeof terminals]);
    }
    expect(network.elements.filter((element) => element.kind === 'transformer')).toHaveLength(1);
    expect(network.elements.filter((element) => element.kind === 'consumer')).toHaveLength(60);
    expect(network.elements.map((element) => element.name)).toEqual(expect.arrayContaining(['Node 1', 'Line 7', 'Building 33', 'Trafo 1']));
  });

  it('is radial with the ties open, reaches every element, and each open tie would close one mesh', () => {
    const tree = feederTree(network, feeder.transformer);
    // Everything but the medium-voltage node, which lies above the transformer.
    expect(new Set(tree.order)).toEqual(new Set(network.elements.map((element) => element.id).filter((id) => id !== feeder.mediumVoltageNode)));
    const open = network.elements.filter((element) => element.kind === 'switch' && element.open === true);
    expect(open.length).toBe(feeder.switchCounts.ties);
    expect(open.length).toBeGreaterThanOrEqual(1);
    // A connected graph is a tree when edges = vertices - 1; an open switch conducts through one terminal only.
    expect(network.links.length - open.length).toBe(network.elements.length - 1);
    // Each tie joins two different cables leaving the LV node.
    for (const tie of open) {
      const [a, b] = linksOf(tie.id).map((link) => tree.pathToRoot(link.node));
      const feederCable = (path: readonly string[]) => path[path.length - 3];
      expect(feederCable(a!)).not.toBe(feederCable(b!));
    }
    expect(feeder.switchCounts.inline + feeder.switchCounts.ties).toBe(8);
    expect(network.elements.filter((element) => element.kind === 'switch' && element.open === false)).toHaveLength(feeder.switchCounts.inline);
  });

  it('keeps at most `branching` cables leaving any node', () => {
    const tree = feederTree(network, feeder.transformer);
    const cablesBelow = new Map<string, number>();
    for (const [child, parent] of tree.parent) {
      const kind = byId.get(child)!.kind;
      if ((kind === 'line' || kind === 'switch') && byId.get(parent)!.kind === 'node') cablesBelow.set(parent, (cablesBelow.get(parent) ?? 0) + 1);
    }
    expect(Math.max(...cablesBelow.values())).toBeLessThanOrEqual(3);
    expect(Math.max(...cablesBelow.values())).toBeGreaterThanOrEqual(2);
  });

  it('places the monitoring points at the transformer and at heads of branches; the truth matches the tree', () => {
    const points = feeder.monitoringPoints;
    expect(points).toHaveLength(5);
    expect(points[0]!.element).toBe(feeder.transformer);
    expect(points.map((point) => point.name)).toEqual(['MP 1', 'MP 2', 'MP 3', 'MP 4', 'MP 5']);
    expect(points.map((point) => point.dataPoint)).toEqual([1, 2, 3, 4, 5].map((n) => `feeder11.mp${n}.p`));
    expect(new Set(points[0]!.buildings)).toEqual(new Set(feeder.buildings.map((building) => building.id)));
    const tree = feederTree(network, feeder.transformer);
    for (const point of points) {
      expect(point.buildings.length).toBeGreaterThan(0);
      const link = network.links.find((candidate) => candidate.terminal === point.terminal)!;
      expect(link.equipment).toBe(point.element);
      // The measured terminal is the end towards the transformer.
      if (point.element !== feeder.transformer) expect(tree.parent.get(point.element)).toBe(link.node);
    }
    for (const building of feeder.buildings) {
      expect(linksOf(building.id)).toEqual([expect.objectContaining({ node: building.node })]);
      // Nearest upstream: the MP containing the building with the fewest buildings below it.
      const containing = points.filter((point) => point.buildings.includes(building.id));
      const nearest = containing.reduce((best, point) => (point.buildings.length < best.buildings.length ? point : best));
      expect(building.monitoringPoint, building.name).toBe(nearest.id);
      if (building.pv !== undefined) {
        expect(byId.get(building.pv)).toMatchObject({ kind: 'generator', cimClass: 'PowerElectronicsConnection' });
        expect(building.pvPeakKw).toBeGreaterThanOrEqual(4);
      } else expect(building.pvPeakKw).toBe(0);
    }
    const pv = feeder.buildings.filter((building) => building.pv !== undefined).length;
    expect(pv).toBeGreaterThan(10);
    expect(pv).toBeLessThan(40);
  });

  it('is the same for the same seed and different for another', () => {
    expect(generateFeeder({ seed: 11, buildings: 60, branching: 3, switches: 8, monitoringPoints: 5, pvShare: 0.4 })).toEqual(feeder);
    const other = generateFeeder({ seed: 12, buildings: 60, branching: 3, switches: 8, monitoringPoints: 5, pvShare: 0.4 });
    expect(other.network.elements.map((element) => element.id)).not.toEqual(network.elements.map((element) => element.id));
    expect(other.buildings.map((building) => building.node === feeder.buildings[0]!.node)).not.toEqual(feeder.buildings.map((building) => building.node === feeder.buildings[0]!.node));
  });

  it('sizes the feeder from a target number of elements', () => {
    const large = generateFeeder({ seed: 3, elements: 10_000, switches: 200, monitoringPoints: 12, branching: 4 });
    expect(large.network.elements.length).toBeGreaterThan(9000);
    expect(large.network.elements.length).toBeLessThan(11_000);
    expect(large.monitoringPoints).toHaveLength(12);
    expect(large.network.links.length - large.switchCounts.ties).toBe(large.network.elements.length - 1);
  });

  it('refuses impossible options', () => {
    expect(() => generateFeeder({ buildings: 0 })).toThrow(/buildings/);
    expect(() => generateFeeder({ branching: 0 })).toThrow(/branching/);
    expect(() => generateFeeder({ pvShare: 1.5 })).toThrow(/pvShare/);
  });
});
