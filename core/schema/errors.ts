/**
 * Errors of the schema codec. Both carry the message type and the path of the
 * offending field, e.g. "gridlink.bus.Hello.record.roles[2].name".
 */

/** A value or JSON document does not fit its schema (encode, fromJson, toJson). */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  /** Path of the offending field, starting with the message type name. */
  readonly path: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/** Bytes are not a valid FlatBuffer of the expected message type (decode, verify). */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
  /** Path of the field being read when the problem showed, starting with the message type name. */
  readonly path: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Internal: raised deep inside a walk and completed with the path on the way
 * out, so no path is built unless something fails.
 * @internal
 */
export class PathFault {
  /** Path segments from the innermost outwards: ".field" or "[3]". */
  readonly segments: string[] = [];
  constructor(readonly reason: string) {}

  at(segment: string): this {
    this.segments.push(segment);
    return this;
  }

  pathFrom(root: string): string {
    let path = root;
    for (let i = this.segments.length - 1; i >= 0; i--) path += this.segments[i];
    return path;
  }
}

/** A short, safe rendering of an unexpected JSON or JS value for error messages. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const s = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return JSON.stringify(s);
    }
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'nothing';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      if (value instanceof Uint8Array) return 'a Uint8Array';
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}
