// The buildings the BRM knows: those of the configuration and those discovered in storage, the
// data points carrying the building tag. A discovered building's id is its data point's name
// unless a tag `building:<id>` says otherwise; a tag `element:<id>` names the grid element
// (consumer) it is recorded at. A configured building wins over a discovered one with the same
// id or data point: the configuration is where a person corrects what storage says.

import type { BuildingInfo, DataPointInfo } from '../../schemas/generated/messages.js';
import type { ConfiguredBuilding } from './settings.js';

export const BUILDING_ID_TAG = 'building:';
export const ELEMENT_TAG = 'element:';

function tagValue(tags: readonly string[], prefix: string): string | undefined {
  const tag = tags.find((candidate) => candidate.startsWith(prefix) && candidate.length > prefix.length);
  return tag?.slice(prefix.length);
}

export function discoveredBuilding(info: DataPointInfo): BuildingInfo {
  const tags = info.tags ?? [];
  const id = tagValue(tags, BUILDING_ID_TAG) ?? info.name;
  const element = tagValue(tags, ELEMENT_TAG);
  const building: BuildingInfo = { id, name: id, dataPoint: info.name, tags: [...tags] };
  if (element !== undefined) building.element = element;
  return building;
}

export function configuredBuilding(config: ConfiguredBuilding): BuildingInfo {
  const building: BuildingInfo = { id: config.id, name: config.name ?? config.id, dataPoint: config.dataPoint, tags: [] };
  if (config.element !== undefined) building.element = config.element;
  return building;
}

/** Configured first, in their order; then the discovered ones not configured, by id. */
export function mergeBuildings(configured: readonly ConfiguredBuilding[], discovered: readonly DataPointInfo[]): BuildingInfo[] {
  const list = configured.map(configuredBuilding);
  const ids = new Set(list.map((building) => building.id));
  const dataPoints = new Set(list.map((building) => building.dataPoint));
  const found = discovered
    .map(discoveredBuilding)
    .filter((building) => !ids.has(building.id) && !dataPoints.has(building.dataPoint))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Two data points tagged with the same building:<id>: the first by id keeps it, the other is left out.
  for (const building of found) {
    if (ids.has(building.id)) continue;
    ids.add(building.id);
    list.push(building);
  }
  return list;
}
