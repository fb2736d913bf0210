/**
 * The IEEE European LV test feeder (OpenDSS copy in the shared data folder,
 * ieee_eu_lv) as a GridNetwork: one node per bus, the 800 kVA transformer
 * between SourceBus and bus 1, the 905 lines of Lines.txt and the 55 loads
 * of Loads.txt, each with its one-day 1-min profile (LoadShapes.txt →
 * Daily_1min_100profiles/load_profile_k.txt, kW). Only what building
 * assignment needs is read: no line codes, phases or coordinates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GridElement, GridLink, GridNetwork } from '../../../core/grid/network.js';

/** Slots of the one-day profiles at one minute. */
export const IEEE_SLOTS = 1_440;

export interface IeeeLoad {
  /** 'LOAD<n>', also the consumer element's id. */
  readonly id: string;
  /** The node element it hangs on ('bus<n>'). */
  readonly node: string;
  /** kW per minute over one day (IEEE_SLOTS values). */
  readonly profile: Float64Array;
}

export interface IeeeFeeder {
  readonly network: GridNetwork;
  readonly transformer: string;
  readonly loads: readonly IeeeLoad[];
}

/** `key=value` pairs of one OpenDSS "New ..." line, keys lower-cased (OpenDSS is case-insensitive). */
function properties(line: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of line.matchAll(/(\w+)=(\[[^\]]*\]|\([^)]*\)|\S+)/g)) found.set(match[1]!.toLowerCase(), match[2]!);
  return found;
}

/** The object name of "New Class.NAME ..." lines, with their properties. */
function definitions(text: string, cls: string): { name: string; props: Map<string, string> }[] {
  const pattern = new RegExp(`^\\s*New\\s+${cls}\\.(\\S+)`, 'i');
  const out: { name: string; props: Map<string, string> }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = pattern.exec(line);
    if (match) out.push({ name: match[1]!, props: properties(line) });
  }
  return out;
}

function required(props: Map<string, string>, key: string, what: string): string {
  const value = props.get(key);
  if (value === undefined) throw new Error(`ieee_eu_lv: ${what} has no ${key}=`);
  return value;
}

/** "34.1" (bus 34, phase 1) → "bus34"; OpenDSS bus names are case-insensitive. */
const busNode = (bus: string): string => `bus${bus.split('.')[0]!.toLowerCase()}`;

function readProfile(path: string): Float64Array {
  const values = readFileSync(path, 'utf8')
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
  if (values.length !== IEEE_SLOTS || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`${path}: expected ${IEEE_SLOTS} numbers, got ${values.length}`);
  }
  return Float64Array.from(values);
}

/** Reads the feeder from `dir` (the ieee_eu_lv folder). */
export function readIeeeFeeder(dir: string): IeeeFeeder {
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  const elements: GridElement[] = [];
  const links: GridLink[] = [];
  const nodes = new Set<string>();
  const node = (id: string): string => {
    if (!nodes.has(id)) {
      nodes.add(id);
      elements.push({ id, name: id, kind: 'node', cimClass: 'ConnectivityNode' });
    }
    return id;
  };

  const transformers = definitions(read('Transformers.txt'), 'Transformer');
  if (transformers.length !== 1) throw new Error(`ieee_eu_lv: expected one transformer, found ${transformers.length}`);
  const { name: transformer, props: trafo } = transformers[0]!;
  const buses = required(trafo, 'buses', `Transformer.${transformer}`).replace(/[[\]]/g, '').trim().split(/[\s,]+/);
  if (buses.length !== 2) throw new Error(`ieee_eu_lv: Transformer.${transformer} has ${buses.length} buses`);
  const [high, low] = [node(busNode(buses[0]!)), node(busNode(buses[1]!))];
  elements.push({ id: transformer, name: transformer, kind: 'transformer', cimClass: 'PowerTransformer', lowVoltageNode: low });
  links.push({ equipment: transformer, node: high, sequence: 1 }, { equipment: transformer, node: low, sequence: 2 });

  for (const { name, props } of definitions(read('Lines.txt'), 'Line')) {
    const lengthM = Number(props.get('length'));
    const units = props.get('units')?.toLowerCase();
    elements.push({
      id: name,
      name,
      kind: 'line',
      cimClass: 'ACLineSegment',
      nominalKv: 0.416,
      ...(Number.isFinite(lengthM) ? { lengthKm: units === 'km' ? lengthM : lengthM / 1000 } : {}),
    });
    links.push(
      { equipment: name, node: node(busNode(required(props, 'bus1', `Line.${name}`))), sequence: 1 },
      { equipment: name, node: node(busNode(required(props, 'bus2', `Line.${name}`))), sequence: 2 },
    );
  }

  const shapeFiles = new Map<string, string>();
  for (const { name, props } of definitions(read('LoadShapes.txt'), 'Loadshape')) {
    const file = /file=([^)\s]+)/i.exec(required(props, 'mult', `Loadshape.${name}`))?.[1];
    if (file === undefined) throw new Error(`ieee_eu_lv: Loadshape.${name} names no file`);
    shapeFiles.set(name.toLowerCase(), file);
  }
  const loads: IeeeLoad[] = [];
  for (const { name, props } of definitions(read('Loads.txt'), 'Load')) {
    const shape = required(props, 'yearly', `Load.${name}`).toLowerCase();
    const file = shapeFiles.get(shape);
    if (file === undefined) throw new Error(`ieee_eu_lv: Load.${name} uses unknown shape ${shape}`);
    const at = node(busNode(required(props, 'bus1', `Load.${name}`)));
    elements.push({ id: name, name, kind: 'consumer', cimClass: 'EnergyConsumer', nominalKv: 0.23 });
    links.push({ equipment: name, node: at, sequence: 1 });
    loads.push({ id: name, node: at, profile: readProfile(join(dir, file)) });
  }
  return { network: { elements, links, monitoringPoints: [] }, transformer, loads };
}
