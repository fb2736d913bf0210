/**
 * Type descriptors: a plain-data description of the FlatBuffers schemas
 * (schemas/*.fbs), as emitted by tools/schemas into schemas/generated/messages.ts.
 * The codec (codec.ts) links them once and drives encode, decode and the JSON
 * mapping from them. Every name here is fully qualified ("gridlink.bus.Envelope");
 * field names are the schema's (snake_case).
 */

/** Integer scalar types, named by width as in FlatBuffers' canonical aliases. */
export type IntegerType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

/** Every scalar type. */
export type ScalarType = 'bool' | IntegerType | 'float32' | 'float64';

/** What a vector may hold: anything but another vector or a union. */
export type ElementTypeDescriptor =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'string' }
  | { readonly kind: 'enum'; readonly name: string }
  | { readonly kind: 'struct'; readonly name: string }
  | { readonly kind: 'table'; readonly name: string };

/** The type of a table field. */
export type TypeDescriptor =
  | ElementTypeDescriptor
  | { readonly kind: 'union'; readonly name: string }
  | { readonly kind: 'vector'; readonly element: ElementTypeDescriptor };

export interface EnumValueDescriptor {
  readonly name: string;
  /** The stored value; for bit_flags enums the mask (1 << bit). */
  readonly value: number;
}

export interface EnumDescriptor {
  readonly name: string;
  readonly underlying: IntegerType;
  /** A bit_flags enum: a field holds a set of its values. */
  readonly bitFlags?: boolean;
  readonly values: readonly EnumValueDescriptor[];
}

export interface UnionMemberDescriptor {
  /** The member's name as written in the schema (the table's short name). */
  readonly name: string;
  /** Fully qualified table name. */
  readonly table: string;
  /** The type code stored in the `<field>_type` slot (never 0, which is NONE). */
  readonly value: number;
}

export interface UnionDescriptor {
  readonly name: string;
  readonly members: readonly UnionMemberDescriptor[];
}

export interface StructFieldDescriptor {
  readonly name: string;
  readonly type:
    | { readonly kind: 'scalar'; readonly scalar: ScalarType }
    | { readonly kind: 'enum'; readonly name: string }
    | { readonly kind: 'struct'; readonly name: string };
}

export interface StructDescriptor {
  readonly name: string;
  readonly fields: readonly StructFieldDescriptor[];
}

/** A custom or built-in attribute value: `(name)`, `(name: 3)` or `(name: "text")`. */
export type AttributeValue = string | number | true;

export interface FieldDescriptor {
  readonly name: string;
  /**
   * The field's vtable slot. A union field occupies two slots: `id - 1` holds
   * its type code, `id` the value.
   */
  readonly id: number;
  readonly type: TypeDescriptor;
  /**
   * Default of a scalar or enum field (enums: the numeric value; 64-bit
   * integers: a bigint). Absent means zero / false.
   */
  readonly default?: number | bigint | boolean;
  /** An optional scalar (`= null` in the schema): absent unless set. */
  readonly optional?: boolean;
  readonly required?: boolean;
  /** Kept on the wire for compatibility; never written, never read. */
  readonly deprecated?: boolean;
  /** Attributes other than id, required and deprecated. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface TableDescriptor {
  readonly name: string;
  readonly fields: readonly FieldDescriptor[];
  /** For a request table: the fully qualified name of its reply table. */
  readonly reply?: string;
  /** Attributes other than reply. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Every type of a set of schemas. */
export interface SchemaSource {
  readonly enums: readonly EnumDescriptor[];
  readonly unions: readonly UnionDescriptor[];
  readonly structs: readonly StructDescriptor[];
  readonly tables: readonly TableDescriptor[];
}

/**
 * The name flatc gives a field's accessor in TypeScript (and the property
 * name in generated interfaces): each underscore followed by a character is
 * dropped and that character upper-cased, as flatc 2.0.8's MakeCamel does.
 * "timestamp_ms" -> "timestampMs", "confidence_95" -> "confidence95".
 */
export function fieldPropertyName(schemaName: string): string {
  let out = '';
  for (let i = 0; i < schemaName.length; i++) {
    const c = schemaName[i]!;
    if (c === '_' && i + 1 < schemaName.length) {
      out += schemaName[++i]!.toUpperCase();
    } else {
      out += c;
    }
  }
  return out;
}

/** The last component of a fully qualified name. */
export function shortName(qualifiedName: string): string {
  const dot = qualifiedName.lastIndexOf('.');
  return dot < 0 ? qualifiedName : qualifiedName.slice(dot + 1);
}
