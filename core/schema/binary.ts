/**
 * FlatBuffers binary encoding and decoding driven by linked descriptors.
 *
 * Encoding uses the flatbuffers runtime's low-level Builder API
 * (startObject / add* / slot / endObject), exactly what flatc's generated
 * builders call, so the bytes are ordinary FlatBuffers any generated reader
 * understands.
 *
 * Decoding is a verifying reader: every offset, vtable, table size, string and
 * vector length is checked against the buffer before it is followed, nesting
 * is limited to MAX_DEPTH tables and the total amount materialized to
 * EXPANSION_FACTOR times the input (shared sub-objects could otherwise blow a
 * small buffer up exponentially). Problems raise a PathFault that the caller
 * turns into MalformedMessageError with the field path.
 * @internal
 */
import { Builder } from 'flatbuffers/mjs/flatbuffers.js';
import { PathFault, describeValue } from './errors.js';
import {
  EnumInfo,
  FieldInfo,
  INT64_MAX,
  INT64_MIN,
  INT_MAX,
  INT_MIN,
  K_BOOL,
  K_BYTES,
  K_ENUM,
  K_FLAGS,
  K_FLOAT32,
  K_FLOAT64,
  K_INT16,
  K_INT32,
  K_INT64,
  K_INT8,
  K_STRING,
  K_STRUCT,
  K_TABLE,
  K_UINT16,
  K_UINT32,
  K_UINT64,
  K_UINT8,
  K_UNION,
  K_VECTOR,
  StructInfo,
  TableInfo,
  TypeInfo,
  UINT64_MAX,
  flagNames,
  scalarName,
} from './compiled.js';

/** Deepest nesting of tables accepted, both ways (also stops cyclic values). */
export const MAX_DEPTH = 64;
/** Decoding may materialize at most this many times the input size (plus 64 KiB). */
export const EXPANSION_FACTOR = 64;

// ---------------------------------------------------------------------------
// Encoding

let sharedBuilder: Builder | null = null;
let sharedBuilderBusy = false;
/** A builder that grew beyond this is dropped after use rather than kept. */
const KEEP_BUILDER_BYTES = 1 << 20;

/** Encodes a value of a table type into a fresh, finished FlatBuffer. */
export function encodeRoot(table: TableInfo, value: unknown): Uint8Array {
  const reuse = !sharedBuilderBusy;
  let b: Builder;
  if (reuse) {
    b = sharedBuilder ?? new Builder(1024);
    sharedBuilder = b;
    sharedBuilderBusy = true;
    b.clear();
  } else {
    b = new Builder(1024);
  }
  try {
    const root = encodeTable(b, table, value, 0);
    b.finish(root);
    return b.asUint8Array().slice();
  } finally {
    if (reuse) {
      sharedBuilderBusy = false;
      if (b.dataBuffer().capacity() > KEEP_BUILDER_BYTES) sharedBuilder = null;
    }
  }
}

/** Scratch space for short ASCII strings: TextEncoder costs more than the copy for them. */
const asciiScratch = new Uint8Array(256);

function createString(b: Builder, s: string): number {
  const n = s.length;
  if (n <= asciiScratch.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      asciiScratch[i] = c;
    }
    if (i === n) return b.createString(asciiScratch.subarray(0, n));
  }
  return b.createString(s);
}

function expectObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new PathFault(`expected an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function encodeTable(b: Builder, table: TableInfo, value: unknown, depth: number): number {
  const v = expectObject(value);
  if (depth >= MAX_DEPTH) throw new PathFault(`tables nested deeper than ${MAX_DEPTH} (a cyclic value?)`);
  const fields = table.fields;
  let offsets: number[] | null = null;
  let field: FieldInfo | null = null;
  try {
    if (table.hasReferences) {
      offsets = new Array<number>(fields.length);
      for (let i = 0; i < fields.length; i++) {
        field = fields[i]!;
        const kind = field.type.kind;
        offsets[i] = 0;
        if (kind < K_STRING || kind === K_ENUM || kind === K_FLAGS || kind === K_STRUCT) continue;
        const x = v[field.jsName];
        if (x === undefined || x === null) {
          if (field.required) throw new PathFault('required field is missing');
          continue;
        }
        offsets[i] = encodeReference(b, field.type, x, depth);
      }
    }
    b.startObject(table.slotCount);
    const order = table.addOrder;
    for (let i = 0; i < order.length; i++) {
      field = order[i]!;
      const type = field.type;
      const kind = type.kind;
      const x = v[field.jsName];
      if (kind <= K_FLOAT64 || kind === K_ENUM || kind === K_FLAGS) {
        if (x === undefined || x === null) continue;
        addScalarField(b, field, type, x);
      } else if (kind === K_STRUCT) {
        if (x === undefined || x === null) {
          if (field.required) throw new PathFault('required field is missing');
          continue;
        }
        writeStruct(b, type.structInfo!, x);
        b.addFieldStruct(field.id, b.offset(), 0);
      } else {
        const offset = offsets![field.index]!;
        if (offset === 0) continue;
        if (kind === K_UNION) {
          const member = type.unionInfo!.byName.get((x as { type: string }).type)!;
          b.addFieldInt8(field.id - 1, member.value, 0);
        }
        b.addFieldOffset(field.id, offset, 0);
      }
    }
  } catch (e) {
    if (e instanceof PathFault && field) e.at(field.segment);
    throw e;
  }
  return b.endObject();
}

function addScalarField(b: Builder, field: FieldInfo, type: TypeInfo, x: unknown): void {
  const code = type.scalar;
  if (code === K_INT64 || code === K_UINT64) {
    const big = type.kind === code ? int64Wire(code, x) : BigInt(scalarWire(type, x));
    if (field.optional || big !== field.defaultBigint) {
      b.addInt64(big);
      b.slot(field.id);
    }
    return;
  }
  const n = scalarWire(type, x);
  // Object.is keeps -0 and NaN apart from a 0 / NaN default.
  if (field.optional || (code >= K_FLOAT32 ? !Object.is(n, field.defaultNumber) : n !== field.defaultNumber)) {
    addScalar(b, code, n);
    b.slot(field.id);
  }
}

function addScalar(b: Builder, code: number, n: number): void {
  switch (code) {
    case K_BOOL:
    case K_INT8:
    case K_UINT8:
      b.addInt8(n);
      break;
    case K_INT16:
    case K_UINT16:
      b.addInt16(n);
      break;
    case K_INT32:
    case K_UINT32:
      b.addInt32(n);
      break;
    case K_FLOAT32:
      b.addFloat32(n);
      break;
    default:
      b.addFloat64(n);
  }
}

function writeScalar(b: Builder, code: number, n: number): void {
  switch (code) {
    case K_BOOL:
    case K_INT8:
    case K_UINT8:
      b.writeInt8(n);
      break;
    case K_INT16:
    case K_UINT16:
      b.writeInt16(n);
      break;
    case K_INT32:
    case K_UINT32:
      b.writeInt32(n);
      break;
    case K_FLOAT32:
      b.writeFloat32(n);
      break;
    default:
      b.writeFloat64(n);
  }
}

/** Validates a scalar-like value (not 64-bit integers) and gives the number stored for it. */
export function scalarWire(type: TypeInfo, x: unknown): number {
  switch (type.kind) {
    case K_BOOL:
      if (typeof x !== 'boolean') throw new PathFault(`expected true or false, got ${describeValue(x)}`);
      return x ? 1 : 0;
    case K_FLOAT32:
    case K_FLOAT64:
      if (typeof x !== 'number') throw new PathFault(`expected a number, got ${describeValue(x)}`);
      return x;
    case K_ENUM:
      return enumWire(type.enumInfo!, x);
    case K_FLAGS:
      return flagsWire(type.enumInfo!, x);
    default: {
      const code = type.kind;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < INT_MIN[code]! || x > INT_MAX[code]!) {
        throw new PathFault(`expected an integer from ${INT_MIN[code]} to ${INT_MAX[code]}, got ${describeValue(x)}`);
      }
      return x;
    }
  }
}

/** Validates a 64-bit integer value (a bigint, or a safe integer number). */
export function int64Wire(code: number, x: unknown): bigint {
  let big: bigint;
  if (typeof x === 'bigint') big = x;
  else if (typeof x === 'number' && Number.isSafeInteger(x)) big = BigInt(x);
  else throw new PathFault(`expected a bigint (${scalarName(code)}), got ${describeValue(x)}`);
  const min = code === K_INT64 ? INT64_MIN : 0n;
  const max = code === K_INT64 ? INT64_MAX : UINT64_MAX;
  if (big < min || big > max) throw new PathFault(`expected an integer from ${min} to ${max}, got ${describeValue(x)}`);
  return big;
}

export function enumExpectation(e: EnumInfo): string {
  const shown = e.names.slice(0, 12).map((n) => JSON.stringify(n));
  return `one of ${shown.join(', ')}${e.names.length > 12 ? ', …' : ''} (${e.name})`;
}

function enumWire(e: EnumInfo, x: unknown): number {
  const value = typeof x === 'string' ? e.byName.get(x) : undefined;
  if (value === undefined) throw new PathFault(`expected ${enumExpectation(e)}, got ${describeValue(x)}`);
  return value;
}

function flagsWire(e: EnumInfo, x: unknown): number {
  if (!Array.isArray(x)) {
    throw new PathFault(`expected an array of flags, each ${enumExpectation(e)}, got ${describeValue(x)}`);
  }
  let mask = 0;
  for (let i = 0; i < x.length; i++) {
    const item: unknown = x[i];
    const value = typeof item === 'string' ? e.byName.get(item) : undefined;
    if (value === undefined) {
      throw new PathFault(`expected ${enumExpectation(e)}, got ${describeValue(item)}`).at(`[${i}]`);
    }
    mask = (mask | value) >>> 0;
  }
  return mask;
}

function encodeReference(b: Builder, type: TypeInfo, x: unknown, depth: number): number {
  switch (type.kind) {
    case K_STRING:
      if (typeof x !== 'string') throw new PathFault(`expected a string, got ${describeValue(x)}`);
      return createString(b, x);
    case K_BYTES:
      if (!(x instanceof Uint8Array)) throw new PathFault(`expected a Uint8Array, got ${describeValue(x)}`);
      return b.createByteVector(x);
    case K_TABLE:
      return encodeTable(b, type.tableInfo!, x, depth + 1);
    case K_UNION: {
      const u = type.unionInfo!;
      const v = expectObject(x);
      const member = typeof v['type'] === 'string' ? u.byName.get(v['type']) : undefined;
      if (!member) {
        const names = u.members.map((m) => JSON.stringify(m.name)).join(', ');
        throw new PathFault(`expected { type, value } with type one of ${names}, got type ${describeValue(v['type'])}`);
      }
      return encodeTable(b, member.table, v['value'], depth + 1);
    }
    default:
      return encodeVector(b, type.element!, x, depth);
  }
}

function encodeVector(b: Builder, el: TypeInfo, x: unknown, depth: number): number {
  if (!Array.isArray(x)) throw new PathFault(`expected an array, got ${describeValue(x)}`);
  const n = x.length;
  let i = 0;
  try {
    switch (el.kind) {
      case K_STRING:
      case K_TABLE: {
        const offsets = new Array<number>(n);
        for (i = 0; i < n; i++) {
          const item: unknown = x[i];
          if (el.kind === K_STRING) {
            if (typeof item !== 'string') throw new PathFault(`expected a string, got ${describeValue(item)}`);
            offsets[i] = createString(b, item);
          } else {
            offsets[i] = encodeTable(b, el.tableInfo!, item, depth + 1);
          }
        }
        b.startVector(4, n, 4);
        for (let j = n - 1; j >= 0; j--) b.addOffset(offsets[j]!);
        return b.endVector();
      }
      case K_STRUCT: {
        const s = el.structInfo!;
        b.startVector(s.size, n, s.align);
        for (i = n - 1; i >= 0; i--) writeStruct(b, s, x[i]);
        return b.endVector();
      }
      default: {
        const code = el.scalar;
        b.startVector(el.size, n, el.size);
        if (code === K_INT64 || code === K_UINT64) {
          for (i = n - 1; i >= 0; i--) {
            b.addInt64(el.kind === code ? int64Wire(code, x[i]) : BigInt(scalarWire(el, x[i])));
          }
        } else {
          for (i = n - 1; i >= 0; i--) addScalar(b, code, scalarWire(el, x[i]));
        }
        return b.endVector();
      }
    }
  } catch (e) {
    if (e instanceof PathFault) e.at(`[${i}]`);
    throw e;
  }
}

function writeStruct(b: Builder, s: StructInfo, x: unknown): void {
  const v = expectObject(x);
  b.prep(s.align, s.size);
  const fields = s.fields;
  let i = fields.length - 1;
  try {
    for (; i >= 0; i--) {
      const f = fields[i]!;
      if (f.padAfter !== 0) b.pad(f.padAfter);
      const value = v[f.jsName];
      if (value === undefined) throw new PathFault('struct field is missing');
      const type = f.type;
      if (type.kind === K_STRUCT) {
        writeStruct(b, type.structInfo!, value);
      } else if (type.scalar === K_INT64 || type.scalar === K_UINT64) {
        b.writeInt64(type.kind === type.scalar ? int64Wire(type.scalar, value) : BigInt(scalarWire(type, value)));
      } else {
        writeScalar(b, type.scalar, scalarWire(type, value));
      }
    }
  } catch (e) {
    if (e instanceof PathFault && i >= 0) e.at(fields[i]!.segment);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Decoding

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  readonly view: DataView;
  readonly len: number;
  budget: number;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = bytes.byteLength;
    this.budget = 65536 + EXPANSION_FACTOR * bytes.byteLength;
  }
}

/** Decodes and verifies a finished FlatBuffer whose root is a `table`. */
export function decodeRoot(table: TableInfo, bytes: Uint8Array): Record<string, unknown> {
  const r = new Reader(bytes);
  if (r.len < 12) throw new PathFault(`${r.len} bytes are too few for a FlatBuffer (at least 12)`);
  return readTable(r, table, r.view.getUint32(0, true), 0);
}

function charge(r: Reader, amount: number): void {
  r.budget -= amount;
  if (r.budget < 0) {
    throw new PathFault(`message expands to more than ${EXPANSION_FACTOR} times its size (shared or looping offsets?)`);
  }
}

/** Follows the uoffset stored at `at`. */
function deref(r: Reader, at: number): number {
  const u = r.view.getUint32(at, true);
  if (u === 0 || u > 0x7fffffff || at + u >= r.len) {
    throw new PathFault(`offset ${u} at byte ${at} points outside the ${r.len}-byte buffer`);
  }
  return at + u;
}

function readTable(r: Reader, table: TableInfo, pos: number, depth: number): Record<string, unknown> {
  if (depth >= MAX_DEPTH) throw new PathFault(`tables nested deeper than ${MAX_DEPTH}`);
  const view = r.view;
  const len = r.len;
  if (pos + 4 > len) throw new PathFault(`table at byte ${pos} lies outside the ${len}-byte buffer`);
  const vt = pos - view.getInt32(pos, true);
  if (vt < 0 || vt + 4 > len) throw new PathFault(`vtable of the table at byte ${pos} lies outside the buffer (at ${vt})`);
  const vsize = view.getUint16(vt, true);
  const tsize = view.getUint16(vt + 2, true);
  if (vsize < 4 || (vsize & 1) !== 0 || vt + vsize > len) {
    throw new PathFault(`vtable at byte ${vt} has a bad size ${vsize}`);
  }
  if (tsize < 4 || pos + tsize > len) throw new PathFault(`table at byte ${pos} has a bad size ${tsize}`);
  const fields = table.fields;
  charge(r, 16 + 8 * fields.length);
  const out: Record<string, unknown> = {};
  let field: FieldInfo | null = null;
  try {
    for (let i = 0; i < fields.length; i++) {
      field = fields[i]!;
      const type = field.type;
      const kind = type.kind;
      const fo = field.voffset < vsize ? view.getUint16(vt + field.voffset, true) : 0;
      if (kind === K_UNION) {
        const union = readUnion(r, field, type, pos, vt, vsize, tsize, fo, depth);
        if (union !== null) out[field.jsName] = union;
        continue;
      }
      if (fo === 0) {
        if (field.required) throw new PathFault('required field is missing');
        if (field.optional) continue;
        if (kind <= K_FLOAT64 || kind === K_ENUM) out[field.jsName] = field.defaultValue;
        else if (kind === K_FLAGS) out[field.jsName] = (field.defaultValue as string[]).slice();
        continue;
      }
      if (fo < 4 || fo + type.size > tsize) {
        throw new PathFault(`field at offset ${fo} lies outside its ${tsize}-byte table at byte ${pos}`);
      }
      const p = pos + fo;
      switch (kind) {
        case K_ENUM:
          out[field.jsName] = readEnum(view, type.enumInfo!, p);
          break;
        case K_FLAGS:
          out[field.jsName] = readFlags(view, type.enumInfo!, p);
          break;
        case K_STRUCT:
          out[field.jsName] = readStruct(r, type.structInfo!, p);
          break;
        case K_STRING:
          out[field.jsName] = readString(r, deref(r, p));
          break;
        case K_TABLE:
          out[field.jsName] = readTable(r, type.tableInfo!, deref(r, p), depth + 1);
          break;
        case K_BYTES:
          out[field.jsName] = readBytes(r, deref(r, p));
          break;
        case K_VECTOR:
          out[field.jsName] = readVector(r, type.element!, deref(r, p), depth);
          break;
        default:
          out[field.jsName] = readScalar(view, kind, p);
      }
    }
  } catch (e) {
    if (e instanceof PathFault && field) e.at(field.segment);
    throw e;
  }
  return out;
}

function readUnion(
  r: Reader,
  field: FieldInfo,
  type: TypeInfo,
  pos: number,
  vt: number,
  vsize: number,
  tsize: number,
  fo: number,
  depth: number,
): { type: string; value: Record<string, unknown> } | null {
  const tfo = field.typeVoffset < vsize ? r.view.getUint16(vt + field.typeVoffset, true) : 0;
  if (tfo !== 0 && (tfo < 4 || tfo + 1 > tsize)) {
    throw new PathFault(`union type at offset ${tfo} lies outside its ${tsize}-byte table at byte ${pos}`);
  }
  const code = tfo === 0 ? 0 : r.view.getUint8(pos + tfo);
  if (code === 0) {
    if (field.required) throw new PathFault('required field is missing');
    return null;
  }
  const member = type.unionInfo!.byValue.get(code);
  if (!member) throw new PathFault(`unknown type code ${code} of union ${type.unionInfo!.name}`);
  if (fo === 0) throw new PathFault(`union type ${member.name} is set but its value is missing`);
  if (fo < 4 || fo + 4 > tsize) throw new PathFault(`field at offset ${fo} lies outside its ${tsize}-byte table at byte ${pos}`);
  return { type: member.name, value: readTable(r, member.table, deref(r, pos + fo), depth + 1) };
}

function readScalar(view: DataView, code: number, p: number): number | bigint | boolean {
  switch (code) {
    case K_BOOL:
      return view.getUint8(p) !== 0;
    case K_INT8:
      return view.getInt8(p);
    case K_UINT8:
      return view.getUint8(p);
    case K_INT16:
      return view.getInt16(p, true);
    case K_UINT16:
      return view.getUint16(p, true);
    case K_INT32:
      return view.getInt32(p, true);
    case K_UINT32:
      return view.getUint32(p, true);
    case K_INT64:
      return view.getBigInt64(p, true);
    case K_UINT64:
      return view.getBigUint64(p, true);
    case K_FLOAT32:
      return view.getFloat32(p, true);
    default:
      return view.getFloat64(p, true);
  }
}

/** Reads an enum's underlying integer as a number (signed types sign-extended). */
function readEnumNumber(view: DataView, code: number, p: number): number {
  if (code === K_INT64 || code === K_UINT64) {
    const big = code === K_INT64 ? view.getBigInt64(p, true) : view.getBigUint64(p, true);
    // Enum values are safe integers; anything else is unknown, reported as such.
    return big >= -(2n ** 53n) && big <= 2n ** 53n ? Number(big) : Number.NaN;
  }
  return readScalar(view, code, p) as number;
}

function readEnum(view: DataView, e: EnumInfo, p: number): string {
  const raw = readEnumNumber(view, e.scalar, p);
  const name = e.byValue.get(raw);
  if (name === undefined) {
    throw new PathFault(`unknown value ${Number.isNaN(raw) ? 'beyond 2^53' : raw} of enum ${e.name}`);
  }
  return name;
}

function readFlags(view: DataView, e: EnumInfo, p: number): string[] {
  let mask: number;
  switch (e.scalar) {
    case K_INT8:
    case K_UINT8:
      mask = view.getUint8(p);
      break;
    case K_INT16:
    case K_UINT16:
      mask = view.getUint16(p, true);
      break;
    case K_INT32:
    case K_UINT32:
      mask = view.getUint32(p, true);
      break;
    default: {
      const big = view.getBigUint64(p, true);
      mask = big > 0xffffffffn ? Number.NaN : Number(big);
    }
  }
  if (Number.isNaN(mask) || ((mask & ~e.allMask) >>> 0) !== 0) {
    throw new PathFault(`unknown bits in flags ${e.name} (value ${Number.isNaN(mask) ? 'beyond bit 31' : mask})`);
  }
  return flagNames(e, mask);
}

function readStruct(r: Reader, s: StructInfo, at: number): Record<string, unknown> {
  charge(r, 16 + 8 * s.fields.length);
  const out: Record<string, unknown> = {};
  const fields = s.fields;
  let i = 0;
  try {
    for (; i < fields.length; i++) {
      const f = fields[i]!;
      const p = at + f.offset;
      const kind = f.type.kind;
      if (kind === K_STRUCT) out[f.jsName] = readStruct(r, f.type.structInfo!, p);
      else if (kind === K_ENUM) out[f.jsName] = readEnum(r.view, f.type.enumInfo!, p);
      else if (kind === K_FLAGS) out[f.jsName] = readFlags(r.view, f.type.enumInfo!, p);
      else out[f.jsName] = readScalar(r.view, kind, p);
    }
  } catch (e) {
    if (e instanceof PathFault) e.at(fields[i]!.segment);
    throw e;
  }
  return out;
}

function readString(r: Reader, at: number): string {
  const len = r.len;
  if (at + 4 > len) throw new PathFault(`string at byte ${at} lies outside the ${len}-byte buffer`);
  const n = r.view.getUint32(at, true);
  if (n > len - at - 5) throw new PathFault(`string of ${n} bytes at byte ${at} runs past the end of the buffer`);
  const start = at + 4;
  const bytes = r.bytes;
  if (bytes[start + n] !== 0) throw new PathFault(`string at byte ${at} lacks its terminating zero`);
  charge(r, 16 + n);
  if (n <= 32) {
    // Short ASCII strings (names, tags) are faster without TextDecoder.
    let s = '';
    let i = start;
    const end = start + n;
    for (; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  try {
    return utf8.decode(bytes.subarray(start, start + n));
  } catch {
    throw new PathFault(`string at byte ${at} is not valid UTF-8`);
  }
}

function readBytes(r: Reader, at: number): Uint8Array {
  const len = r.len;
  if (at + 4 > len) throw new PathFault(`vector at byte ${at} lies outside the ${len}-byte buffer`);
  const n = r.view.getUint32(at, true);
  if (n > len - at - 4) throw new PathFault(`vector of ${n} bytes at byte ${at} runs past the end of the buffer`);
  charge(r, 16 + n);
  // A copy in a plain Uint8Array (Buffer#slice would share the input's memory).
  return new Uint8Array(r.bytes.subarray(at + 4, at + 4 + n));
}

function readVector(r: Reader, el: TypeInfo, at: number, depth: number): unknown[] {
  const len = r.len;
  if (at + 4 > len) throw new PathFault(`vector at byte ${at} lies outside the ${len}-byte buffer`);
  const n = r.view.getUint32(at, true);
  const size = el.size;
  if (n * size > len - at - 4) {
    throw new PathFault(`vector of ${n} elements at byte ${at} runs past the end of the buffer`);
  }
  charge(r, 16 + 8 * n);
  const start = at + 4;
  const out: unknown[] = [];
  const view = r.view;
  let i = 0;
  try {
    switch (el.kind) {
      case K_STRING:
        for (; i < n; i++) out.push(readString(r, deref(r, start + 4 * i)));
        break;
      case K_TABLE:
        for (; i < n; i++) out.push(readTable(r, el.tableInfo!, deref(r, start + 4 * i), depth + 1));
        break;
      case K_STRUCT:
        for (; i < n; i++) out.push(readStruct(r, el.structInfo!, start + size * i));
        break;
      case K_ENUM:
        for (; i < n; i++) out.push(readEnum(view, el.enumInfo!, start + size * i));
        break;
      case K_FLAGS:
        for (; i < n; i++) out.push(readFlags(view, el.enumInfo!, start + size * i));
        break;
      default:
        for (; i < n; i++) out.push(readScalar(view, el.kind, start + size * i));
    }
  } catch (e) {
    if (e instanceof PathFault) e.at(`[${i}]`);
    throw e;
  }
  return out;
}
