/**
 * The generic JSON mapping of every message type, for tools and gateways.
 *
 * JSON uses the schema's own field names (snake_case, as in the .fbs and in
 * `flatc --json`), not the camelCase property names of the TypeScript values.
 *
 * | schema type        | JSON (toJson)                                      | also accepted by fromJson                |
 * |--------------------|----------------------------------------------------|------------------------------------------|
 * | bool               | true / false                                       |                                          |
 * | 8..32-bit integers | number                                             |                                          |
 * | 64-bit integers    | number when |v| <= 2^53 - 1, else a decimal string   | any decimal string, bigint               |
 * | float, double      | number; NaN and ±Infinity as "NaN", "Infinity", "-Infinity" | "nan", "inf", "-inf", "+inf"    |
 * | string             | string                                             |                                          |
 * | enum               | value name                                         | the numeric value                        |
 * | bit_flags enum     | array of flag names                                | "A B" (flatc style), the numeric mask    |
 * | [ubyte]            | base64 string                                      | array of numbers 0..255 (flatc style)    |
 * | struct             | object with every field                            |                                          |
 * | union field `x`    | "x_type": member name, "x": the member table       | "x_type": "NONE" or 0 for no value       |
 *
 * Absent optional fields are left out of toJson's output; fromJson takes
 * absent or null fields as absent (scalars: their default) and rejects
 * unknown and deprecated fields.
 * @internal
 */
import { PathFault, describeValue } from './errors.js';
import { MAX_DEPTH, enumExpectation, int64Wire, scalarWire } from './binary.js';
import {
  EnumInfo,
  FieldInfo,
  K_BOOL,
  K_BYTES,
  K_ENUM,
  K_FLAGS,
  K_FLOAT32,
  K_FLOAT64,
  K_INT64,
  K_STRING,
  K_STRUCT,
  K_TABLE,
  K_UINT64,
  K_UNION,
  K_VECTOR,
  StructInfo,
  TableInfo,
  TypeInfo,
  flagNames,
  isScalarLike,
} from './compiled.js';

const LONE_SURROGATE = /\p{Cs}/u;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^[+-]?\d{1,25}$/;

function expectJsonObject(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || json instanceof Uint8Array) {
    throw new PathFault(`expected ${what}, got ${describeValue(json)}`);
  }
  return json as Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// toJson

export function tableToJson(table: TableInfo, value: unknown, depth: number): Record<string, unknown> {
  const v = expectJsonObject(value, 'an object');
  if (depth >= MAX_DEPTH) throw new PathFault(`tables nested deeper than ${MAX_DEPTH} (a cyclic value?)`);
  const out: Record<string, unknown> = {};
  const fields = table.fields;
  let field: FieldInfo | null = null;
  try {
    for (let i = 0; i < fields.length; i++) {
      field = fields[i]!;
      const type = field.type;
      const x = v[field.jsName];
      if (x === undefined || x === null) {
        if (field.required) throw new PathFault('required field is missing');
        if (isScalarLike(type.kind) && !field.optional) out[field.name] = valueToJson(type, field.defaultValue, depth);
        continue;
      }
      if (type.kind === K_UNION) {
        const u = expectJsonObject(x, 'an object { type, value }');
        const member = typeof u['type'] === 'string' ? type.unionInfo!.byName.get(u['type']) : undefined;
        if (!member) throw new PathFault(`unknown union member ${describeValue(u['type'])}`);
        out[`${field.name}_type`] = member.name;
        out[field.name] = tableToJson(member.table, u['value'], depth + 1);
        continue;
      }
      out[field.name] = valueToJson(type, x, depth);
    }
  } catch (e) {
    if (e instanceof PathFault && field) e.at(field.segment);
    throw e;
  }
  return out;
}

function valueToJson(type: TypeInfo, x: unknown, depth: number): unknown {
  switch (type.kind) {
    case K_BOOL:
      scalarWire(type, x);
      return x;
    case K_FLOAT32:
    case K_FLOAT64:
      return floatToJson(scalarWire(type, x));
    case K_INT64:
    case K_UINT64: {
      const big = int64Wire(type.kind, x);
      return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big.toString();
    }
    case K_ENUM:
      scalarWire(type, x);
      return x;
    case K_FLAGS:
      return flagNames(type.enumInfo!, scalarWire(type, x));
    case K_STRING:
      if (typeof x !== 'string') throw new PathFault(`expected a string, got ${describeValue(x)}`);
      return x;
    case K_BYTES:
      if (!(x instanceof Uint8Array)) throw new PathFault(`expected a Uint8Array, got ${describeValue(x)}`);
      return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
    case K_STRUCT:
      return structToJson(type.structInfo!, x);
    case K_TABLE:
      return tableToJson(type.tableInfo!, x, depth + 1);
    case K_VECTOR: {
      if (!Array.isArray(x)) throw new PathFault(`expected an array, got ${describeValue(x)}`);
      const el = type.element!;
      const out: unknown[] = [];
      let i = 0;
      try {
        for (; i < x.length; i++) out.push(valueToJson(el, x[i], depth));
      } catch (e) {
        if (e instanceof PathFault) e.at(`[${i}]`);
        throw e;
      }
      return out;
    }
    default:
      // Plain integers up to 32 bits.
      return scalarWire(type, x);
  }
}

function floatToJson(n: number): number | string {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

function structToJson(s: StructInfo, x: unknown): Record<string, unknown> {
  const v = expectJsonObject(x, 'an object');
  const out: Record<string, unknown> = {};
  let i = 0;
  try {
    for (; i < s.fields.length; i++) {
      const f = s.fields[i]!;
      const value = v[f.jsName];
      if (value === undefined) throw new PathFault('struct field is missing');
      out[f.name] = valueToJson(f.type, value, 0);
    }
  } catch (e) {
    if (e instanceof PathFault) e.at(s.fields[i]!.segment);
    throw e;
  }
  return out;
}

// ---------------------------------------------------------------------------
// fromJson

export function tableFromJson(table: TableInfo, json: unknown, depth: number): Record<string, unknown> {
  const j = expectJsonObject(json, 'an object');
  if (depth >= MAX_DEPTH) throw new PathFault(`tables nested deeper than ${MAX_DEPTH}`);
  for (const key of Object.keys(j)) {
    if (!table.jsonKeys.has(key)) {
      const reason = table.deprecatedNames.has(key) ? 'field is deprecated and no longer accepted' : `unknown field of ${table.name}`;
      throw new PathFault(reason).at(`.${key}`);
    }
  }
  const out: Record<string, unknown> = {};
  const fields = table.fields;
  let field: FieldInfo | null = null;
  try {
    for (let i = 0; i < fields.length; i++) {
      field = fields[i]!;
      const type = field.type;
      if (type.kind === K_UNION) {
        const union = unionFromJson(field, type, j, depth);
        if (union !== null) out[field.jsName] = union;
        continue;
      }
      const x = j[field.name];
      if (x === undefined || x === null) {
        if (field.required) throw new PathFault('required field is missing');
        if (field.optional || !isScalarLike(type.kind)) continue;
        out[field.jsName] = type.kind === K_FLAGS ? (field.defaultValue as string[]).slice() : field.defaultValue;
        continue;
      }
      out[field.jsName] = valueFromJson(type, x, depth);
    }
  } catch (e) {
    if (e instanceof PathFault && field) e.at(field.segment);
    throw e;
  }
  return out;
}

function unionFromJson(
  field: FieldInfo,
  type: TypeInfo,
  j: Record<string, unknown>,
  depth: number,
): { type: string; value: Record<string, unknown> } | null {
  const u = type.unionInfo!;
  const typeKey = `${field.name}_type`;
  const t = j[typeKey];
  const x = j[field.name];
  if (t === undefined || t === null || t === 'NONE' || t === 0) {
    if (x !== undefined && x !== null) throw new PathFault(`has a value but no "${typeKey}"`);
    if (field.required) throw new PathFault('required field is missing');
    return null;
  }
  const member = typeof t === 'string' ? u.byName.get(t) : typeof t === 'number' ? u.byValue.get(t) : undefined;
  if (!member) {
    const names = u.members.map((m) => JSON.stringify(m.name)).join(', ');
    throw new PathFault(`expected one of ${names} (${u.name}), got ${describeValue(t)}`).at(`_type`);
  }
  if (x === undefined || x === null) throw new PathFault(`"${typeKey}" is ${member.name} but the value is missing`);
  return { type: member.name, value: tableFromJson(member.table, x, depth + 1) };
}

function valueFromJson(type: TypeInfo, x: unknown, depth: number): unknown {
  switch (type.kind) {
    case K_BOOL:
      if (typeof x !== 'boolean') throw new PathFault(`expected true or false, got ${describeValue(x)}`);
      return x;
    case K_FLOAT32:
    case K_FLOAT64: {
      const n = floatFromJson(x);
      return type.kind === K_FLOAT32 ? Math.fround(n) : n;
    }
    case K_INT64:
    case K_UINT64:
      return int64FromJson(type.kind, x);
    case K_ENUM:
      return enumFromJson(type.enumInfo!, x);
    case K_FLAGS:
      return flagsFromJson(type.enumInfo!, x);
    case K_STRING:
      if (typeof x !== 'string') throw new PathFault(`expected a string, got ${describeValue(x)}`);
      if (LONE_SURROGATE.test(x)) throw new PathFault('string contains a lone surrogate (not representable in UTF-8)');
      return x;
    case K_BYTES:
      return bytesFromJson(x);
    case K_STRUCT:
      return structFromJson(type.structInfo!, x);
    case K_TABLE:
      return tableFromJson(type.tableInfo!, x, depth + 1);
    case K_VECTOR: {
      if (!Array.isArray(x)) throw new PathFault(`expected an array, got ${describeValue(x)}`);
      const el = type.element!;
      const out: unknown[] = [];
      let i = 0;
      try {
        for (; i < x.length; i++) {
          const item: unknown = x[i];
          if (item === null || item === undefined) throw new PathFault(`expected a value, got ${describeValue(item)}`);
          out.push(valueFromJson(el, item, depth));
        }
      } catch (e) {
        if (e instanceof PathFault) e.at(`[${i}]`);
        throw e;
      }
      return out;
    }
    default:
      return scalarWire(type, x);
  }
}

function floatFromJson(x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') {
    switch (x) {
      case 'NaN':
      case 'nan':
        return Number.NaN;
      case 'Infinity':
      case 'inf':
      case '+inf':
      case '+Infinity':
        return Number.POSITIVE_INFINITY;
      case '-Infinity':
      case '-inf':
        return Number.NEGATIVE_INFINITY;
    }
  }
  throw new PathFault(`expected a number, got ${describeValue(x)}`);
}

function int64FromJson(code: number, x: unknown): bigint {
  if (typeof x === 'number' && Number.isInteger(x) && !Number.isSafeInteger(x)) {
    throw new PathFault(`${x} is beyond 2^53 and may have lost precision; pass it as a decimal string`);
  }
  if (typeof x === 'string' && DECIMAL.test(x)) return int64Wire(code, BigInt(x));
  if (typeof x === 'string') throw new PathFault(`expected an integer (number or decimal string), got ${describeValue(x)}`);
  return int64Wire(code, x);
}

function enumFromJson(e: EnumInfo, x: unknown): string {
  const name = typeof x === 'string' ? (e.byName.has(x) ? x : undefined) : typeof x === 'number' ? e.byValue.get(x) : undefined;
  if (name === undefined) throw new PathFault(`expected ${enumExpectation(e)}, got ${describeValue(x)}`);
  return name;
}

function flagsFromJson(e: EnumInfo, x: unknown): string[] {
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff || ((x & ~e.allMask) >>> 0) !== 0) {
      throw new PathFault(`${x} is not a combination of the flags of ${e.name}`);
    }
    return flagNames(e, x);
  }
  const items: unknown[] | null =
    typeof x === 'string' ? x.split(/\s+/).filter((s) => s !== '') : Array.isArray(x) ? x : null;
  if (items === null) {
    throw new PathFault(`expected an array of flags, each ${enumExpectation(e)}, got ${describeValue(x)}`);
  }
  let mask = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const value = typeof item === 'string' ? e.byName.get(item) : undefined;
    if (value === undefined) throw new PathFault(`expected ${enumExpectation(e)}, got ${describeValue(item)}`).at(`[${i}]`);
    mask = (mask | value) >>> 0;
  }
  return flagNames(e, mask);
}

function bytesFromJson(x: unknown): Uint8Array {
  if (typeof x === 'string') {
    if (!BASE64.test(x)) throw new PathFault(`expected base64 (RFC 4648, padded), got ${describeValue(x)}`);
    return new Uint8Array(Buffer.from(x, 'base64'));
  }
  if (Array.isArray(x)) {
    const out = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const b: unknown = x[i];
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) {
        throw new PathFault(`expected an integer from 0 to 255, got ${describeValue(b)}`).at(`[${i}]`);
      }
      out[i] = b;
    }
    return out;
  }
  throw new PathFault(`expected a base64 string, got ${describeValue(x)}`);
}

function structFromJson(s: StructInfo, x: unknown): Record<string, unknown> {
  const j = expectJsonObject(x, 'an object');
  for (const key of Object.keys(j)) {
    if (!s.fields.some((f) => f.name === key)) throw new PathFault(`unknown field of ${s.name}`).at(`.${key}`);
  }
  const out: Record<string, unknown> = {};
  let i = 0;
  try {
    for (; i < s.fields.length; i++) {
      const f = s.fields[i]!;
      const value = j[f.name];
      if (value === undefined || value === null) throw new PathFault('struct field is missing');
      out[f.jsName] = valueFromJson(f.type, value, 0);
    }
  } catch (e) {
    if (e instanceof PathFault) e.at(s.fields[i]!.segment);
    throw e;
  }
  return out;
}
