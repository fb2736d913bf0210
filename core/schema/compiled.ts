/**
 * Links a SchemaSource into the objects the codec walks: every reference
 * resolved, struct layouts computed, lookups prepared. Done once per schema;
 * the per-message code then only switches on small integer kinds, so encode
 * and decode allocate no closures.
 * @internal
 */
import type {
  ElementTypeDescriptor,
  EnumDescriptor,
  FieldDescriptor,
  ScalarType,
  SchemaSource,
  StructDescriptor,
  TableDescriptor,
  TypeDescriptor,
  UnionDescriptor,
} from './descriptor.js';
import { fieldPropertyName } from './descriptor.js';

// Kinds. Scalars first so that `kind <= K_FLOAT64` means "a scalar".
export const K_BOOL = 0;
export const K_INT8 = 1;
export const K_UINT8 = 2;
export const K_INT16 = 3;
export const K_UINT16 = 4;
export const K_INT32 = 5;
export const K_UINT32 = 6;
export const K_INT64 = 7;
export const K_UINT64 = 8;
export const K_FLOAT32 = 9;
export const K_FLOAT64 = 10;
export const K_STRING = 11;
export const K_ENUM = 12;
export const K_FLAGS = 13;
export const K_STRUCT = 14;
export const K_TABLE = 15;
export const K_UNION = 16;
export const K_VECTOR = 17;
/** A vector of ubyte, carried as a Uint8Array. */
export const K_BYTES = 18;

const SCALAR_CODES: Readonly<Record<ScalarType, number>> = {
  bool: K_BOOL,
  int8: K_INT8,
  uint8: K_UINT8,
  int16: K_INT16,
  uint16: K_UINT16,
  int32: K_INT32,
  uint32: K_UINT32,
  int64: K_INT64,
  uint64: K_UINT64,
  float32: K_FLOAT32,
  float64: K_FLOAT64,
};

/** Byte size of each scalar code. */
export const SCALAR_SIZE: readonly number[] = [1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8];
/** Inclusive range of the integer codes up to 32 bits (index = code). */
export const INT_MIN: readonly number[] = [0, -128, 0, -32768, 0, -2147483648, 0];
export const INT_MAX: readonly number[] = [1, 127, 255, 32767, 65535, 2147483647, 4294967295];
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

export const SCALAR_NAMES: readonly ScalarType[] = [
  'bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64',
];

export class EnumInfo {
  readonly names: string[] = [];
  readonly values: number[] = [];
  readonly byName = new Map<string, number>();
  readonly byValue = new Map<number, string>();
  /** bit_flags: every known bit. */
  allMask = 0;
  constructor(
    readonly name: string,
    readonly scalar: number,
    readonly bitFlags: boolean,
  ) {}
}

export class StructFieldInfo {
  /** ".name", the path segment of this field. */
  readonly segment: string;
  constructor(
    readonly name: string,
    readonly jsName: string,
    readonly type: TypeInfo,
    /** Byte offset inside the struct. */
    readonly offset: number,
    /** Padding bytes between this field's end and the next field (or the struct's end). */
    readonly padAfter: number,
  ) {
    this.segment = `.${name}`;
  }
}

export class StructInfo {
  readonly fields: StructFieldInfo[] = [];
  size = 0;
  align = 1;
  linked = false;
  constructor(readonly name: string) {}
}

export class UnionMemberInfo {
  constructor(
    readonly name: string,
    readonly table: TableInfo,
    readonly value: number,
  ) {}
}

export class UnionInfo {
  readonly members: UnionMemberInfo[] = [];
  readonly byName = new Map<string, UnionMemberInfo>();
  readonly byValue = new Map<number, UnionMemberInfo>();
  constructor(readonly name: string) {}
}

/** One type as the codec sees it. All properties exist on every instance (one hidden class). */
export class TypeInfo {
  /** Scalar code for scalars, enums and flags (their underlying type); -1 otherwise. */
  scalar = -1;
  /** Inline size in a table or vector: the scalar's, the struct's, or 4 for an offset. */
  size = 4;
  align = 4;
  enumInfo: EnumInfo | null = null;
  structInfo: StructInfo | null = null;
  tableInfo: TableInfo | null = null;
  unionInfo: UnionInfo | null = null;
  element: TypeInfo | null = null;
  constructor(readonly kind: number) {}
}

export class FieldInfo {
  readonly jsName: string;
  /** ".name", the path segment of this field. */
  readonly segment: string;
  /** Byte position of this field's entry in a vtable: 4 + 2 * id. */
  readonly voffset: number;
  /** Union fields: the vtable position of the `_type` companion. */
  readonly typeVoffset: number;
  /** Default of a scalar-like field as stored (numbers; bool as 0/1). */
  defaultNumber = 0;
  defaultBigint = 0n;
  /**
   * The value a decoded message shows for an absent scalar-like field: a
   * number, bigint, boolean or enum name; for flags the list of names (copy
   * it before handing it out).
   */
  defaultValue: unknown = 0;
  constructor(
    readonly name: string,
    readonly id: number,
    /** Position among the table's live fields. */
    readonly index: number,
    readonly type: TypeInfo,
    readonly optional: boolean,
    readonly required: boolean,
  ) {
    this.jsName = fieldPropertyName(name);
    this.segment = `.${name}`;
    this.voffset = 4 + 2 * id;
    this.typeVoffset = 4 + 2 * (id - 1);
  }
}

export class TableInfo {
  /** Live (not deprecated) fields in declaration order. */
  readonly fields: FieldInfo[] = [];
  /** Live fields in the order they are added to the builder (largest first, for less padding). */
  addOrder: FieldInfo[] = [];
  /** Number of vtable slots. */
  slotCount = 0;
  /** Whether any field needs an offset created before the table starts. */
  hasReferences = false;
  /** JSON keys: field names plus "<union>_type" companions. */
  readonly jsonKeys = new Map<string, FieldInfo>();
  readonly deprecatedNames = new Set<string>();
  reply: TableInfo | null = null;
  constructor(
    readonly name: string,
    readonly descriptor: TableDescriptor,
  ) {}
}

/** Whether a type kind is stored inline as a scalar (scalars, enums, flags). */
export function isScalarLike(kind: number): boolean {
  return kind <= K_FLOAT64 || kind === K_ENUM || kind === K_FLAGS;
}

export interface LinkedSchema {
  readonly tables: ReadonlyMap<string, TableInfo>;
  readonly enums: ReadonlyMap<string, EnumInfo>;
  readonly structs: ReadonlyMap<string, StructInfo>;
  readonly unions: ReadonlyMap<string, UnionInfo>;
}

/** Links descriptors; throws Error on an inconsistent source (a generator bug or a hand-written mistake). */
export function linkSchema(source: SchemaSource): LinkedSchema {
  const enums = new Map<string, EnumInfo>();
  const structs = new Map<string, StructInfo>();
  const unions = new Map<string, UnionInfo>();
  const tables = new Map<string, TableInfo>();
  const structSources = new Map<string, StructDescriptor>();
  const taken = new Set<string>();
  const claim = (name: string): void => {
    if (taken.has(name)) throw new Error(`schema: type ${name} is defined twice`);
    taken.add(name);
  };

  for (const e of source.enums) {
    claim(e.name);
    enums.set(e.name, linkEnum(e));
  }
  for (const s of source.structs) {
    claim(s.name);
    structs.set(s.name, new StructInfo(s.name));
    structSources.set(s.name, s);
  }
  for (const t of source.tables) {
    claim(t.name);
    tables.set(t.name, new TableInfo(t.name, t));
  }
  for (const u of source.unions) {
    claim(u.name);
    unions.set(u.name, linkUnion(u, tables));
  }

  const structLayout = (name: string, stack: string[]): StructInfo => {
    const info = structs.get(name);
    const src = structSources.get(name);
    if (!info || !src) throw new Error(`schema: unknown struct ${name}`);
    if (info.linked) return info;
    if (stack.includes(name)) throw new Error(`schema: struct ${name} contains itself`);
    let offset = 0;
    let align = 1;
    const placed: { name: string; type: TypeInfo; offset: number }[] = [];
    for (const f of src.fields) {
      let type: TypeInfo;
      if (f.type.kind === 'struct') {
        const inner = structLayout(f.type.name, [...stack, name]);
        type = new TypeInfo(K_STRUCT);
        type.structInfo = inner;
        type.size = inner.size;
        type.align = inner.align;
      } else {
        type = scalarLikeType(f.type, enums, `${name}.${f.name}`);
      }
      offset = alignUp(offset, type.align);
      placed.push({ name: f.name, type, offset });
      offset += type.size;
      align = Math.max(align, type.align);
    }
    if (placed.length === 0) throw new Error(`schema: struct ${name} has no fields`);
    info.size = alignUp(offset, align);
    info.align = align;
    for (let i = 0; i < placed.length; i++) {
      const p = placed[i]!;
      const end = p.offset + p.type.size;
      const next = i + 1 < placed.length ? placed[i + 1]!.offset : info.size;
      info.fields.push(new StructFieldInfo(p.name, fieldPropertyName(p.name), p.type, p.offset, next - end));
    }
    info.linked = true;
    return info;
  };
  for (const name of structs.keys()) structLayout(name, []);

  const resolveType = (t: TypeDescriptor, where: string): TypeInfo => {
    switch (t.kind) {
      case 'union': {
        const u = unions.get(t.name);
        if (!u) throw new Error(`schema: ${where}: unknown union ${t.name}`);
        const info = new TypeInfo(K_UNION);
        info.unionInfo = u;
        return info;
      }
      case 'vector': {
        if (t.element.kind === 'scalar' && t.element.scalar === 'uint8') {
          const info = new TypeInfo(K_BYTES);
          info.element = resolveElement(t.element, where);
          return info;
        }
        const info = new TypeInfo(K_VECTOR);
        info.element = resolveElement(t.element, where);
        return info;
      }
      default:
        return resolveElement(t, where);
    }
  };
  const resolveElement = (t: ElementTypeDescriptor, where: string): TypeInfo => {
    switch (t.kind) {
      case 'string':
        return new TypeInfo(K_STRING);
      case 'table': {
        const table = tables.get(t.name);
        if (!table) throw new Error(`schema: ${where}: unknown table ${t.name}`);
        const info = new TypeInfo(K_TABLE);
        info.tableInfo = table;
        return info;
      }
      case 'struct': {
        const s = structs.get(t.name);
        if (!s) throw new Error(`schema: ${where}: unknown struct ${t.name}`);
        const info = new TypeInfo(K_STRUCT);
        info.structInfo = s;
        info.size = s.size;
        info.align = s.align;
        return info;
      }
      default:
        return scalarLikeType(t, enums, where);
    }
  };

  for (const table of tables.values()) linkTable(table, tables, resolveType);
  return { tables, enums, structs, unions };
}

function linkEnum(e: EnumDescriptor): EnumInfo {
  const code = SCALAR_CODES[e.underlying];
  if (code === undefined || code === K_BOOL || code >= K_FLOAT32) {
    throw new Error(`schema: enum ${e.name}: underlying type must be an integer type`);
  }
  const info = new EnumInfo(e.name, code, e.bitFlags === true);
  for (const v of e.values) {
    if (info.byName.has(v.name)) throw new Error(`schema: enum ${e.name}: value ${v.name} defined twice`);
    if (!Number.isSafeInteger(v.value)) throw new Error(`schema: enum ${e.name}.${v.name}: value out of range`);
    if (info.bitFlags && (v.value <= 0 || v.value > 2 ** 31 || (v.value & (v.value - 1)) !== 0)) {
      throw new Error(`schema: bit_flags enum ${e.name}.${v.name}: value must be one bit below bit 32`);
    }
    info.names.push(v.name);
    info.values.push(v.value);
    info.byName.set(v.name, v.value);
    if (!info.byValue.has(v.value)) info.byValue.set(v.value, v.name);
    if (info.bitFlags) info.allMask = (info.allMask | v.value) >>> 0;
  }
  return info;
}

function linkUnion(u: UnionDescriptor, tables: ReadonlyMap<string, TableInfo>): UnionInfo {
  const info = new UnionInfo(u.name);
  for (const m of u.members) {
    const table = tables.get(m.table);
    if (!table) throw new Error(`schema: union ${u.name}: unknown table ${m.table}`);
    if (!Number.isInteger(m.value) || m.value < 1 || m.value > 255) {
      throw new Error(`schema: union ${u.name}.${m.name}: type code must be 1..255`);
    }
    if (info.byName.has(m.name) || info.byValue.has(m.value)) {
      throw new Error(`schema: union ${u.name}: member ${m.name} defined twice`);
    }
    const member = new UnionMemberInfo(m.name, table, m.value);
    info.members.push(member);
    info.byName.set(m.name, member);
    info.byValue.set(m.value, member);
  }
  return info;
}

function scalarLikeType(
  t: { readonly kind: string; readonly scalar?: ScalarType; readonly name?: string },
  enums: ReadonlyMap<string, EnumInfo>,
  where: string,
): TypeInfo {
  if (t.kind === 'scalar' && t.scalar !== undefined) {
    const code = SCALAR_CODES[t.scalar];
    if (code === undefined) throw new Error(`schema: ${where}: unknown scalar type ${t.scalar}`);
    const info = new TypeInfo(code);
    info.scalar = code;
    info.size = SCALAR_SIZE[code]!;
    info.align = info.size;
    return info;
  }
  if (t.kind === 'enum' && t.name !== undefined) {
    const e = enums.get(t.name);
    if (!e) throw new Error(`schema: ${where}: unknown enum ${t.name}`);
    const info = new TypeInfo(e.bitFlags ? K_FLAGS : K_ENUM);
    info.enumInfo = e;
    info.scalar = e.scalar;
    info.size = SCALAR_SIZE[e.scalar]!;
    info.align = info.size;
    return info;
  }
  throw new Error(`schema: ${where}: expected a scalar or enum type, got ${t.kind}`);
}

function linkTable(
  table: TableInfo,
  tables: ReadonlyMap<string, TableInfo>,
  resolveType: (t: TypeDescriptor, where: string) => TypeInfo,
): void {
  const src = table.descriptor;
  const slots = new Set<number>();
  let slotCount = 0;
  const claimSlot = (id: number, field: FieldDescriptor): void => {
    if (!Number.isInteger(id) || id < 0 || id > 65535) {
      throw new Error(`schema: ${table.name}.${field.name}: bad field id ${id}`);
    }
    if (slots.has(id)) throw new Error(`schema: ${table.name}.${field.name}: field id ${id} used twice`);
    slots.add(id);
    slotCount = Math.max(slotCount, id + 1);
  };
  for (const f of src.fields) {
    const where = `${table.name}.${f.name}`;
    if (f.type.kind === 'union') claimSlot(f.id - 1, f);
    claimSlot(f.id, f);
    if (f.deprecated) {
      table.deprecatedNames.add(f.name);
      if (f.type.kind === 'union') table.deprecatedNames.add(`${f.name}_type`);
      continue;
    }
    const type = resolveType(f.type, where);
    const scalarLike = isScalarLike(type.kind);
    if (f.optional && !scalarLike) throw new Error(`schema: ${where}: only scalars can be optional`);
    if (f.required && scalarLike) throw new Error(`schema: ${where}: scalars cannot be required`);
    const field = new FieldInfo(f.name, f.id, table.fields.length, type, f.optional === true, f.required === true);
    if (f.default !== undefined) {
      if (!scalarLike) throw new Error(`schema: ${where}: only scalars and enums have defaults`);
      setDefault(field, f.default, where);
    }
    if (type.kind === K_ENUM && !f.optional && !type.enumInfo!.byValue.has(field.defaultNumber)) {
      throw new Error(`schema: ${where}: default ${field.defaultNumber} is not a value of ${type.enumInfo!.name}`);
    }
    if (type.kind === K_FLAGS && (field.defaultNumber & ~type.enumInfo!.allMask) !== 0) {
      throw new Error(`schema: ${where}: default has bits outside ${type.enumInfo!.name}`);
    }
    if (scalarLike) field.defaultValue = jsDefault(field);
    if (!scalarLike && type.kind !== K_STRUCT) table.hasReferences = true;
    table.fields.push(field);
    if (table.jsonKeys.has(f.name)) throw new Error(`schema: ${where}: field defined twice`);
    table.jsonKeys.set(f.name, field);
    if (type.kind === K_UNION) {
      if (table.jsonKeys.has(`${f.name}_type`)) throw new Error(`schema: ${where}_type clashes with another field`);
      table.jsonKeys.set(`${f.name}_type`, field);
    }
  }
  for (let id = 0; id < slotCount; id++) {
    if (!slots.has(id)) throw new Error(`schema: ${table.name}: field ids must cover 0..${slotCount - 1}; ${id} is unused`);
  }
  const jsNames = new Set<string>();
  for (const f of table.fields) {
    if (jsNames.has(f.jsName)) throw new Error(`schema: ${table.name}.${f.name}: property name ${f.jsName} clashes`);
    jsNames.add(f.jsName);
  }
  table.slotCount = slotCount;
  // Largest alignment first gives the least padding; ties keep declaration order.
  table.addOrder = table.fields
    .map((f, i) => ({ f, i, align: f.type.kind === K_UNION ? 4 : f.type.align }))
    .sort((a, b) => b.align - a.align || a.i - b.i)
    .map((x) => x.f);
  if (src.reply !== undefined) {
    const reply = tables.get(src.reply);
    if (!reply) throw new Error(`schema: ${table.name}: unknown reply table ${src.reply}`);
    table.reply = reply;
  }
}

function setDefault(field: FieldInfo, value: number | bigint | boolean, where: string): void {
  const code = field.type.scalar;
  if (code === K_INT64 || code === K_UINT64) {
    const big = typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : value ? 1n : 0n;
    const min = code === K_INT64 ? INT64_MIN : 0n;
    const max = code === K_INT64 ? INT64_MAX : UINT64_MAX;
    if (big < min || big > max) throw new Error(`schema: ${where}: default out of range`);
    field.defaultBigint = big;
    if (field.type.kind !== K_INT64 && field.type.kind !== K_UINT64) {
      // A 64-bit enum: its values are safe integers.
      field.defaultNumber = Number(big);
    }
    return;
  }
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
  if (code <= K_UINT32) {
    if (!Number.isInteger(n) || n < INT_MIN[code]! || n > INT_MAX[code]!) {
      throw new Error(`schema: ${where}: default ${String(value)} out of range`);
    }
  } else if (code === K_FLOAT32) {
    field.defaultNumber = Math.fround(n);
    return;
  }
  field.defaultNumber = n;
}

function jsDefault(field: FieldInfo): unknown {
  const type = field.type;
  switch (type.kind) {
    case K_BOOL:
      return field.defaultNumber !== 0;
    case K_INT64:
    case K_UINT64:
      return field.defaultBigint;
    case K_ENUM:
      return type.enumInfo!.byValue.get(field.defaultNumber);
    case K_FLAGS:
      return flagNames(type.enumInfo!, field.defaultNumber);
    default:
      return field.defaultNumber;
  }
}

/** The names of the flags set in a mask, in declaration order. */
export function flagNames(e: EnumInfo, mask: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < e.values.length; i++) {
    if ((mask & e.values[i]!) !== 0) names.push(e.names[i]!);
  }
  return names;
}

function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** Names of an integer type's scalar code (for messages). */
export function scalarName(code: number): ScalarType {
  return SCALAR_NAMES[code]!;
}
