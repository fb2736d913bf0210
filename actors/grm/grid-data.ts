// The grid data the GRM hands SSD to verify (schemas/grid.fbs GridData): the recorded topology in
// compact form — every element with the switch state in force, links and transformers' LV nodes
// as index pairs (smaller than ids, and SSD rebuilds a GridNetwork from them), the monitoring
// points with their sub-branches — and the aligned profiles of the points.

import type { AlignedProfileInfo, GridData, GridElementInfo, MonitoringPointInfo } from '../../schemas/generated/messages.js';
import type { LoadedGrid } from './loaded-grid.js';
import { KIND } from './topology-replies.js';

/** The monitoring points as the schema carries them, with their sub-branches under the switch state in force. */
export function monitoringPointInfos(grid: LoadedGrid): MonitoringPointInfo[] {
  return grid.points.map((point) => ({
    id: point.id,
    name: point.name,
    element: point.element,
    dataPoint: point.dataPoint,
    children: [...(grid.residualTree.get(point.id) ?? [])],
  }));
}

/**
 * The topology part of GridData, taken in the mailbox (switch states may change right after);
 * the profiles are added once they are read.
 */
export function gridDataOf(grid: LoadedGrid, version: number): GridData {
  const network = grid.loaded.cim.network;
  const states = grid.topology.switchStates();
  const index = new Map<string, number>();
  const elements: GridElementInfo[] = network.elements.map((element, i) => {
    index.set(element.id, i);
    // Where each element hangs now, for people reading the data; SSD works from the links.
    const info: GridElementInfo = {
      id: element.id,
      name: element.name,
      kind: KIND[element.kind],
      cimClass: element.cimClass,
      depth: grid.topology.depth(element.id),
      island: grid.islandOf(element.id),
      open: element.kind === 'switch' ? (states.get(element.id) ?? element.open ?? false) : false,
    };
    const parent = grid.topology.parent(element.id);
    if (parent !== undefined) info.parent = parent;
    return info;
  });
  const linkEquipment: number[] = [];
  const linkNode: number[] = [];
  for (const link of network.links) {
    const equipment = index.get(link.equipment);
    const node = index.get(link.node);
    // A link to an element the import did not keep has nothing to join; the topology skips it too.
    if (equipment === undefined || node === undefined) continue;
    linkEquipment.push(equipment);
    linkNode.push(node);
  }
  const transformer: number[] = [];
  const transformerLowVoltageNode: number[] = [];
  network.elements.forEach((element, i) => {
    if (element.kind !== 'transformer' || element.lowVoltageNode === undefined) return;
    const node = index.get(element.lowVoltageNode);
    if (node === undefined) return;
    transformer.push(i);
    transformerLowVoltageNode.push(node);
  });
  return {
    version,
    source: grid.loaded.source,
    elements,
    linkEquipment,
    linkNode,
    transformer,
    transformerLowVoltageNode,
    monitoringPoints: monitoringPointInfos(grid),
  };
}

/** GridData with the points' aligned profiles added (AlignedProfileInfo.id = monitoring point id). */
export function withProfiles(data: GridData, profiles: AlignedProfileInfo[]): GridData {
  return { ...data, profiles };
}
