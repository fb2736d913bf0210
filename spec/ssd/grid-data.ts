/**
 * GridData (schemas/grid.fbs) from a GridNetwork and aligned profiles, as GRM sends it to SSD:
 * elements with their recorded switch states, links and transformers' LV nodes as index pairs.
 */
import type { GridNetwork } from '../../core/grid/network.js';
import type { AlignedProfile } from '../../core/grid/profiles/api.js';
import type { GridData } from '../../schemas/generated/messages.js';
import { KIND_ON_WIRE as WIRE } from '../../core/grid/serving/element-kinds.js';

export function gridDataOf(network: GridNetwork, profiles: readonly AlignedProfile[], version = 1): GridData {
  const index = new Map(network.elements.map((element, i) => [element.id, i]));
  const transformers = network.elements.filter((element) => element.kind === 'transformer' && element.lowVoltageNode !== undefined);
  return {
    version,
    source: 'spec/ssd',
    elements: network.elements.map((element) => ({ id: element.id, name: element.name, kind: WIRE[element.kind], cimClass: element.cimClass, depth: 0, island: 0, open: element.open === true })),
    linkEquipment: network.links.map((link) => index.get(link.equipment)!),
    linkNode: network.links.map((link) => index.get(link.node)!),
    transformer: transformers.map((element) => index.get(element.id)!),
    transformerLowVoltageNode: transformers.map((element) => index.get(element.lowVoltageNode!)!),
    monitoringPoints: network.monitoringPoints.map((point) => ({ id: point.id, name: point.name, element: point.element, ...(point.dataPoint === undefined ? {} : { dataPoint: point.dataPoint }) })),
    profiles: profiles.map((profile) => ({ id: profile.id, startMs: profile.startMs, stepMs: profile.stepMs, values: Array.from(profile.values), quality: profile.quality, gapSlots: 0, interpolatedSlots: 0 })),
  };
}
