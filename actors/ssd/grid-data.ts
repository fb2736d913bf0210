// GridData (schemas/grid.fbs) as SSD works on it: a GridNetwork with the recorded switch states
// and the monitoring points' AlignedProfiles, rebuilt from the compact form GRM sends (elements,
// links and transformers' LV nodes as index pairs, profiles as number lists). Anything that does
// not fit together is refused with a GridRequestError naming what is wrong.

import type { AlignedProfile } from '../../core/grid/profiles/api.js';
import type { GridElement, GridLink, GridNetwork, MonitoringPoint } from '../../core/grid/network.js';
import { GridRequestError } from '../../core/grid/serving/grid-error.js';
import { KIND_FROM_WIRE } from '../../core/grid/serving/element-kinds.js';
import type { GridData } from '../../schemas/generated/messages.js';

const KIND = KIND_FROM_WIRE;

export interface DecodedGrid {
  readonly network: GridNetwork;
  readonly profiles: AlignedProfile[];
}

function invalid(message: string, subject?: string): GridRequestError {
  return new GridRequestError('InvalidArgument', message, subject);
}

export function decodeGridData(data: GridData | undefined): DecodedGrid {
  if (data === undefined) throw invalid('VerifyTopology carries no grid');
  const wireElements = data.elements ?? [];
  if (wireElements.length === 0) throw invalid('the grid has no elements');
  const ids = new Set<string>();
  const lowVoltage = new Map<number, number>();
  const transformers = data.transformer ?? [];
  const lvNodes = data.transformerLowVoltageNode ?? [];
  if (transformers.length !== lvNodes.length) throw invalid(`transformer (${transformers.length}) and transformer_low_voltage_node (${lvNodes.length}) differ in length`);
  const inRange = (index: number, what: string): number => {
    if (!Number.isInteger(index) || index < 0 || index >= wireElements.length) throw invalid(`${what} index ${index} is outside the ${wireElements.length} elements`);
    return index;
  };
  transformers.forEach((transformer, k) => lowVoltage.set(inRange(transformer, 'transformer'), inRange(lvNodes[k]!, 'low-voltage node')));
  const elements: GridElement[] = wireElements.map((info, i) => {
    if (ids.has(info.id)) throw invalid(`element ${info.id} is listed twice`, info.id);
    ids.add(info.id);
    const kind = KIND[info.kind] ?? 'other';
    const lv = lowVoltage.get(i);
    return {
      id: info.id,
      name: info.name ?? '',
      kind,
      cimClass: info.cimClass ?? '',
      ...(kind === 'switch' ? { open: info.open } : {}),
      ...(lv === undefined ? {} : { lowVoltageNode: wireElements[lv]!.id }),
    };
  });
  const equipment = data.linkEquipment ?? [];
  const nodes = data.linkNode ?? [];
  if (equipment.length !== nodes.length) throw invalid(`link_equipment (${equipment.length}) and link_node (${nodes.length}) differ in length`);
  const links: GridLink[] = equipment.map((e, k) => ({ equipment: wireElements[inRange(e, 'link equipment')]!.id, node: wireElements[inRange(nodes[k]!, 'link node')]!.id }));
  const monitoringPoints: MonitoringPoint[] = (data.monitoringPoints ?? []).map((point) => {
    if (!ids.has(point.element)) throw invalid(`monitoring point ${point.id} sits on ${point.element}, which is not an element of the grid`, point.id);
    return { id: point.id, name: point.name ?? '', element: point.element, ...(point.dataPoint === undefined ? {} : { dataPoint: point.dataPoint }) };
  });
  if (monitoringPoints.length === 0) throw invalid('the grid has no monitoring points: nothing to verify the switches against');
  const pointIds = new Set(monitoringPoints.map((point) => point.id));
  const profiles: AlignedProfile[] = (data.profiles ?? []).map((info) => {
    if (!pointIds.has(info.id)) throw invalid(`profile ${info.id} belongs to no monitoring point of the grid`, info.id);
    const values = Float64Array.from(info.values ?? []);
    const quality = info.quality ?? new Uint8Array(values.length);
    if (quality.length !== values.length) throw invalid(`profile ${info.id} has ${values.length} values but ${quality.length} quality codes`, info.id);
    if (!(info.stepMs > 0) || !Number.isFinite(info.startMs)) throw invalid(`profile ${info.id} has no valid grid (start ${info.startMs}, step ${info.stepMs})`, info.id);
    return { id: info.id, startMs: info.startMs, stepMs: info.stepMs, values, quality: Uint8Array.from(quality) };
  });
  if (profiles.length === 0) throw invalid('the grid carries no profiles: nothing to verify the switches against');
  const first = profiles[0]!;
  for (const profile of profiles) {
    if (profile.startMs !== first.startMs || profile.stepMs !== first.stepMs || profile.values.length !== first.values.length) {
      throw invalid(`profile ${profile.id} is not on the grid of ${first.id} (start, step and slot count must agree)`, profile.id);
    }
  }
  return { network: { elements, links, monitoringPoints }, profiles };
}
