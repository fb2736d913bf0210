import { messageTypeByName } from '../../schema/index.js';
import type { Proxy } from './proxy.js';

/** Field names that hold data point names in the storage schema. */
const NAME_FIELDS = new Set(['dataPoint', 'dataPoints', 'names', 'name']);

function mapValue(value: unknown, map: ReadonlyMap<string, string>, key: string | undefined): unknown {
  if (typeof value === 'string') return key !== undefined && NAME_FIELDS.has(key) ? (map.get(value) ?? value) : value;
  if (Array.isArray(value)) return value.map((v) => mapValue(v, map, key));
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapValue(v, map, k);
    return out;
  }
  return value;
}

/**
 * Maps data point names on the way out (e.g. a vendor's "U_L1" to the grid's
 * "meterA.u1"): decodes the body with its schema, renames the name fields,
 * and encodes it again. Messages of unknown types, or without such names,
 * pass unchanged.
 */
export function renameProxy(mapping: Readonly<Record<string, string>>): Proxy {
  const map = new Map(Object.entries(mapping));
  return {
    name: `rename(${map.size})`,
    outbound(m) {
      const type = messageTypeByName(m.type);
      if (!type) return true;
      const value = type.decode(m.body);
      const mapped = mapValue(value, map, undefined);
      m.body = type.encode(mapped as typeof value);
      return true;
    },
  };
}
