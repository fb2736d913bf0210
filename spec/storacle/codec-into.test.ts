import { describe, expect, it } from 'vitest';
import {
  CHUNK_VERSION,
  CorruptChunkError,
  chunkRecordCount,
  crc32,
  decodeChunk,
  decodeChunkInto,
  encodeChunk,
} from '../../core/storacle/codec/index.js';
import { prng } from '../../tools/bench/prng.js';

/** The raw 64 bits of a[i] as two words, so NaN payloads and -0 compare exactly. */
function bitsAt(a: Float64Array, i: number): string {
  const u = new Uint32Array(a.buffer, a.byteOffset + i * 8, 2);
  return `${u[1].toString(16)}:${u[0].toString(16)}`;
}

/** Index of the first element of `got[offset ..]` whose bits differ from `want`, or -1. */
function firstDifference(got: Float64Array, offset: number, want: Float64Array): number {
  for (let i = 0; i < want.length; i++) if (bitsAt(got, offset + i) !== bitsAt(want, i)) return i;
  return -1;
}

function setBits(arr: Float64Array, i: number, hi: number, lo: number): void {
  const u = new Uint32Array(arr.buffer, arr.byteOffset, arr.length * 2);
  u[2 * i] = lo;
  u[2 * i + 1] = hi;
}

const T0 = Date.UTC(2026, 10, 1);
const SENTINEL_HI = 0x7ff8dead; // a NaN payload no decoder writes by accident
const SENTINEL_LO = 0xbeef;

function sentinelArray(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) setBits(a, i, SENTINEL_HI, SENTINEL_LO);
  return a;
}

function isSentinel(a: Float64Array, i: number): boolean {
  return bitsAt(a, i) === `${SENTINEL_HI.toString(16)}:${SENTINEL_LO.toString(16)}`;
}

/** Decodes `bytes` at `offset` into arrays with room around it; checks bits and untouched margins. */
function expectIntoRoundTrip(ts: Float64Array, vs: Float64Array, offset: number, slack = 3): Uint8Array {
  const bytes = encodeChunk(ts, vs);
  const n = ts.length;
  const t = sentinelArray(offset + n + slack);
  const v = sentinelArray(offset + n + slack);
  expect(decodeChunkInto(bytes, t, v, offset)).toBe(n);
  expect(firstDifference(t, offset, ts), 'timestamps').toBe(-1);
  expect(firstDifference(v, offset, vs), 'values').toBe(-1);
  for (let i = 0; i < offset; i++) expect(isSentinel(t, i) && isSentinel(v, i), `before, ${i}`).toBe(true);
  for (let i = offset + n; i < t.length; i++) expect(isSentinel(t, i) && isSentinel(v, i), `after, ${i}`).toBe(true);
  expect(chunkRecordCount(bytes)).toBe(n);
  return bytes;
}

const SPECIALS: Array<[number, number]> = [
  [0x7ff80000, 0], // canonical NaN
  [0x7ff80000, 0x1234], // quiet NaN with payload
  [0xfff00000, 0x1], // signalling NaN, sign set
  [0x7ff00000, 0], // +Infinity
  [0xfff00000, 0], // -Infinity
  [0x80000000, 0], // -0
  [0x00000000, 1], // smallest subnormal
  [0x800fffff, 0xffffffff], // largest negative subnormal
  [0x7fefffff, 0xffffffff], // largest double
  [0x43300000, 0x5], // 2^52 + 5: an integer too large for the decimal codec
];

/** Random chunk of one of several shapes, seeded. */
function randomChunk(seed: number): { ts: Float64Array; vs: Float64Array } {
  const rnd = prng(seed);
  const n = [1, 2, 3, 1023, 1024, 1025, 1026, 2049, 4096][seed % 9] ?? 1;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  const kind = Math.floor(rnd() * 6);
  let units = Math.round((rnd() - 0.5) * 1e6);
  let t = T0 + Math.floor(rnd() * 1e9);
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 0: // regular clock, decimal walk
        t += 1000;
        break;
      case 1: // jitter
        t += 1000 + Math.round((rnd() * 2 - 1) * 3);
        break;
      case 2: // irregular gaps
        t += Math.floor(rnd() ** 4 * 3_600_000);
        break;
      case 3: // fractional: the XOR escape
        t += 1000 + rnd();
        break;
      default: // descending or repeated
        t -= Math.floor(rnd() * 3) * 1000;
    }
    ts[i] = t;
    units += Math.round((rnd() * 2 - 1) * 5);
    vs[i] = kind === 5 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20) : units / 100;
  }
  const specialRate = [0, 0.01, 0.3][seed % 3] ?? 0;
  for (let i = 0; i < n; i++) {
    if (rnd() < specialRate) {
      const [hi, lo] = SPECIALS[Math.floor(rnd() * SPECIALS.length)] ?? [0, 0];
      setBits(vs, i, hi, lo);
      if (rnd() < 0.1) setBits(ts, i, hi, lo);
    }
  }
  return { ts, vs };
}

describe('decodeChunkInto', () => {
  it('writes exactly the chunk at any offset, bit for bit, for every kind of data (200 random chunks)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { ts, vs } = randomChunk(seed);
      const offset = Math.floor(prng(seed + 1000)() * 50);
      expectIntoRoundTrip(ts, vs, offset);
    }
  });

  it('agrees with decodeChunk', () => {
    for (let seed = 300; seed < 330; seed++) {
      const { ts, vs } = randomChunk(seed);
      const bytes = encodeChunk(ts, vs);
      const whole = decodeChunk(bytes);
      const t = new Float64Array(ts.length + 7);
      const v = new Float64Array(ts.length + 7);
      decodeChunkInto(bytes, t, v, 7);
      expect(firstDifference(t, 7, whole.timestamps)).toBe(-1);
      expect(firstDifference(v, 7, whole.values)).toBe(-1);
    }
  });

  it('decodes many chunks back to back into one pair of arrays (how the store reads a month)', () => {
    const rnd = prng(7);
    const total = 20_000;
    const ts = new Float64Array(total);
    const vs = new Float64Array(total);
    let units = 23_000;
    for (let i = 0; i < total; i++) {
      ts[i] = T0 + i * 1000 + (i > 9000 && i < 12_000 ? Math.round((rnd() * 2 - 1) * 3) : 0);
      units += Math.round((rnd() * 2 - 1) * 2);
      vs[i] = units / 100;
    }
    vs[5000] = NaN;
    vs[15_000] = -0;
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < total; at += 4096) chunks.push(encodeChunk(ts.subarray(at, at + 4096), vs.subarray(at, at + 4096)));
    const t = new Float64Array(total);
    const v = new Float64Array(total);
    let at = 0;
    for (const c of chunks) at += decodeChunkInto(c, t, v, at);
    expect(at).toBe(total);
    expect(firstDifference(t, 0, ts)).toBe(-1);
    expect(firstDifference(v, 0, vs)).toBe(-1);
  });

  it('decodes into subarrays (a byteOffset in the target buffer)', () => {
    const { ts, vs } = randomChunk(9);
    const bytes = encodeChunk(ts, vs);
    const bigT = new Float64Array(ts.length + 20);
    const bigV = new Float64Array(ts.length + 20);
    const t = bigT.subarray(5);
    const v = bigV.subarray(5);
    decodeChunkInto(bytes, t, v, 3);
    expect(firstDifference(bigT, 8, ts)).toBe(-1);
    expect(firstDifference(bigV, 8, vs)).toBe(-1);
  });

  it('decodes a chunk held in a subarray of a larger buffer', () => {
    const { ts, vs } = randomChunk(18);
    const bytes = encodeChunk(ts, vs);
    const file = new Uint8Array(bytes.length + 13);
    file.set(bytes, 5);
    const t = new Float64Array(ts.length);
    const v = new Float64Array(ts.length);
    decodeChunkInto(file.subarray(5, 5 + bytes.length), t, v, 0);
    expect(firstDifference(t, 0, ts)).toBe(-1);
    expect(firstDifference(v, 0, vs)).toBe(-1);
  });

  it('throws a RangeError and writes nothing when the arrays are too short or the offset is bad', () => {
    const ts = Float64Array.from({ length: 100 }, (_, i) => T0 + i * 1000);
    const vs = Float64Array.from({ length: 100 }, (_, i) => i / 10);
    const bytes = encodeChunk(ts, vs);
    const t = sentinelArray(120);
    const v = sentinelArray(99);
    expect(() => decodeChunkInto(bytes, t, v, 0)).toThrow(RangeError);
    expect(() => decodeChunkInto(bytes, sentinelArray(120), sentinelArray(120), 21)).toThrow(RangeError);
    expect(() => decodeChunkInto(bytes, t, sentinelArray(120), -1)).toThrow(RangeError);
    expect(() => decodeChunkInto(bytes, t, sentinelArray(120), 0.5)).toThrow(RangeError);
    for (let i = 0; i < t.length; i++) expect(isSentinel(t, i)).toBe(true);
    expect(decodeChunkInto(encodeChunk(new Float64Array(0), new Float64Array(0)), new Float64Array(0), new Float64Array(0), 0)).toBe(0);
  });
});

describe('decoder fast paths', () => {
  const header = (b: Uint8Array) => ({ ts: b[5], value: b[6], exponent: b[7] });

  it('regular deltas (a filled progression) in both delta orders, on block boundaries and beyond', () => {
    for (const n of [1, 2, 3, 1024, 1025, 1026, 2048, 2049, 4096, 5000]) {
      const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 1000);
      const constant = new Float64Array(n).fill(230.25);
      const bytes = expectIntoRoundTrip(ts, constant, 11);
      if (n > 2) expect(header(bytes).ts).not.toBe(0);
      // Descending clock and negative values: a negative constant residual.
      const down = Float64Array.from({ length: n }, (_, i) => T0 - i * 60_000);
      expectIntoRoundTrip(down, Float64Array.from({ length: n }, (_, i) => -i / 4), 0);
      // Quadratic timestamps: delta-of-delta is a non-zero constant (width 0, min != 0).
      const quad = Float64Array.from({ length: n }, (_, i) => T0 + i * i);
      expectIntoRoundTrip(quad, constant, 1);
    }
  });

  it('a chunk where exactly one delta differs, at every interesting position', () => {
    const n = 4096;
    for (const at of [1, 2, 3, 512, 1022, 1023, 1024, 1025, 2047, 2048, 3000, n - 2, n - 1]) {
      const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 1000 + (i >= at ? 7 : 0));
      const vs = Float64Array.from({ length: n }, (_, i) => 230 + (i === at ? 0.01 : 0));
      expectIntoRoundTrip(ts, vs, at % 5);
      const late = ts.slice();
      late[at] += 250; // one late sample, the next on time again
      expectIntoRoundTrip(late, vs, 2);
    }
  });

  it('a chunk of one entry, for every special value, at an offset', () => {
    for (const [hi, lo] of SPECIALS) {
      const t = new Float64Array([T0]);
      const v = new Float64Array(1);
      setBits(v, 0, hi, lo);
      expectIntoRoundTrip(t, v, 4);
      const t2 = new Float64Array(1);
      setBits(t2, 0, hi, lo);
      expectIntoRoundTrip(t2, v, 0);
    }
  });

  it('wide residuals: 20, 26..32 and more than 32 bits, and integers near the 2^50 limit', () => {
    const rnd = prng(42);
    for (const bits of [20, 25, 26, 29, 31, 32, 33, 40, 42]) {
      const n = 2000;
      const vs = new Float64Array(n);
      let x = 0;
      for (let i = 0; i < n; i++) {
        x += Math.floor(rnd() * 2 ** bits) - 2 ** (bits - 1);
        vs[i] = x;
      }
      const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 1000 + Math.floor(rnd() * 2 ** Math.min(bits, 30)));
      const bytes = expectIntoRoundTrip(ts, vs, 3);
      expect(header(bytes).value).not.toBe(0);
    }
    // Close to ±2^50: the per-block bound fails, so every value is range-checked.
    for (const sign of [1, -1]) {
      const n = 3000;
      const vs = Float64Array.from({ length: n }, (_, i) => sign * (2 ** 50 - 1 - Math.floor(rnd() * 2 ** 30)) + (i % 2));
      const ts = Float64Array.from({ length: n }, (_, i) => (2 ** 50 - 1 - (n - i) * 2 ** 20) * sign);
      expectIntoRoundTrip(ts, vs, 1);
    }
  });

  it('decimal values of every exponent 0..15 keep their exact doubles', () => {
    const rnd = prng(43);
    for (let e = 0; e <= 15; e++) {
      const n = 1500;
      const p = 10 ** e;
      const vs = new Float64Array(n);
      let units = Math.floor(rnd() * 1000);
      for (let i = 0; i < n; i++) {
        units += Math.floor(rnd() * 7) - 3;
        vs[i] = units / p;
      }
      const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 1000);
      expectIntoRoundTrip(ts, vs, e);
    }
  });
});

describe('decodeChunkInto on damaged input', () => {
  function sample(seed: number, version: 1 | 2 = 2): Uint8Array {
    const { ts, vs } = randomChunk(seed);
    return encodeChunk(ts, vs, { version });
  }

  it('rejects every truncation and single-bit flip with CorruptChunkError', () => {
    for (const seed of [10, 13, 25]) {
      const good = sample(seed);
      const n = chunkRecordCount(good);
      const t = new Float64Array(n + 5);
      const v = new Float64Array(n + 5);
      for (let len = 0; len < good.length; len += Math.max(1, Math.floor(good.length / 97))) {
        expect(() => decodeChunkInto(good.subarray(0, len), t, v, 5)).toThrow(CorruptChunkError);
      }
      for (let bit = 0; bit < good.length * 8; bit += 7) {
        const bad = good.slice();
        bad[bit >>> 3] ^= 0x80 >>> (bit & 7);
        expect(() => decodeChunkInto(bad, t, v, 5), `bit ${bit}`).toThrow(CorruptChunkError);
      }
    }
  });

  it('names an unknown version even behind a valid CRC', () => {
    const bytes = sample(11).slice();
    bytes[4] = CHUNK_VERSION + 1;
    new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
    expect(() => decodeChunk(bytes)).toThrow(CorruptChunkError);
    expect(() => decodeChunk(bytes)).toThrow(/unsupported version/);
  });

  /** Bytes of the unsigned LEB128 varint of z. */
  function varintBytes(z: number): number {
    let n = 1;
    while (z >= 128) {
      z = Math.floor(z / 128);
      n++;
    }
    return n;
  }

  /** The timestamp stream length of a version 2 chunk (the varint after the count's). */
  function streamLength(bytes: Uint8Array, count: number): number {
    let at = 8 + varintBytes(count);
    let z = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = bytes[at++] ?? 0;
      z += (b & 127) * scale;
      if (b < 128) return z;
    }
  }

  it('forged streams behind a valid CRC fail cleanly or decode within the target range', () => {
    const rnd = prng(77);
    for (let round = 0; round < 1500; round++) {
      // Both header layouts; the flips hit the streams, behind the header (36 bytes in version 1,
      // magic to stream length in version 2), so the count the arrays are sized by stays true.
      const version = round % 2 === 0 ? 1 : 2;
      const bytes = sample(round % 60 + 1, version).slice();
      const n = chunkRecordCount(bytes);
      const start = version === 1 ? 36 : 8 + varintBytes(n) + varintBytes(streamLength(bytes, n));
      if (bytes.length - 4 <= start) continue;
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) bytes[start + Math.floor(rnd() * (bytes.length - 4 - start))] = Math.floor(rnd() * 256);
      new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
      const t = sentinelArray(n + 4);
      const v = sentinelArray(n + 4);
      try {
        expect(decodeChunkInto(bytes, t, v, 2)).toBe(n);
      } catch (error) {
        expect(error, `round ${round}`).toBeInstanceOf(CorruptChunkError);
      }
      // Whatever happened, nothing was written outside [2, 2 + n).
      expect(isSentinel(t, 0) && isSentinel(t, 1) && isSentinel(t, n + 2) && isSentinel(t, n + 3)).toBe(true);
      expect(isSentinel(v, 0) && isSentinel(v, 1) && isSentinel(v, n + 2) && isSentinel(v, n + 3)).toBe(true);
    }
  });
});
