import { describe, expect, it } from 'vitest';
import type { GridElement, GridLink, GridNetwork } from '../../../core/grid/network.js';
import { TopologyError } from '../../../core/grid/topology/api.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';

/*
 *   H ──T══ N1 ─L1─ N2 ─L2─ N3
 *            │       ├─ C1, C2   ┊ S1 (open: the ring's tie)
 *            └─L3─ N4 ┄┄┄┄┄┄┄┄┄┄┘
 *                    N2 ─S2─ N5 ─ C3
 * T names N1 as its low-voltage node, so H (the MV side) is an island of its own.
 */
function smallFeeder(): GridNetwork {
  const element = (id: string, kind: GridElement['kind'], extra: Partial<GridElement> = {}): GridElement => ({
    id,
    name: id,
    kind,
    cimClass: kind,
    ...extra,
  });
  const elements: GridElement[] = [
    element('H', 'node'),
    element('T', 'transformer', { lowVoltageNode: 'N1' }),
    element('N1', 'node'),
    element('L1', 'line'),
    element('N2', 'node'),
    element('C1', 'consumer'),
    element('C2', 'consumer'),
    element('L2', 'line'),
    element('N3', 'node'),
    element('L3', 'line'),
    element('N4', 'node'),
    element('S1', 'switch', { open: true, normalOpen: true }),
    element('S2', 'switch', { open: false }),
    element('N5', 'node'),
    element('C3', 'consumer'),
  ];
  const links: GridLink[] = [
    ['T', 'H'],
    ['T', 'N1'],
    ['L1', 'N1'],
    ['L1', 'N2'],
    ['L3', 'N1'],
    ['L3', 'N4'],
    ['C1', 'N2'],
    ['C2', 'N2'],
    ['L2', 'N2'],
    ['L2', 'N3'],
    ['S1', 'N3'],
    ['S1', 'N4'],
    ['S2', 'N2'],
    ['S2', 'N5'],
    ['C3', 'N5'],
  ].map(([equipment, node]) => ({ equipment, node }));
  return { elements, links, monitoringPoints: [] };
}

describe('a small feeder with known answers', () => {
  it('follows the feeder from the transformer, with the MV side apart', () => {
    const topology = buildTopology(smallFeeder());
    const islands = topology.islands();
    expect(islands.map((i) => i.root)).toEqual(['T', undefined]);
    expect(islands[1].elements).toEqual(['H']);
    expect(islands[0].elements).toEqual(['T', 'N1', 'L1', 'L3', 'N2', 'N4', 'C1', 'C2', 'L2', 'S2', 'S1', 'N3', 'N5', 'C3']);
    expect(islands[0].radial).toBe(true);
    expect(islands[0].maxDepth).toBe(6);
    expect(topology.feeder('C1')).toBe('T');
    expect(topology.feeder('H')).toBeUndefined();
    expect(topology.parent('C1')).toBe('N2');
    expect(topology.depth('C1')).toBe(4);
    expect(topology.children('N2')).toEqual(['C1', 'C2', 'L2', 'S2']);
    expect(topology.subtree('N2')).toEqual(['N2', 'C1', 'C2', 'L2', 'S2', 'N3', 'N5', 'C3']);
    expect(topology.path('C1', 'C2')).toEqual(['C1', 'N2', 'C2']);
    expect(topology.path('C1', 'H')).toEqual([]);

    expect(topology.entry('N1', 'C1')).toEqual({ direct: false, indirect: true, hops: 3, distance: 3, viaSwitching: false });
    expect(topology.entry('C1', 'N1')).toEqual({ direct: false, indirect: true, hops: -3, distance: 3, viaSwitching: false });
    expect(topology.entry('N2', 'C1')).toEqual({ direct: true, indirect: false, hops: 1, distance: 1, viaSwitching: false });
    expect(topology.entry('C1', 'C2')).toEqual({ direct: false, indirect: true, hops: 0, distance: 2, viaSwitching: false });
    expect(topology.entry('C1', 'C1')).toEqual({ direct: false, indirect: false, hops: 0, distance: 0, viaSwitching: false });
    // The transformer is not a switch: no switching joins the MV side to the feeder.
    expect(topology.entry('H', 'N1')).toEqual({ direct: false, indirect: false, hops: 0, distance: -1, viaSwitching: false });
    expect(topology.entry('T', 'H').direct).toBe(false);
  });

  it('hangs the open tie switch from the side reached first, and closing it makes a mesh', () => {
    const topology = buildTopology(smallFeeder());
    expect(topology.parent('S1')).toBe('N4');
    expect(topology.entry('S1', 'N4').direct).toBe(true);
    expect(topology.entry('S1', 'N3')).toEqual({ direct: false, indirect: true, hops: 0, distance: 7, viaSwitching: false });
    expect(topology.distanceAt(topology.indexOf('N3'), topology.indexOf('N4'))).toBe(6);

    const dense = topology.dense();
    const [s1, n3, n] = [topology.indexOf('S1'), topology.indexOf('N3'), topology.size];
    expect(dense.relation[s1 * n + n3]).toBe(2);
    const change = topology.setSwitch('S1', false);
    // No parent, depth or island moved, yet the switch now conducts to N3: the dense form must follow.
    expect(change).toEqual({ switchId: 'S1', open: false, changed: true, affected: 0 });
    expect(dense.relation[s1 * n + n3]).toBe(1);
    expect(dense.relation[n3 * n + s1]).toBe(1);
    expect(topology.islands()[0].radial).toBe(false);
    expect(topology.entry('S1', 'N3').direct).toBe(true);
    expect(topology.parent('N3')).toBe('L2');
    expect(topology.switchStates().get('S1')).toBe(false);
    expect(topology.setSwitch('S1', false).changed).toBe(false);
  });

  it('opening a switch leaves an unfed island that switching would feed again', () => {
    const topology = buildTopology(smallFeeder());
    const dense = topology.dense();
    const change = topology.setSwitch('S2', true);
    expect(change).toEqual({ switchId: 'S2', open: true, changed: true, affected: 2 });
    const islands = topology.islands();
    expect(islands.map((i) => i.root)).toEqual(['T', undefined, undefined]);
    expect(islands[2].elements).toEqual(['N5', 'C3']);
    expect(topology.feeder('C3')).toBeUndefined();
    expect(topology.depth('C3')).toBe(1);
    expect(topology.parent('S2')).toBe('N2');
    expect(topology.entry('C3', 'N1')).toEqual({ direct: false, indirect: false, hops: 0, distance: -1, viaSwitching: true });
    expect(topology.entry('S2', 'N5')).toEqual({ direct: false, indirect: false, hops: 0, distance: -1, viaSwitching: true });
    // The dense form materialised before the change follows it.
    const n = topology.size;
    const c3 = topology.indexOf('C3');
    const n1 = topology.indexOf('N1');
    expect(dense.relation[c3 * n + n1]).toBe(4);
    expect(dense.distance[n1 * n + c3]).toBe(-1);

    topology.setSwitch('S2', false);
    expect(topology.feeder('C3')).toBe('T');
    expect(topology.entry('N1', 'C3').hops).toBe(5);
    expect(dense.hops[c3 * n + n1]).toBe(-5);
  });

  it('names the id it cannot use', () => {
    const topology = buildTopology(smallFeeder());
    expect(() => topology.entry('nope', 'N1')).toThrow(TopologyError);
    expect(() => topology.entry('nope', 'N1')).toThrow(/nope/);
    expect(() => topology.setSwitch('nope', true)).toThrow(/nope/);
    expect(() => topology.setSwitch('C1', true)).toThrow(TopologyError);
    expect(() => topology.setSwitch('C1', true)).toThrow(/C1 is not a switch/);
    expect(() => topology.hopsAt(-1, 0)).toThrow(TopologyError);
    expect(() => topology.dense(10)).toThrow(/15 elements exceed/);
    expect(topology.has('nope')).toBe(false);
    expect(() => buildTopology(smallFeeder(), { switchStates: new Map([['L1', true]]) })).toThrow(/L1 is not a switch/);
    const broken = smallFeeder();
    expect(() => buildTopology({ ...broken, links: [...broken.links, { equipment: 'C1', node: 'N9' }] })).toThrow(/unknown element N9/);
  });

  it('takes switch states from the options over the network', () => {
    const topology = buildTopology(smallFeeder(), { switchStates: new Map([['S2', true]]) });
    expect(topology.feeder('C3')).toBeUndefined();
    expect(topology.switchStates()).toEqual(new Map([['S1', true], ['S2', true]]));
  });
});
