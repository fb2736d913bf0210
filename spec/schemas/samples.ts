/**
 * Sample values generated from type descriptors, for round-trip and fuzz
 * tests. Deterministic for a given seed.
 */
import type { Schema } from '../../core/schema/schema.js';
import type { ElementTypeDescriptor, ScalarType, TypeDescriptor } from '../../core/schema/descriptor.js';
import { fieldPropertyName } from '../../core/schema/descriptor.js';

/** A small seeded PRNG (mulberry32): deterministic test data without dependencies. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

export interface SampleOptions {
  /** Include every optional field (true) or each with probability 0.7 (false). */
  readonly full: boolean;
  /** Tables nested deeper than this get only required fields. */
  readonly maxDepth: number;
  /** Allow NaN and infinities in floats (they do not survive every JSON tool). */
  readonly specialFloats: boolean;
}

const STRINGS = ['', 'meterA.u1', 'feeder3', 'Zähler ⚡ Ünterwerk', 'emoji 🔌𝄞', 'x'.repeat(40), 'line\nbreak "quoted"', '\u0000nul'];

const INT_LIMITS: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

function sampleScalar(scalar: ScalarType, rng: Rng, options: SampleOptions): number | bigint | boolean {
  switch (scalar) {
    case 'bool':
      return rng.bool();
    case 'int64': {
      const choices = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, BigInt(rng.int(1e9)) * 1000003n - 5n];
      return rng.pick(choices);
    }
    case 'uint64': {
      const choices = [0n, 2n ** 64n - 1n, 2n ** 53n + 1n, BigInt(rng.int(1e9)) * 7919n];
      return rng.pick(choices);
    }
    case 'float32':
    case 'float64': {
      if (options.specialFloats && rng.bool(0.1)) return rng.pick([Number.NaN, Infinity, -Infinity]);
      const raw = rng.pick([0, 1, -1.5, 230.125, 1e-300, 1.7e308, rng.next() * 1e6 - 5e5]);
      return scalar === 'float32' ? Math.fround(raw === 1e-300 ? 1e-30 : raw === 1.7e308 ? 3.0e38 : raw) : raw;
    }
    default: {
      const [min, max] = INT_LIMITS[scalar]!;
      return rng.pick([min, max, 0, min + rng.int(max - min + 1)]);
    }
  }
}

/** A value for the table `name` of `schema`, as the codec's TypeScript values look. */
export function sampleTable(schema: Schema, name: string, rng: Rng, options: SampleOptions, depth = 0): Record<string, unknown> {
  const table = schema.table(name);
  if (!table) throw new Error(`no table ${name}`);
  const out: Record<string, unknown> = {};
  for (const f of table.fields) {
    if (f.deprecated) continue;
    const key = fieldPropertyName(f.name);
    const scalarLike = f.type.kind === 'scalar' || f.type.kind === 'enum';
    if (scalarLike && !f.optional) {
      out[key] = sampleOf(schema, f.type, rng, options, depth);
      continue;
    }
    const include = f.required || (depth < options.maxDepth && (options.full || rng.bool(0.7)));
    if (include) out[key] = sampleOf(schema, f.type, rng, options, depth);
  }
  return out;
}

function sampleOf(schema: Schema, type: TypeDescriptor, rng: Rng, options: SampleOptions, depth: number): unknown {
  switch (type.kind) {
    case 'union': {
      const u = schema.union(type.name)!;
      const m = rng.pick(u.members);
      return { type: m.name, value: sampleTable(schema, m.table, rng, options, depth + 1) };
    }
    case 'vector': {
      if (type.element.kind === 'scalar' && type.element.scalar === 'uint8') return rng.bytes(rng.int(9));
      const n = options.full ? 1 + rng.int(3) : rng.int(4);
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) items.push(sampleElement(schema, type.element, rng, options, depth));
      return items;
    }
    default:
      return sampleElement(schema, type, rng, options, depth);
  }
}

function sampleElement(schema: Schema, type: ElementTypeDescriptor, rng: Rng, options: SampleOptions, depth: number): unknown {
  switch (type.kind) {
    case 'scalar':
      return sampleScalar(type.scalar, rng, options);
    case 'string':
      return rng.pick(STRINGS);
    case 'enum': {
      const e = schema.enum(type.name)!;
      if (e.bitFlags) return e.values.filter(() => rng.bool()).map((v) => v.name);
      return rng.pick(e.values).name;
    }
    case 'struct': {
      const s = schema.struct(type.name)!;
      const out: Record<string, unknown> = {};
      for (const f of s.fields) out[fieldPropertyName(f.name)] = sampleElement(schema, f.type, rng, options, depth);
      return out;
    }
    case 'table':
      return sampleTable(schema, type.name, rng, options, depth + 1);
  }
}
