// The monitoring points of a grid: those of the CIM (Analog measurements) with corrections and
// additions from a configuration, and for each its nearest measured sub-branches — the points
// below it with no other point between — which its residual profile subtracts. The GRM serves
// them, and `gridlink assess` and the tests compute the same residual tree offline, so the rule
// lives here, once, rather than in actors/grm.

import type { GridNetwork } from '../network.js';
import type { ResidualTree } from '../profiles/api.js';
import type { FeederTopology } from '../topology/api.js';

/** A monitoring point given outside the CIM (the GRM's configuration): adds one, or corrects the CIM's of the same id. */
export interface MonitoringPointCorrection {
  readonly id: string;
  readonly element: string;
  readonly dataPoint: string;
  readonly name?: string;
}

export interface GridMonitoringPoint {
  readonly id: string;
  readonly name: string;
  readonly element: string;
  /** The Storacle data point of its profile: a correction's, else the CIM's, else its name. */
  readonly dataPoint: string;
  readonly measurementType?: string;
  /** From a correction (added or corrected there). */
  readonly configured: boolean;
}

/**
 * Only active power adds up along a feeder, so only points measuring it (or of unknown type: a
 * configured point, a simulator's) take part in residuals; a voltage measurement on the same
 * terminal must not be subtracted from anything.
 */
export function measuresActivePower(point: GridMonitoringPoint): boolean {
  return point.measurementType === undefined || point.measurementType === '' || /activepower/i.test(point.measurementType);
}

/** The CIM's points, with corrections of the same id replacing name, element and data point, then the added points. */
export function monitoringPointsOf(network: GridNetwork, configured: readonly MonitoringPointCorrection[]): GridMonitoringPoint[] {
  const byId = new Map(configured.map((point) => [point.id, point]));
  const points: GridMonitoringPoint[] = [];
  for (const mp of network.monitoringPoints) {
    const config = byId.get(mp.id);
    byId.delete(mp.id);
    const name = config?.name ?? mp.name;
    const point: GridMonitoringPoint = {
      id: mp.id,
      name,
      element: config?.element ?? mp.element,
      dataPoint: config?.dataPoint ?? mp.dataPoint ?? (mp.name !== '' ? mp.name : mp.id),
      configured: config !== undefined,
      ...(mp.measurementType !== undefined ? { measurementType: mp.measurementType } : {}),
    };
    points.push(point);
  }
  for (const config of byId.values()) {
    points.push({ id: config.id, name: config.name ?? config.id, element: config.element, dataPoint: config.dataPoint, configured: true });
  }
  return points;
}

/**
 * For every point, the points whose nearest measured ancestor it is, for the switch state in
 * force: each point walks up the current tree from its element to the first element that holds
 * a power point. Only the first power point listed at an element takes part: a second meter on
 * the same terminal measures the same branch, and subtracting both would count it twice. Points
 * off the topology, not measuring active power, or second at their element have no children and
 * are nobody's child (their residual is their own profile).
 */
export function residualTreeOf(topology: FeederTopology, points: readonly GridMonitoringPoint[]): ResidualTree {
  const tree = new Map<string, string[]>();
  const firstAt = new Map<string, string>();
  for (const point of points) {
    tree.set(point.id, []);
    if (measuresActivePower(point) && topology.has(point.element) && !firstAt.has(point.element)) firstAt.set(point.element, point.id);
  }
  for (const point of points) {
    if (firstAt.get(point.element) !== point.id) continue;
    for (let at = topology.parent(point.element); at !== undefined; at = topology.parent(at)) {
      const parent = firstAt.get(at);
      if (parent !== undefined) {
        tree.get(parent)!.push(point.id);
        break;
      }
    }
  }
  return tree;
}
