/**
 * A message type that crosses a process boundary: one FlatBuffers table of
 * schemas/*.fbs. Generated code (schemas/generated/messages.ts) gives one
 * constant of this shape per table, so modules, tools and gateways encode and
 * decode every message the same way.
 */
export interface MessageType<T> {
  /** Fully qualified FlatBuffers name, e.g. "gridlink.storage.AddEntry". */
  readonly name: string;
  /** Encodes a value to a finished FlatBuffer (a fresh array the caller owns). */
  encode(value: T): Uint8Array;
  /** Decodes and bounds-checks a FlatBuffer; throws MalformedMessageError on bad bytes. */
  decode(bytes: Uint8Array): T;
  /** Validates JSON (as parsed by JSON.parse) into a value; throws SchemaError saying what and where. */
  fromJson(json: unknown): T;
  /** A JSON-safe view of a value (64-bit integers become decimal strings when beyond 2^53). */
  toJson(value: T): unknown;
}

/** Extracts the value type of a MessageType. */
export type MessageOf<M> = M extends MessageType<infer T> ? T : never;

/**
 * A request message type: a table marked `(reply: "X")` in its schema. The
 * handler of a request answers with a value of the reply type.
 */
export interface RequestType<T, R> extends MessageType<T> {
  /** The type of the successful answer. */
  readonly reply: MessageType<R>;
}

/** Extracts the reply value type of a RequestType. */
export type ReplyOf<M> = M extends RequestType<unknown, infer R> ? R : never;
