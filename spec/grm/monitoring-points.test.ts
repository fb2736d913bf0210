/**
 * The GRM's monitoring points and their nearest measured sub-branches (core/grid/serving/
 * monitoring-points.ts) on a small hand-made feeder: which points take part in residuals (active
 * power, on the topology, first at their element), the configuration's corrections and
 * additions, and the sub-branches following a switch.
 */
import { describe, expect, it } from 'vitest';
import type { GridElement, GridLink, GridNetwork, MonitoringPoint } from '../../core/grid/network.js';
import { buildTopology } from '../../core/grid/topology/topology.js';
import { monitoringPointsOf, residualTreeOf } from '../../core/grid/serving/monitoring-points.js';

// T (transformer) – n0 – L1 – n1 – S (switch) – n2 – L2 – n3 – C (consumer); n1 – L3 – n4.
const element = (id: string, kind: GridElement['kind'], extra: Partial<GridElement> = {}): GridElement => ({ id, name: id, kind, cimClass: kind, ...extra });
const elements: GridElement[] = [
  element('T', 'transformer', { lowVoltageNode: 'n0' }),
  element('n0', 'node'),
  element('L1', 'line'),
  element('n1', 'node'),
  element('S', 'switch', { open: false }),
  element('n2', 'node'),
  element('L2', 'line'),
  element('n3', 'node'),
  element('C', 'consumer'),
  element('L3', 'line'),
  element('n4', 'node'),
];
const links: GridLink[] = [
  ['T', 'n0'],
  ['L1', 'n0'],
  ['L1', 'n1'],
  ['S', 'n1'],
  ['S', 'n2'],
  ['L2', 'n2'],
  ['L2', 'n3'],
  ['C', 'n3'],
  ['L3', 'n1'],
  ['L3', 'n4'],
].map(([equipment, node]) => ({ equipment: equipment!, node: node! }));
const mp = (id: string, at: string, measurementType?: string, dataPoint?: string): MonitoringPoint => ({
  id,
  name: `${id}.name`,
  element: at,
  ...(measurementType !== undefined ? { measurementType } : {}),
  ...(dataPoint !== undefined ? { dataPoint } : {}),
});

function network(points: MonitoringPoint[]): GridNetwork {
  return { elements, links, monitoringPoints: points };
}

describe('GRM monitoring points', () => {
  it('takes data points from the configuration, then the CIM, then the name, and adds configured points', () => {
    const points = monitoringPointsOf(network([mp('a', 'T', 'ThreePhaseActivePower', 'cim.a'), mp('b', 'L1'), mp('c', 'L2')]), [
      { id: 'b', element: 'L3', dataPoint: 'config.b', name: 'B' },
      { id: 'z', element: 'C', dataPoint: 'config.z' },
    ]);
    expect(points.map((p) => [p.id, p.element, p.dataPoint, p.name, p.configured])).toEqual([
      ['a', 'T', 'cim.a', 'a.name', false],
      ['b', 'L3', 'config.b', 'B', true],
      ['c', 'L2', 'c.name', 'c.name', false],
      ['z', 'C', 'config.z', 'z', true],
    ]);
  });

  it('links each power point to the nearest power point above it', () => {
    const topology = buildTopology(network([]));
    const points = monitoringPointsOf(
      network([
        mp('trafo', 'T', 'ThreePhaseActivePower'),
        mp('volts', 'L1', 'LineToLineVoltage'),
        mp('head', 'L1', 'ThreePhaseActivePower'),
        mp('twin', 'L1', 'ThreePhaseActivePower'),
        mp('house', 'C'),
        mp('side', 'L3', 'ActivePower'),
        mp('ghost', 'not-in-grid'),
      ]),
      [],
    );
    const tree = residualTreeOf(topology, points);
    expect(Object.fromEntries(tree)).toEqual({
      trafo: ['head'],
      volts: [],
      head: ['house', 'side'],
      twin: [],
      house: [],
      side: [],
      ghost: [],
    });

    // Open the switch: the consumer is cut off and no longer below the head.
    topology.setSwitch('S', true);
    expect(residualTreeOf(topology, points).get('head')).toEqual(['side']);
    topology.setSwitch('S', false);
    expect(residualTreeOf(topology, points).get('head')).toEqual(['house', 'side']);
  });
});
