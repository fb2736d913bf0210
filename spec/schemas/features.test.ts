/**
 * The codec on a fixture schema that uses every supported feature (unions,
 * structs with padding, optional scalars, explicit ids, deprecated fields,
 * 64-bit values, includes, custom attributes), cross-checked against flatc's
 * own JSON <-> binary conversion.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Builder } from 'flatbuffers/mjs/flatbuffers.js';
import { defineSchema } from '../../core/schema/schema.js';
import { MalformedMessageError, SchemaError } from '../../core/schema/errors.js';
import type { SchemaSource } from '../../core/schema/descriptor.js';
import { loadSchemas } from '../../tools/schemas/resolve.js';
import { Rng, sampleTable } from './samples.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const resolved = loadSchemas(fixtures, ['features.fbs'], fixtures);
const schema = defineSchema(resolved.source);
const Everything = schema.message<Record<string, unknown>>('test.features.Everything');
const Node = schema.message<Record<string, unknown>>('test.features.Node');
const work = mkdtempSync(path.join(tmpdir(), 'gridlink-features-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function flatc(args: string[]): void {
  execFileSync(process.env['FLATC'] ?? 'flatc', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('descriptors from the fixture schema', () => {
  it('number fields like flatc (deprecated fields keep their slot, unions take two) and keep attributes', () => {
    const everything = schema.table('test.features.Everything')!;
    const ids = Object.fromEntries(everything.fields.map((f) => [f.name, f.id]));
    expect(ids['b']).toBe(0);
    expect(ids['old']).toBe(29);
    expect(ids['payload']).toBe(31); // payload_type is 30
    expect(ids['leaf']).toBe(32);
    expect(everything.attributes).toEqual({ priority: 3 });
    expect(everything.fields.find((f) => f.name === 'f64')?.attributes).toEqual({ unit: 'V' });
    expect(everything.fields.find((f) => f.name === 'i64')?.default).toBe(-9007199254740993n);
    expect(everything.fields.find((f) => f.name === 'opt_c')?.optional).toBe(true);
    const withIds = schema.table('test.features.WithIds')!;
    expect(withIds.fields.map((f) => [f.name, f.id])).toEqual([['c', 2], ['a', 0], ['u', 4], ['b', 1]]);
    expect(schema.table('test.features.Ask')?.reply).toBe('test.features.Answer');
    expect(schema.enum('test.features.Color')?.values).toEqual([
      { name: 'Red', value: -1 },
      { name: 'Green', value: 0 },
      { name: 'Blue', value: 5 },
    ]);
    expect(schema.table('test.included.Included')?.fields[1]).toEqual({
      name: 'weight',
      id: 1,
      type: { kind: 'scalar', scalar: 'uint16' },
      default: 7,
    });
    expect(resolved.docs.get('test.features.Sample')).toEqual(['A struct with padding (bool, then double) and a nested struct.']);
    expect(resolved.files.map((f) => f.name)).toEqual(['features.fbs', 'included.fbs']);
  });
});

describe('codec on every feature', () => {
  it('round-trips samples of every fixture table through bytes and JSON', () => {
    const rng = new Rng(99);
    for (const [name, type] of schema.messageTypes) {
      for (let k = 0; k < 40; k++) {
        const value = sampleTable(schema, name, rng, { full: k < 3, maxDepth: 4, specialFloats: true });
        expect(type.decode(type.encode(value)), name).toEqual(value);
        expect(type.fromJson(JSON.parse(JSON.stringify(type.toJson(value)))), name).toEqual(value);
      }
    }
  });

  it('fills defaults, omits them on the wire, and leaves optional scalars absent', () => {
    const defaults = Everything.fromJson({});
    expect(defaults).toEqual({
      b: true, i8: -5, u8: 200, i16: 0, u16: 0, i32: -100000, u32: 0,
      i64: -9007199254740993n, u64: 18446744073709551615n, f32: 0.5, f64: -2.25,
      color: 'Blue', big: 'Huge',
    });
    const bytes = Everything.encode(defaults);
    expect(bytes.length).toBeLessThanOrEqual(16);
    expect(Everything.decode(bytes)).toEqual(defaults);
    expect(Everything.toJson(defaults)).toEqual({
      b: true, i8: -5, u8: 200, i16: 0, u16: 0, i32: -100000, u32: 0,
      i64: '-9007199254740993', u64: '18446744073709551615', f32: 0.5, f64: -2.25,
      color: 'Blue', big: 'Huge',
    });
    const optional = Everything.decode(Everything.encode({ ...defaults, optI: 0, optB: false, optC: 'Green', optD: -0 }));
    expect(optional).toMatchObject({ optI: 0, optB: false, optC: 'Green' });
    expect(Object.is(optional['optD'], -0)).toBe(true);
  });

  it('copies byte vectors out of the input, also when it is a Node Buffer', () => {
    const input = Buffer.from(Everything.encode({ bytes: new Uint8Array([1, 2, 3]) }));
    const value = Everything.decode(input);
    input.fill(0);
    expect(value['bytes']).toEqual(new Uint8Array([1, 2, 3]));
    expect((value['bytes'] as Uint8Array).constructor).toBe(Uint8Array);
    expect(Everything.toJson(value)).toMatchObject({ bytes: 'AQID' });
    expect(() => Everything.fromJson({ bytes: 'AQI' })).toThrowError('test.features.Everything.bytes: expected base64 (RFC 4648, padded), got "AQI"');
    expect(() => Everything.fromJson({ bytes: [1, 256] })).toThrowError('test.features.Everything.bytes[1]: expected an integer from 0 to 255, got 256');
  });

  it('limits nesting both ways and survives a cyclic value', () => {
    let deep: Record<string, unknown> = { label: 'leaf' };
    for (let i = 0; i < 62; i++) deep = { children: [deep] };
    expect(Node.decode(Node.encode(deep))).toEqual(deep);
    const tooDeep = { children: [{ children: [deep] }, {}] };
    expect(() => Node.encode(tooDeep)).toThrowError(/^test\.features\.Node(\.children\[0\]){64}: tables nested deeper than 64/);

    const cyclic: Record<string, unknown> = { label: 'loop' };
    cyclic['children'] = [cyclic];
    expect(() => Node.encode(cyclic)).toThrow(SchemaError);
    expect(() => Node.toJson(cyclic)).toThrow(SchemaError);

    // Hand-built 80 levels deep: the reader stops at 64.
    const b = new Builder(1024);
    b.startObject(4);
    let inner = b.endObject();
    for (let i = 0; i < 80; i++) {
      b.startVector(4, 1, 4);
      b.addOffset(inner);
      const children = b.endVector();
      b.startObject(4);
      b.addFieldOffset(0, children, 0);
      inner = b.endObject();
    }
    b.finish(inner);
    expect(() => Node.decode(b.asUint8Array())).toThrowError(/tables nested deeper than 64/);
    try {
      Node.decode(b.asUint8Array());
    } catch (e) {
      expect(e).toBeInstanceOf(MalformedMessageError);
    }
  });

  it('reports encode mistakes with their path', () => {
    expect(() => Everything.encode({ leaves: [{ name: 'a' }, {}] })).toThrowError(
      'test.features.Everything.leaves[1].name: required field is missing',
    );
    expect(() => Everything.encode({ payload: { type: 'Tree', value: {} } })).toThrowError(
      /^test\.features\.Everything\.payload: expected \{ type, value \} with type one of "Leaf", "Node"/,
    );
    expect(() => Everything.encode({ samples: [{ flag: true, t: 1, c: 'Green', pos: { x: 1 } }] })).toThrowError(
      'test.features.Everything.samples[0].pos.y: struct field is missing',
    );
    expect(() => Everything.encode({ u8: 256 })).toThrowError('test.features.Everything.u8: expected an integer from 0 to 255, got 256');
    expect(() => Everything.encode({ i64: 2n ** 63n })).toThrowError(/Everything\.i64: expected an integer from -9223372036854775808/);
    expect(() => Everything.encode({ bytes: [1, 2] })).toThrowError('test.features.Everything.bytes: expected a Uint8Array, got an array');
  });
});

describe('agreement with flatc 2.0.8', () => {
  it('flatc reads what the codec writes (binary -> flatc JSON -> fromJson)', () => {
    const value: Record<string, unknown> = {
      b: false, i8: -128, u8: 0, i16: -300, u16: 65535, i32: 2147483647, u32: 4294967295,
      i64: -9007199254740991n, u64: 9007199254740991n, f32: 1.5, f64: 1234.5,
      optI: 0, optD: -7.25, optB: true, optC: 'Red',
      s: 'Zähler ⚡ 𝄞 "quoted"',
      bytes: new Uint8Array([0, 1, 254, 255]),
      sbytes: [-128, 0, 127],
      ints: [1, -2, 3],
      longs: [0n, 42n],
      doubles: [0.25, -1e-10],
      bools: [true, false, true],
      strings: ['', 'a', 'b c'],
      colors: ['Red', 'Blue', 'Green'],
      samples: [
        { flag: true, t: 0.5, c: 'Blue', pos: { x: 1.5, y: -2.5 } },
        { flag: false, t: -8, c: 'Red', pos: { x: 0, y: 3.25 } },
      ],
      leaves: [{ name: 'l1' }, { name: 'l2' }],
      sample: { flag: true, t: 1e6, c: 'Green', pos: { x: 0.125, y: 8 } },
      color: 'Red',
      big: 'Small',
      payload: { type: 'Node', value: { label: 'n', children: [{ label: 'c' }], payload: { type: 'Leaf', value: { name: 'deep' } } } },
      leaf: { name: 'single' },
      inc: { note: 'from the include', weight: 9 },
    };
    writeFileSync(path.join(work, 'value.bin'), Everything.encode(value));
    flatc(['--json', '--strict-json', '--raw-binary', '-I', fixtures, '-o', work, path.join(fixtures, 'features.fbs'), '--', 'value.bin']);
    const json: unknown = JSON.parse(readFileSync(path.join(work, 'value.json'), 'utf8'));
    expect(Everything.fromJson(json)).toEqual(value);
  });

  it('the codec reads what flatc writes (flatc-style JSON -> flatc binary -> decode)', () => {
    const json = {
      b: false,
      i16: 1234,
      u64: 12345678901234,
      f32: -0.75,
      opt_i: -3,
      s: 'hello',
      bytes: [9, 8, 7],
      ints: [5, 6],
      longs: [1, 2, 3],
      colors: ['Blue', 'Red'],
      strings: ['x', 'yy'],
      samples: [{ flag: true, t: 2.5, c: 'Red', pos: { x: 1, y: 2 } }],
      leaves: [{ name: 'a' }],
      sample: { flag: false, t: -1, c: 'Blue', pos: { x: -1, y: 0.5 } },
      color: 'Green',
      big: 'Small',
      payload_type: 'Leaf',
      payload: { name: 'p' },
      inc: { note: 'n' },
    };
    writeFileSync(path.join(work, 'input.json'), JSON.stringify(json));
    flatc(['-b', '-I', fixtures, '-o', work, path.join(fixtures, 'features.fbs'), path.join(work, 'input.json')]);
    const bytes = new Uint8Array(readFileSync(path.join(work, 'input.bin')));
    expect(Everything.decode(bytes)).toEqual(Everything.fromJson(json));
  });

  it('agrees on WithIds, where field ids differ from declaration order', () => {
    const With = schema.message<Record<string, unknown>>('test.features.WithIds');
    const value = { c: 3, a: 1, u: { type: 'Leaf', value: { name: 'u' } }, b: 'two' };
    writeFileSync(path.join(work, 'ids.bin'), With.encode(value));
    writeFileSync(path.join(work, 'ids.fbs'), `include "features.fbs";\nroot_type test.features.WithIds;\n`);
    flatc(['--json', '--strict-json', '--raw-binary', '-I', fixtures, '-o', work, path.join(work, 'ids.fbs'), '--', 'ids.bin']);
    expect(JSON.parse(readFileSync(path.join(work, 'ids.json'), 'utf8'))).toEqual({ a: 1, b: 'two', c: 3, u_type: 'Leaf', u: { name: 'u' } });
  });
});

describe('bit_flags enums (descriptor level; flatc 2.0.8 cannot generate TypeScript for such fields)', () => {
  const source: SchemaSource = {
    enums: [
      {
        name: 't.Perm',
        underlying: 'uint32',
        bitFlags: true,
        values: [
          { name: 'Read', value: 1 },
          { name: 'Write', value: 2 },
          { name: 'Admin', value: 2 ** 31 },
        ],
      },
    ],
    unions: [],
    structs: [],
    tables: [
      {
        name: 't.Grant',
        fields: [
          { name: 'perms', id: 0, type: { kind: 'enum', name: 't.Perm' } },
          { name: 'history', id: 1, type: { kind: 'vector', element: { kind: 'enum', name: 't.Perm' } } },
        ],
      },
    ],
  };
  const Grant = defineSchema(source).message<{ perms: string[]; history?: string[][] }>('t.Grant');

  it('carries flags as lists of names, in bytes and in JSON', () => {
    const value = { perms: ['Read', 'Admin'], history: [[], ['Write'], ['Read', 'Write', 'Admin']] };
    const bytes = Grant.encode(value);
    expect(Grant.decode(bytes)).toEqual(value);
    expect(Grant.toJson(value)).toEqual(value);
    expect(Grant.fromJson({ perms: 'Admin Read' })).toEqual({ perms: ['Read', 'Admin'] });
    expect(Grant.fromJson({ perms: 3 })).toEqual({ perms: ['Read', 'Write'] });
    expect(Grant.decode(Grant.encode({ perms: [] }))).toEqual({ perms: [] });
    expect(() => Grant.fromJson({ perms: ['Read', 'Fly'] })).toThrowError('t.Grant.perms[1]: expected one of "Read", "Write", "Admin" (t.Perm), got "Fly"');
    expect(() => Grant.fromJson({ perms: 4 })).toThrowError('t.Grant.perms: 4 is not a combination of the flags of t.Perm');
  });

  it('rejects unknown bits when decoding', () => {
    const b = new Builder(32);
    b.startObject(2);
    b.addFieldInt32(0, 1 | 4, 0);
    b.finish(b.endObject());
    expect(() => Grant.decode(b.asUint8Array())).toThrowError('t.Grant.perms: unknown bits in flags t.Perm (value 5)');
  });
});
