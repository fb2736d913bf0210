/**
 * Value codec id 5 (model byte: delta / delta² / smoothed level predictor, deflate or brotli
 * payload): the variants are chosen where they are smaller, round-trip bit-exactly with special
 * values as exceptions, and forged streams fail with CorruptChunkError.
 */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptChunkError, VAL_ENT_DELTA, VAL_ENT_DOD, VAL_ENT_MODEL, crc32, decodeChunk, decodeChunkInto, encodeChunk } from '../../core/storacle/codec/index.js';
import { prng } from '../../tools/bench/prng.js';

const T0 = Date.UTC(2026, 10, 1);
const HEADER = 36;

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function roundTrip(ts: Float64Array, vs: Float64Array): Uint8Array {
  const bytes = encodeChunk(ts, vs);
  const out = decodeChunk(bytes);
  expect(sameBits(out.timestamps, ts)).toBe(true);
  expect(sameBits(out.values, vs)).toBe(true);
  const t = new Float64Array(ts.length + 2);
  const v = new Float64Array(ts.length + 2);
  expect(decodeChunkInto(bytes, t, v, 1)).toBe(ts.length);
  expect(sameBits(v.subarray(1, 1 + ts.length), vs)).toBe(true);
  return bytes;
}

/** A meter channel: level + white noise at 0.01 resolution, occasional steps (the level predictor's case). */
function noisyLevel(n: number, seed: number, noise = 2, clock: 'regular' | 'irregular' = 'regular'): { ts: Float64Array; vs: Float64Array } {
  const rnd = prng(seed);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let level = 23_000;
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += clock === 'regular' ? 1000 : 1 + Math.floor(rnd() ** 3 * 90_000);
    ts[i] = t;
    if (rnd() < 0.003) level += Math.round((rnd() - 0.5) * 2000);
    const gauss = (rnd() + rnd() + rnd() + rnd() - 2) * 1.7;
    vs[i] = Math.round(level + noise * gauss) / 100;
  }
  return { ts, vs };
}

/** A load shape: piecewise constant at 3 decimals, returning to a base level (brotli's case). */
function loadShape(n: number, seed: number): { ts: Float64Array; vs: Float64Array } {
  const rnd = prng(seed);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  const base = 0.053;
  let v = base;
  for (let i = 0; i < n; i++) {
    ts[i] = T0 + i * 60_000;
    const u = rnd();
    if (u < 0.02) v = Math.round((0.1 + rnd() * 3) * 1000) / 1000;
    else if (u < 0.06) v = base;
    vs[i] = v;
  }
  return { ts, vs };
}

const SPECIAL_BITS: Array<[number, number]> = [
  [0x7ff80000, 0x1234], // NaN with payload
  [0x7ff00000, 0], // +Infinity
  [0xfff00000, 0], // -Infinity
  [0x80000000, 0], // -0
  [0x00000000, 1], // smallest subnormal
  [0x7fefffff, 0xffffffff], // largest double
];

function withSpecials(vs: Float64Array, every: number): Float64Array {
  const out = vs.slice();
  const words = new Uint32Array(out.buffer);
  for (let i = 3, k = 0; i < out.length; i += every, k++) {
    const [hi, lo] = SPECIAL_BITS[k % SPECIAL_BITS.length] as [number, number];
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
  }
  return out;
}

/** Offset of the model byte (after the exception list) in a version 1 chunk with no exceptions. */
function modelAt(bytes: Uint8Array): number {
  expect(bytes[4]).toBe(1);
  const tsLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(28, true);
  expect(bytes[HEADER + tsLen]).toBe(0); // no exceptions
  return HEADER + tsLen + 1;
}

/** The same data in the first header layout, whose fields sit at fixed offsets. */
function fixed(ts: Float64Array, vs: Float64Array): Uint8Array {
  const bytes = encodeChunk(ts, vs, { version: 1 });
  expect(sameBits(decodeChunk(bytes).values, vs)).toBe(true);
  return bytes;
}

function reseal(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.length).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

describe('value codec 5: choice and round trips', () => {
  it('a noisy meter channel takes the level predictor (model predictor 2) and is smaller than deltas', () => {
    const { ts, vs } = noisyLevel(4096, 1);
    const bytes = roundTrip(ts, vs);
    expect(bytes[6]).toBe(VAL_ENT_MODEL);
    expect((fixed(ts, vs)[modelAt(fixed(ts, vs))] ?? 0) & 3).toBe(2);
    // The same values with the level predictor out of reach (beyond 2^22 once scaled) take deltas.
    const big = vs.map((v) => v + 100_000);
    const plain = roundTrip(ts, big);
    expect([VAL_ENT_DELTA, VAL_ENT_DOD]).toContain(plain[6]);
    expect(bytes.length).toBeLessThan(plain.length * 0.95);
  });

  it('a piecewise-constant load shape takes a brotli payload (model bit 2) and is smaller than deflate', () => {
    const { ts, vs } = loadShape(1440, 2);
    const bytes = roundTrip(ts, vs);
    expect(bytes[6]).toBe(VAL_ENT_MODEL);
    expect(((fixed(ts, vs)[modelAt(fixed(ts, vs))] ?? 0) >> 2) & 1).toBe(1);
  });

  it('round-trips bit-exactly with NaN payloads, ±Infinity, -0, subnormals and huge values as exceptions, irregular clocks, all lengths', () => {
    for (const n of [1, 2, 3, 5, 17, 1000, 4096, 8192]) {
      for (const seed of [3, 4]) {
        const level = noisyLevel(n, seed, 5, seed === 3 ? 'regular' : 'irregular');
        roundTrip(level.ts, level.vs);
        roundTrip(level.ts, withSpecials(level.vs, 97));
        const shape = loadShape(n, seed);
        roundTrip(shape.ts, shape.vs);
        roundTrip(shape.ts, withSpecials(shape.vs, 131));
      }
    }
    // Integers right at the predictor's bound (2^22 - 1 once scaled), and a reset on every record.
    const ts = Float64Array.from({ length: 600 }, (_, i) => T0 + i * 1000);
    const edge = Float64Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? 4_194_303 : -4_194_303 + (i % 7)) / 100);
    roundTrip(ts, edge);
    const wobble = Float64Array.from({ length: 600 }, (_, i) => (4_194_000 + ((i * 37) % 300)) / 100);
    roundTrip(ts, wobble);
  });
});

describe('value codec 5: forged streams fail with CorruptChunkError', () => {
  const level = encodeChunk(noisyLevel(2048, 9).ts, noisyLevel(2048, 9).vs, { version: 1 });
  const brotli = encodeChunk(loadShape(1440, 10).ts, loadShape(1440, 10).vs, { version: 1 });

  it('the fixtures use the level predictor and brotli', () => {
    expect(level[6]).toBe(VAL_ENT_MODEL);
    expect(brotli[6]).toBe(VAL_ENT_MODEL);
    expect((level[modelAt(level)] ?? 0) & 3).toBe(2);
    expect(((brotli[modelAt(brotli)] ?? 0) >> 2) & 1).toBe(1);
  });

  it('unknown predictor, unknown shift, a shift on a non-level predictor', () => {
    for (const [chunk, model] of [
      [level, 3],
      [level, 2 | (9 << 3)],
      [brotli, 0 | (1 << 2) | (3 << 3)],
    ] as const) {
      const bad = chunk.slice();
      bad[modelAt(bad)] = model;
      expect(() => decodeChunk(reseal(bad))).toThrow(CorruptChunkError);
    }
  });

  it('a payload read with the other compressor, and flipped payload bytes, fail cleanly', () => {
    for (const chunk of [level, brotli]) {
      const swapped = chunk.slice();
      swapped[modelAt(swapped)] = (swapped[modelAt(swapped)] ?? 0) ^ (1 << 2);
      expect(() => decodeChunk(reseal(swapped))).toThrow(CorruptChunkError);
      let corrupt = 0;
      for (let at = modelAt(chunk) + 3; at < chunk.length - 4; at += 3) {
        const bad = chunk.slice();
        bad[at] = (bad[at] ?? 0) ^ 0x5a;
        try {
          const out = decodeChunk(reseal(bad));
          expect(out.values.length).toBe(decodeChunk(chunk).values.length);
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptChunkError);
          corrupt++;
        }
      }
      expect(corrupt).toBeGreaterThan(0);
    }
  });

  it('a level residual that leaves the predictor range is refused', () => {
    // A level chunk whose raw residuals are rebuilt by hand: n0 = 4,194,300, then +100 (beyond 2^22).
    const ts = Float64Array.from({ length: 3 }, (_, i) => T0 + i * 1000);
    const chunk = encodeChunk(ts, new Float64Array([1, 2, 3]), { version: 1 });
    const tsLen = new DataView(chunk.buffer).getUint32(28, true);
    const zig = (v: number): number[] => {
      let z = v < 0 ? -2 * v - 1 : 2 * v;
      const out: number[] = [];
      while (z >= 128) {
        out.push((z % 128) | 128);
        z = Math.floor(z / 128);
      }
      out.push(z);
      return out;
    };
    const raw = [...zig(4_194_300), ...zig(100), ...zig(0)];
    const payload = deflateRawSync(Uint8Array.from(raw));
    const stream = [0, 2 | (3 << 3), 32, raw.length, ...payload];
    const forged = new Uint8Array(HEADER + tsLen + stream.length + 4);
    forged.set(chunk.subarray(0, HEADER + tsLen));
    forged.set(stream, HEADER + tsLen);
    forged[6] = VAL_ENT_MODEL;
    forged[7] = 0;
    new DataView(forged.buffer).setUint32(32, stream.length, true);
    expect(() => decodeChunk(reseal(forged))).toThrow(/beyond the level predictor's range/);
  });
});
