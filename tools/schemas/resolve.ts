/**
 * Loads .fbs files (following includes), checks them against the rules of
 * FlatBuffers and of flatc 2.0.8's TypeScript output, and builds the type
 * descriptors of core/schema plus the doc comments for generated code.
 * Every problem is an FbsError at file:line:column.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  AttributeValue,
  ElementTypeDescriptor,
  EnumDescriptor,
  FieldDescriptor,
  IntegerType,
  ScalarType,
  SchemaSource,
  StructDescriptor,
  StructFieldDescriptor,
  TableDescriptor,
  TypeDescriptor,
  UnionDescriptor,
} from '../../core/schema/descriptor.js';
import { fieldPropertyName } from '../../core/schema/descriptor.js';
import {
  type AstEnum,
  type AstFile,
  type AstLiteral,
  type AstMetadata,
  type AstStructOrTable,
  type AstType,
  type AstTypeDecl,
  type AstUnion,
  FbsError,
  type SourcePos,
  parseFbs,
} from './parser.js';

export interface ResolvedFile {
  /** Path relative to the schema folder, with forward slashes ("storage.fbs"). */
  readonly name: string;
  /** Fully qualified names of the types it declares, in declaration order. */
  readonly types: readonly string[];
}

export interface ResolvedSchemas {
  readonly source: SchemaSource;
  readonly files: readonly ResolvedFile[];
  /** Doc comment lines by type ("ns.T"), field or enum value ("ns.T.field"). */
  readonly docs: ReadonlyMap<string, readonly string[]>;
  /** Kind of every type by fully qualified name. */
  readonly kinds: ReadonlyMap<string, 'enum' | 'union' | 'struct' | 'table'>;
}

const BASE_TYPES: Readonly<Record<string, ScalarType | 'string'>> = {
  bool: 'bool',
  byte: 'int8',
  ubyte: 'uint8',
  short: 'int16',
  ushort: 'uint16',
  int: 'int32',
  uint: 'uint32',
  long: 'int64',
  ulong: 'uint64',
  float: 'float32',
  double: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  float32: 'float32',
  float64: 'float64',
  string: 'string',
};

const INTEGER_RANGE: Readonly<Record<IntegerType, readonly [bigint, bigint]>> = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

const INTEGER_BITS: Readonly<Record<IntegerType, number>> = {
  int8: 8,
  uint8: 8,
  int16: 16,
  uint16: 16,
  int32: 32,
  uint32: 32,
  int64: 64,
  uint64: 64,
};

/** flatc's built-in attributes that these tools do not implement. */
const UNSUPPORTED_ATTRIBUTES = new Set([
  'force_align', 'nested_flatbuffer', 'flexbuffer', 'key', 'hash', 'original_order', 'shared',
  'native_inline', 'native_type', 'native_default', 'native_custom_alloc', 'cpp_type', 'cpp_ptr_type',
  'cpp_str_type', 'cpp_str_flex_ctor', 'private', 'idempotent', 'streaming', 'csharp_partial', 'cpp_ptr_type_get',
]);

/**
 * Names the generated TypeScript uses itself (or that would shadow globals it
 * relies on); a schema type cannot take them.
 */
const RESERVED_TYPE_NAMES = new Set([
  'MessageType', 'RequestType', 'Map', 'ReadonlyMap', 'Uint8Array', 'Array', 'Record', 'Object', 'String',
  'Number', 'Boolean', 'BigInt', 'Error', 'Promise', 'Symbol', 'schema', 'allMessageTypes', 'defineSchema',
]);

const INTEGER_LITERAL = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|(\d+))$/;
const FLOAT_LITERAL = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

function parseInteger(lit: AstLiteral): bigint | null {
  if (lit.kind !== 'number') return null;
  const m = INTEGER_LITERAL.exec(lit.text);
  if (!m) return null;
  const magnitude = m[2] !== undefined ? BigInt(`0x${m[2]}`) : BigInt(m[3]!);
  return m[1] === '-' ? -magnitude : magnitude;
}

interface Loaded {
  readonly ast: AstFile;
  readonly name: string;
  /** Names (relative) of the files it includes, directly. */
  readonly includes: string[];
}

/**
 * Reads and resolves schema files. `files` are paths relative to `dir`;
 * includes are looked up relative to the including file, then in `dir`.
 * `displayRoot` is what error positions are relative to (default: the
 * current directory).
 */
export function loadSchemas(dir: string, files: readonly string[], displayRoot = process.cwd()): ResolvedSchemas {
  const loaded = new Map<string, Loaded>();
  const toName = (abs: string): string => path.relative(dir, abs).split(path.sep).join('/');
  const display = (abs: string): string => path.relative(displayRoot, abs).split(path.sep).join('/') || abs;

  const load = (abs: string, stack: string[]): string => {
    const name = toName(abs);
    if (loaded.has(name)) return name;
    if (stack.includes(name)) return name;
    const text = readFileSync(abs, 'utf8');
    const ast = parseFbs(display(abs), text);
    const entry: Loaded = { ast, name, includes: [] };
    loaded.set(name, entry);
    for (const inc of ast.includes) {
      const candidates = [path.resolve(path.dirname(abs), inc.path), path.resolve(dir, inc.path)];
      const found = candidates.find((c) => {
        try {
          readFileSync(c);
          return true;
        } catch {
          return false;
        }
      });
      if (!found) throw new FbsError(inc.pos, `cannot find included file ${JSON.stringify(inc.path)}`);
      entry.includes.push(load(found, [...stack, name]));
    }
    return name;
  };
  for (const f of files) load(path.resolve(dir, f), []);

  return resolve([...loaded.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}

/** Resolves already parsed files (for tests); `name` of each file is its path. */
export function resolveParsed(files: readonly { name: string; ast: AstFile; includes?: string[] }[]): ResolvedSchemas {
  return resolve(files.map((f) => ({ ast: f.ast, name: f.name, includes: f.includes ?? [] })));
}

interface DeclEntry {
  readonly decl: AstTypeDecl;
  readonly file: Loaded;
  readonly fqn: string;
}

function resolve(files: readonly Loaded[]): ResolvedSchemas {
  const byName = new Map(files.map((f) => [f.name, f]));
  const decls = new Map<string, DeclEntry>();
  const shortNames = new Map<string, DeclEntry>();
  const docs = new Map<string, readonly string[]>();
  const kinds = new Map<string, 'enum' | 'union' | 'struct' | 'table'>();

  // Which files each file sees: itself and everything it includes, transitively.
  const visible = new Map<string, Set<string>>();
  const visibleFrom = (name: string): Set<string> => {
    let set = visible.get(name);
    if (set) return set;
    set = new Set([name]);
    visible.set(name, set);
    for (const inc of byName.get(name)?.includes ?? []) for (const v of visibleFrom(inc)) set.add(v);
    return set;
  };

  for (const file of files) {
    for (const decl of file.ast.types) {
      const fqn = decl.namespace ? `${decl.namespace}.${decl.name}` : decl.name;
      const earlier = decls.get(fqn);
      if (earlier) {
        throw new FbsError(decl.pos, `${fqn} is already declared at ${where(earlier.decl.pos)}`);
      }
      const entry: DeclEntry = { decl, file, fqn };
      const sameShort = shortNames.get(decl.name);
      if (sameShort) {
        throw new FbsError(
          decl.pos,
          `type name ${decl.name} is also used by ${sameShort.fqn} (${where(sameShort.decl.pos)}); ` +
            'generated TypeScript uses short names, so they must be unique across all schemas',
        );
      }
      if (RESERVED_TYPE_NAMES.has(decl.name)) {
        throw new FbsError(decl.pos, `type name ${decl.name} is reserved by the generated TypeScript; choose another`);
      }
      decls.set(fqn, entry);
      shortNames.set(decl.name, entry);
      kinds.set(fqn, decl.kind);
      if (decl.doc.length > 0) docs.set(fqn, decl.doc);
    }
  }

  const attributesOf = (file: Loaded): Set<string> => {
    const set = new Set<string>();
    for (const v of visibleFrom(file.name)) for (const a of byName.get(v)?.ast.attributes ?? []) set.add(a.name);
    return set;
  };

  const lookup = (name: string, from: DeclEntry, pos: SourcePos): DeclEntry => {
    const ns = from.decl.namespace ? from.decl.namespace.split('.') : [];
    for (let n = ns.length; n >= 0; n--) {
      const candidate = [...ns.slice(0, n), name].join('.');
      const found = decls.get(candidate);
      if (!found) continue;
      if (!visibleFrom(from.file.name).has(found.file.name)) {
        throw new FbsError(pos, `${candidate} is declared in ${found.file.name}, which ${from.file.name} does not include`);
      }
      return found;
    }
    throw new FbsError(pos, `unknown type ${name}`);
  };

  const enums: EnumDescriptor[] = [];
  const unions: UnionDescriptor[] = [];
  const structs: StructDescriptor[] = [];
  const tables: TableDescriptor[] = [];
  const enumByName = new Map<string, EnumDescriptor>();

  // Enums first: fields need their values for defaults.
  for (const entry of decls.values()) {
    if (entry.decl.kind !== 'enum') continue;
    const e = resolveEnum(entry.decl, entry.fqn, attributesOf(entry.file), docs);
    enums.push(e);
    enumByName.set(e.name, e);
  }
  for (const entry of decls.values()) {
    const decl = entry.decl;
    if (decl.kind === 'union') unions.push(resolveUnion(decl, entry, lookup, attributesOf(entry.file), docs));
  }
  for (const entry of decls.values()) {
    const decl = entry.decl;
    if (decl.kind === 'struct') structs.push(resolveStruct(decl, entry, lookup, enumByName, attributesOf(entry.file), docs));
  }
  checkStructCycles(structs, decls);
  for (const entry of decls.values()) {
    const decl = entry.decl;
    if (decl.kind === 'table') tables.push(resolveTable(decl, entry, lookup, enumByName, attributesOf(entry.file), docs));
  }
  for (const file of files) {
    for (const root of file.ast.rootTypes) {
      const fakeFrom: DeclEntry = {
        decl: { kind: 'table', name: '', namespace: root.namespace, metadata: [], fields: [], doc: [], pos: root.pos },
        file,
        fqn: '',
      };
      const found = lookup(root.name, fakeFrom, root.pos);
      if (found.decl.kind !== 'table') throw new FbsError(root.pos, `root_type ${root.name} is not a table`);
    }
  }

  return {
    source: { enums, unions, structs, tables },
    files: files.map((f) => ({
      name: f.name,
      types: f.ast.types.map((d) => (d.namespace ? `${d.namespace}.${d.name}` : d.name)),
    })),
    docs,
    kinds,
  };
}

function before(a: SourcePos, b: SourcePos): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

function where(pos: SourcePos): string {
  return `${pos.file}:${pos.line}`;
}

/** Checks attributes: built-ins this tool handles are listed in `allowed`; others must be declared custom ones. */
function customAttributes(
  list: readonly AstMetadata[],
  allowed: ReadonlySet<string>,
  declared: ReadonlySet<string>,
  what: string,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  const seen = new Set<string>();
  for (const m of list) {
    if (seen.has(m.name)) throw new FbsError(m.pos, `attribute ${m.name} given twice`);
    seen.add(m.name);
    if (allowed.has(m.name)) continue;
    if (UNSUPPORTED_ATTRIBUTES.has(m.name) || m.name === 'id' || m.name === 'deprecated' || m.name === 'required' || m.name === 'bit_flags') {
      if (!declared.has(m.name)) throw new FbsError(m.pos, `attribute ${m.name} is not supported on ${what} by the Gridlink schema tools`);
    }
    if (!declared.has(m.name)) {
      throw new FbsError(m.pos, `unknown attribute ${m.name}; declare it first with: attribute "${m.name}";`);
    }
    if (m.value.kind === 'none') out[m.name] = true;
    else if (m.value.kind === 'number') {
      const n = Number(m.value.text);
      if (!Number.isFinite(n)) throw new FbsError(m.pos, `attribute ${m.name}: ${m.value.text} is not a number`);
      out[m.name] = n;
    } else out[m.name] = m.value.text;
  }
  return out;
}

function resolveEnum(
  decl: AstEnum,
  fqn: string,
  declared: ReadonlySet<string>,
  docs: Map<string, readonly string[]>,
): EnumDescriptor {
  const u = decl.underlying;
  const base = u.kind === 'named' ? BASE_TYPES[u.name] : undefined;
  if (base === undefined || base === 'string' || base === 'bool' || base === 'float32' || base === 'float64') {
    throw new FbsError(u.pos, `enum ${decl.name}: the underlying type must be an integer type (byte, ubyte, short, ...)`);
  }
  const underlying: IntegerType = base;
  customAttributes(decl.metadata, new Set(['bit_flags']), declared, 'enums');
  const flags = decl.metadata.find((m) => m.name === 'bit_flags');
  if (flags && flags.value.kind !== 'none') throw new FbsError(flags.pos, 'bit_flags takes no value');
  const bitFlags = flags !== undefined;
  if (decl.values.length === 0) throw new FbsError(decl.pos, `enum ${decl.name} has no values`);
  const [min, max] = INTEGER_RANGE[underlying];
  const values: { name: string; value: number }[] = [];
  const names = new Set<string>();
  let previous: bigint | null = null;
  for (const v of decl.values) {
    if (names.has(v.name)) throw new FbsError(v.pos, `enum ${decl.name}: value ${v.name} is declared twice`);
    names.add(v.name);
    let n: bigint;
    if (v.value) {
      const parsed = parseInteger(v.value);
      if (parsed === null) throw new FbsError(v.value.pos, `expected an integer, got ${v.value.text}`);
      n = parsed;
    } else {
      n = previous === null ? 0n : previous + 1n;
    }
    if (previous !== null && n <= previous) {
      throw new FbsError(v.pos, `enum ${decl.name}: values must be ascending (${v.name} = ${n} after ${previous})`);
    }
    previous = n;
    let stored: bigint;
    if (bitFlags) {
      const bits = Math.min(INTEGER_BITS[underlying], 32);
      if (n < 0n || n >= BigInt(bits)) {
        throw new FbsError(v.pos, `bit_flags enum ${decl.name}: bit ${n} of ${v.name} must be from 0 to ${bits - 1}`);
      }
      stored = 1n << n;
    } else {
      if (n < min || n > max) throw new FbsError(v.pos, `enum ${decl.name}: ${v.name} = ${n} does not fit ${underlying}`);
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new FbsError(v.pos, `enum ${decl.name}: ${v.name} = ${n} is beyond 2^53, which these tools do not support`);
      }
      stored = n;
    }
    values.push({ name: v.name, value: Number(stored) });
    if (v.doc.length > 0) docs.set(`${fqn}.${v.name}`, v.doc);
  }
  return { name: fqn, underlying, ...(bitFlags ? { bitFlags: true } : {}), values };
}

type Lookup = (name: string, from: DeclEntry, pos: SourcePos) => DeclEntry;

function resolveUnion(
  decl: AstUnion,
  entry: DeclEntry,
  lookup: Lookup,
  declared: ReadonlySet<string>,
  docs: Map<string, readonly string[]>,
): UnionDescriptor {
  customAttributes(decl.metadata, new Set(), declared, 'unions');
  if (decl.members.length === 0) throw new FbsError(decl.pos, `union ${decl.name} has no members`);
  const members: { name: string; table: string; value: number }[] = [];
  const labels = new Set<string>();
  let previous = 0;
  for (const m of decl.members) {
    const target = lookup(m.name, entry, m.pos);
    if (target.decl.kind !== 'table') {
      throw new FbsError(m.pos, `union ${decl.name}: member ${m.name} must be a table (is a ${target.decl.kind})`);
    }
    const label = m.name.replace(/\./g, '_');
    if (label === 'NONE') throw new FbsError(m.pos, 'NONE is reserved in unions');
    if (labels.has(label)) throw new FbsError(m.pos, `union ${decl.name}: member ${m.name} is listed twice`);
    labels.add(label);
    let value = previous + 1;
    if (m.value) {
      const parsed = parseInteger(m.value);
      if (parsed === null || parsed < 1n || parsed > 255n) {
        throw new FbsError(m.value.pos, `union ${decl.name}: member value must be an integer from 1 to 255`);
      }
      value = Number(parsed);
    }
    if (value <= previous || value > 255) {
      throw new FbsError(m.pos, `union ${decl.name}: member values must be ascending and at most 255`);
    }
    previous = value;
    members.push({ name: label, table: target.fqn, value });
    if (m.doc.length > 0) docs.set(`${entry.fqn}.${label}`, m.doc);
  }
  return { name: entry.fqn, members };
}

function resolveStruct(
  decl: AstStructOrTable,
  entry: DeclEntry,
  lookup: Lookup,
  enumByName: ReadonlyMap<string, EnumDescriptor>,
  declared: ReadonlySet<string>,
  docs: Map<string, readonly string[]>,
): StructDescriptor {
  customAttributes(decl.metadata, new Set(), declared, 'structs');
  if (decl.fields.length === 0) throw new FbsError(decl.pos, `struct ${decl.name} has no fields`);
  const fields: StructFieldDescriptor[] = [];
  const names = new Set<string>();
  for (const f of decl.fields) {
    checkFieldName(f.name, f.pos, names);
    customAttributes(f.metadata, new Set(), declared, 'struct fields');
    if (f.default) throw new FbsError(f.default.pos, 'struct fields cannot have defaults');
    if (f.type.kind === 'vector') throw new FbsError(f.type.pos, 'struct fields cannot be vectors');
    const base = BASE_TYPES[f.type.name];
    let type: StructFieldDescriptor['type'];
    if (base === 'string') {
      throw new FbsError(f.type.pos, 'struct fields cannot be strings');
    } else if (base !== undefined) {
      type = { kind: 'scalar', scalar: base };
    } else {
      const target = lookup(f.type.name, entry, f.type.pos);
      if (target.decl.kind === 'enum') {
        const e = enumByName.get(target.fqn)!;
        rejectBitFlags(e, f.type.pos);
        if (!e.values.some((v) => v.value === 0)) {
          throw new FbsError(f.pos, `enum ${e.name} has no value 0, which struct field ${f.name} would start with`);
        }
        type = { kind: 'enum', name: target.fqn };
      } else if (target.decl.kind === 'struct') {
        type = { kind: 'struct', name: target.fqn };
      } else {
        throw new FbsError(f.type.pos, `struct fields can only be scalars, enums and structs, not a ${target.decl.kind}`);
      }
    }
    fields.push({ name: f.name, type });
    if (f.doc.length > 0) docs.set(`${entry.fqn}.${f.name}`, f.doc);
  }
  return { name: entry.fqn, fields };
}

function checkStructCycles(structs: readonly StructDescriptor[], decls: ReadonlyMap<string, DeclEntry>): void {
  const byName = new Map(structs.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new FbsError(decls.get(name)!.decl.pos, `struct ${name} contains itself`);
    }
    state.set(name, 'visiting');
    for (const f of byName.get(name)!.fields) if (f.type.kind === 'struct') visit(f.type.name);
    state.set(name, 'done');
  };
  for (const s of structs) visit(s.name);
}

function rejectBitFlags(e: EnumDescriptor, pos: SourcePos): void {
  if (e.bitFlags) {
    throw new FbsError(
      pos,
      `${e.name} is a bit_flags enum; flatc 2.0.8 emits TypeScript that does not compile for fields of such a type. ` +
        `Use its underlying type (${e.underlying}) for the field and name the enum in the doc comment`,
    );
  }
}

function checkFieldName(name: string, pos: SourcePos, names: Set<string>): void {
  if (name.startsWith('__')) throw new FbsError(pos, `field names cannot start with "__"`);
  if (names.has(name)) throw new FbsError(pos, `field ${name} is declared twice`);
  names.add(name);
}

function resolveTable(
  decl: AstStructOrTable,
  entry: DeclEntry,
  lookup: Lookup,
  enumByName: ReadonlyMap<string, EnumDescriptor>,
  declared: ReadonlySet<string>,
  docs: Map<string, readonly string[]>,
): TableDescriptor {
  const tableAttributes = customAttributes(decl.metadata, new Set(), declared, 'tables');
  let reply: string | undefined;
  if ('reply' in tableAttributes) {
    const meta = decl.metadata.find((m) => m.name === 'reply')!;
    if (meta.value.kind !== 'string') {
      throw new FbsError(meta.pos, 'reply takes the reply table\'s name as a string: (reply: "SomeReply")');
    }
    const target = lookup(meta.value.text, entry, meta.pos);
    if (target.decl.kind !== 'table') throw new FbsError(meta.pos, `reply ${meta.value.text} is not a table`);
    reply = target.fqn;
    delete tableAttributes['reply'];
  }

  const names = new Set<string>();
  const properties = new Map<string, string>();
  const withIds = decl.fields.filter((f) => f.metadata.some((m) => m.name === 'id'));
  if (withIds.length > 0 && withIds.length < decl.fields.length) {
    const missing = decl.fields.find((f) => !f.metadata.some((m) => m.name === 'id'))!;
    throw new FbsError(missing.pos, `field ${missing.name} has no id attribute, but others in ${decl.name} do; give all or none`);
  }
  let nextSlot = 0;
  const fields: FieldDescriptor[] = [];
  for (const f of decl.fields) {
    checkFieldName(f.name, f.pos, names);
    const property = fieldPropertyName(f.name);
    const clash = properties.get(property);
    if (clash !== undefined) {
      throw new FbsError(f.pos, `fields ${clash} and ${f.name} both become the property ${property} in TypeScript`);
    }
    properties.set(property, f.name);
    const attrs = customAttributes(f.metadata, new Set(['id', 'deprecated', 'required']), declared, 'table fields');
    const meta = (name: string): AstMetadata | undefined => f.metadata.find((m) => m.name === name);
    const deprecated = meta('deprecated');
    const required = meta('required');
    const idMeta = meta('id');
    for (const flag of [deprecated, required]) {
      if (flag && flag.value.kind !== 'none') throw new FbsError(flag.pos, `${flag.name} takes no value`);
    }

    const type = resolveFieldType(f.type, entry, lookup, enumByName);
    const scalarLike = type.kind === 'scalar' || type.kind === 'enum';
    let id: number;
    if (idMeta) {
      const parsed = idMeta.value.kind === 'number' ? parseInteger({ kind: 'number', text: idMeta.value.text, pos: idMeta.pos }) : null;
      if (parsed === null || parsed < 0n || parsed > 65535n) throw new FbsError(idMeta.pos, 'id must be an integer from 0 to 65535');
      id = Number(parsed);
      if (type.kind === 'union' && id === 0) throw new FbsError(idMeta.pos, 'a union field needs id >= 1 (its _type field takes id - 1)');
    } else {
      id = type.kind === 'union' ? nextSlot + 1 : nextSlot;
      nextSlot = id + 1;
    }
    if (required && scalarLike) throw new FbsError(required.pos, 'scalar fields cannot be required');
    if (required && deprecated) throw new FbsError(required.pos, 'a field cannot be both required and deprecated');
    if (type.kind === 'union') {
      const companion = `${f.name}_type`;
      if (decl.fields.some((other) => other.name === companion)) {
        throw new FbsError(f.pos, `field ${companion} clashes with the type field of union field ${f.name}`);
      }
    }

    const descriptor: {
      name: string;
      id: number;
      type: TypeDescriptor;
      default?: number | bigint | boolean;
      optional?: boolean;
      required?: boolean;
      deprecated?: boolean;
      attributes?: Record<string, AttributeValue>;
    } = { name: f.name, id, type };
    if (f.default) {
      if (!scalarLike) throw new FbsError(f.default.pos, 'only scalar and enum fields can have defaults');
      if (f.default.kind === 'ident' && f.default.text === 'null') {
        if (required) throw new FbsError(f.default.pos, 'an optional scalar (= null) cannot be required');
        descriptor.optional = true;
      } else {
        const value = resolveDefault(f.default, type, enumByName);
        if (value !== 0 && value !== 0n && value !== false) descriptor.default = value;
      }
    } else if (type.kind === 'enum') {
      const e = enumByName.get(type.name)!;
      if (!e.values.some((v) => v.value === 0)) {
        throw new FbsError(f.pos, `enum ${e.name} has no value 0, the default of ${f.name}; give a default (= ${e.values[0]!.name})`);
      }
    }
    if (required) descriptor.required = true;
    if (deprecated) descriptor.deprecated = true;
    if (Object.keys(attrs).length > 0) descriptor.attributes = attrs;
    fields.push(descriptor);
    if (f.doc.length > 0) docs.set(`${entry.fqn}.${f.name}`, f.doc);
  }
  if (withIds.length > 0) {
    const used = new Map<number, string>();
    for (const f of fields) {
      const slots = f.type.kind === 'union' ? [f.id - 1, f.id] : [f.id];
      for (const s of slots) {
        const other = used.get(s);
        if (other !== undefined) {
          const pos = decl.fields.find((x) => x.name === f.name)!.pos;
          throw new FbsError(pos, `id ${s} of ${f.name} is already taken by ${other}`);
        }
        used.set(s, f.name);
      }
    }
    for (let s = 0; s < used.size; s++) {
      if (!used.has(s)) throw new FbsError(decl.pos, `table ${decl.name}: ids must be 0..${used.size - 1} without gaps; ${s} is missing`);
    }
  }
  return {
    name: entry.fqn,
    fields,
    ...(reply !== undefined ? { reply } : {}),
    ...(Object.keys(tableAttributes).length > 0 ? { attributes: tableAttributes } : {}),
  };
}

function resolveFieldType(
  t: AstType,
  entry: DeclEntry,
  lookup: Lookup,
  enumByName: ReadonlyMap<string, EnumDescriptor>,
): TypeDescriptor {
  if (t.kind === 'vector') {
    if (t.element.kind === 'vector') throw new FbsError(t.element.pos, 'vectors of vectors are not supported; wrap the inner vector in a table');
    const element = resolveFieldType(t.element, entry, lookup, enumByName);
    if (element.kind === 'union') throw new FbsError(t.element.pos, 'vectors of unions are not supported');
    return { kind: 'vector', element: element as ElementTypeDescriptor };
  }
  const base = BASE_TYPES[t.name];
  if (base === 'string') return { kind: 'string' };
  if (base !== undefined) return { kind: 'scalar', scalar: base };
  const target = lookup(t.name, entry, t.pos);
  switch (target.decl.kind) {
    case 'enum': {
      rejectBitFlags(enumByName.get(target.fqn)!, t.pos);
      return { kind: 'enum', name: target.fqn };
    }
    case 'union':
      if (target.file === entry.file && before(t.pos, target.decl.pos)) {
        throw new FbsError(t.pos, `union ${t.name} must be declared before the field that uses it (flatc requires this)`);
      }
      return { kind: 'union', name: target.fqn };
    case 'struct':
      return { kind: 'struct', name: target.fqn };
    default:
      return { kind: 'table', name: target.fqn };
  }
}

function resolveDefault(
  lit: AstLiteral,
  type: TypeDescriptor,
  enumByName: ReadonlyMap<string, EnumDescriptor>,
): number | bigint | boolean {
  if (type.kind === 'enum') {
    const e = enumByName.get(type.name)!;
    if (lit.kind === 'ident') {
      const v = e.values.find((x) => x.name === lit.text);
      if (!v) throw new FbsError(lit.pos, `${lit.text} is not a value of enum ${e.name}`);
      return e.underlying === 'int64' || e.underlying === 'uint64' ? BigInt(v.value) : v.value;
    }
    const n = parseInteger(lit);
    if (n === null || !e.values.some((x) => BigInt(x.value) === n)) {
      throw new FbsError(lit.pos, `default ${lit.text} is not a value of enum ${e.name}`);
    }
    return e.underlying === 'int64' || e.underlying === 'uint64' ? n : Number(n);
  }
  if (type.kind !== 'scalar') throw new FbsError(lit.pos, 'only scalar and enum fields can have defaults');
  const scalar = type.scalar;
  if (scalar === 'bool') {
    if (lit.text === 'true' || lit.text === '1') return true;
    if (lit.text === 'false' || lit.text === '0') return false;
    throw new FbsError(lit.pos, `expected true or false, got ${lit.text}`);
  }
  if (scalar === 'float32' || scalar === 'float64') {
    if (/^[+-]?(inf|infinity|nan)$/i.test(lit.text)) {
      throw new FbsError(lit.pos, `${lit.text} defaults are not supported: flatc 2.0.8 writes them into TypeScript as undefined identifiers`);
    }
    if (lit.kind !== 'number' || !(FLOAT_LITERAL.test(lit.text) || INTEGER_LITERAL.test(lit.text))) {
      throw new FbsError(lit.pos, `expected a number, got ${lit.text}`);
    }
    const n = INTEGER_LITERAL.test(lit.text) ? Number(parseInteger(lit)) : Number(lit.text);
    return n;
  }
  const n = parseInteger(lit);
  if (n === null) throw new FbsError(lit.pos, `expected an integer, got ${lit.text}`);
  const [min, max] = INTEGER_RANGE[scalar];
  if (n < min || n > max) throw new FbsError(lit.pos, `default ${lit.text} does not fit ${scalar}`);
  return scalar === 'int64' || scalar === 'uint64' ? n : Number(n);
}
