/**
 * A linked set of schemas and the MessageType of each of its tables. The
 * generated schemas/generated/messages.ts calls defineSchema once with the
 * descriptors of every schemas/*.fbs and exports one typed constant per table.
 */
import { decodeRoot, encodeRoot } from './binary.js';
import type {
  EnumDescriptor,
  SchemaSource,
  StructDescriptor,
  TableDescriptor,
  UnionDescriptor,
} from './descriptor.js';
import { MalformedMessageError, PathFault, SchemaError } from './errors.js';
import { tableFromJson, tableToJson } from './json.js';
import { type LinkedSchema, type TableInfo, linkSchema } from './compiled.js';
import type { MessageType, RequestType } from './message-type.js';

/** The MessageType of one table, driven by its descriptor. */
export class TableMessageType<T> implements MessageType<T> {
  readonly name: string;
  /** @internal */
  readonly info: TableInfo;
  readonly descriptor: TableDescriptor;

  /** @internal */
  constructor(info: TableInfo) {
    this.info = info;
    this.name = info.name;
    this.descriptor = info.descriptor;
  }

  encode(value: T): Uint8Array {
    try {
      return encodeRoot(this.info, value);
    } catch (e) {
      throw e instanceof PathFault ? new SchemaError(e.pathFrom(this.name), e.reason) : e;
    }
  }

  decode(bytes: Uint8Array): T {
    if (!(bytes instanceof Uint8Array)) {
      throw new MalformedMessageError(this.name, 'expected a Uint8Array');
    }
    try {
      return decodeRoot(this.info, bytes) as T;
    } catch (e) {
      if (e instanceof PathFault) throw new MalformedMessageError(e.pathFrom(this.name), e.reason);
      // Not reachable by design (every read is bounds-checked first); kept so
      // that bad bytes can never surface as anything but MalformedMessageError.
      throw new MalformedMessageError(this.name, `internal decoder error: ${String(e)}`);
    }
  }

  fromJson(json: unknown): T {
    try {
      return tableFromJson(this.info, json, 0) as T;
    } catch (e) {
      throw e instanceof PathFault ? new SchemaError(e.pathFrom(this.name), e.reason) : e;
    }
  }

  toJson(value: T): unknown {
    try {
      return tableToJson(this.info, value, 0);
    } catch (e) {
      throw e instanceof PathFault ? new SchemaError(e.pathFrom(this.name), e.reason) : e;
    }
  }
}

/** The MessageType of a request table (`(reply: "X")` in the schema). */
export class TableRequestType<T, R> extends TableMessageType<T> implements RequestType<T, R> {
  readonly reply: MessageType<R>;

  /** @internal */
  constructor(info: TableInfo, reply: MessageType<R>) {
    super(info);
    this.reply = reply;
  }
}

/** A linked set of schemas: descriptors plus the MessageType of every table. */
export class Schema {
  readonly source: SchemaSource;
  /** Every table's MessageType (RequestType for requests), keyed by fully qualified name. */
  readonly messageTypes: ReadonlyMap<string, MessageType<unknown>>;
  private readonly linked: LinkedSchema;
  private readonly types = new Map<string, TableMessageType<unknown>>();
  private readonly enums: ReadonlyMap<string, EnumDescriptor>;
  private readonly unions: ReadonlyMap<string, UnionDescriptor>;
  private readonly structs: ReadonlyMap<string, StructDescriptor>;
  private readonly tables: ReadonlyMap<string, TableDescriptor>;

  constructor(source: SchemaSource) {
    this.source = source;
    this.linked = linkSchema(source);
    this.enums = new Map(source.enums.map((d) => [d.name, d]));
    this.unions = new Map(source.unions.map((d) => [d.name, d]));
    this.structs = new Map(source.structs.map((d) => [d.name, d]));
    this.tables = new Map(source.tables.map((d) => [d.name, d]));
    for (const t of source.tables) this.typeOf(t.name, []);
    this.messageTypes = this.types;
  }

  private typeOf(name: string, stack: string[]): TableMessageType<unknown> {
    const existing = this.types.get(name);
    if (existing) return existing;
    const info = this.linked.tables.get(name);
    if (!info) throw new Error(`schema: unknown table ${name}`);
    let type: TableMessageType<unknown>;
    if (info.reply) {
      if (stack.includes(name)) throw new Error(`schema: reply chain of ${name} loops`);
      const reply = this.typeOf(info.reply.name, [...stack, name]);
      type = new TableRequestType<unknown, unknown>(info, reply);
    } else {
      type = new TableMessageType<unknown>(info);
    }
    this.types.set(name, type);
    return type;
  }

  /** The MessageType of a table; throws if the schema has no such table. */
  message<T>(name: string): MessageType<T> {
    const type = this.types.get(name);
    if (!type) throw new Error(`schema: unknown table ${name}`);
    return type as unknown as MessageType<T>;
  }

  /** The RequestType of a request table; throws if it is unknown or declares no reply. */
  request<T, R>(name: string): RequestType<T, R> {
    const type = this.types.get(name);
    if (!(type instanceof TableRequestType)) throw new Error(`schema: ${name} is not a request table`);
    return type as unknown as RequestType<T, R>;
  }

  /** A table's descriptor by fully qualified name. */
  table(name: string): TableDescriptor | undefined {
    return this.tables.get(name);
  }

  /** A struct's descriptor by fully qualified name. */
  struct(name: string): StructDescriptor | undefined {
    return this.structs.get(name);
  }

  /** An enum's descriptor by fully qualified name. */
  enum(name: string): EnumDescriptor | undefined {
    return this.enums.get(name);
  }

  /** A union's descriptor by fully qualified name. */
  union(name: string): UnionDescriptor | undefined {
    return this.unions.get(name);
  }
}

/** Links a set of descriptors; throws Error when they are inconsistent. */
export function defineSchema(source: SchemaSource): Schema {
  return new Schema(source);
}

/** The table descriptor behind a MessageType made by this codec, or undefined for other implementations. */
export function tableDescriptorOf(type: MessageType<unknown>): TableDescriptor | undefined {
  return type instanceof TableMessageType ? type.descriptor : undefined;
}

/** Whether a MessageType is a request type (has a reply type). */
export function isRequestType(type: MessageType<unknown>): type is RequestType<unknown, unknown> {
  return 'reply' in type && typeof (type as { reply?: unknown }).reply === 'object';
}
