import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CorruptChunkError,
  TS_ENTROPY,
  VAL_ENT_DELTA,
  VAL_ENT_DOD,
  VAL_ENT_MODEL,
  crc32,
  decodeChunk,
  decodeChunkInto,
  encodeChunk,
} from '../../core/storacle/codec/index.js';
import type { StreamChoice } from '../../core/storacle/codec/index.js';
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

function setBits(arr: Float64Array, i: number, hi: number, lo: number): void {
  const u = new Uint32Array(arr.buffer, arr.byteOffset, arr.length * 2);
  u[2 * i] = lo;
  u[2 * i + 1] = hi;
}

const SPECIALS: Array<[number, number]> = [
  [0x7ff80000, 0x1234], // NaN with payload
  [0xfff00000, 0x1], // signalling NaN, sign set
  [0x7ff00000, 0], // +Infinity
  [0xfff00000, 0], // -Infinity
  [0x80000000, 0], // -0
  [0x00000000, 1], // smallest subnormal
  [0x7fefffff, 0xffffffff], // largest double
  [0x43300000, 0x5], // 2^52 + 5
];

/** Random chunk of one of several shapes (seeded), covering both stream variants' cases. */
function randomChunk(seed: number): { ts: Float64Array; vs: Float64Array } {
  const rnd = prng(seed);
  const n = [0, 1, 2, 3, 127, 1024, 1025, 4096, 8192][seed % 9] ?? 1;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  const tsKind = Math.floor(rnd() * 6);
  const valKind = Math.floor(rnd() * 6);
  let t = T0 + Math.floor(rnd() * 1e9);
  let units = Math.round((rnd() - 0.5) * 1e6);
  for (let i = 0; i < n; i++) {
    if (tsKind === 0) t += 1000;
    else if (tsKind === 1) t += 1000 + Math.round((rnd() * 2 - 1) * 3);
    else if (tsKind === 2) t += Math.floor(rnd() ** 4 * 3_600_000);
    else if (tsKind === 3) t = T0 + i * 1000 + (rnd() < 0.01 ? 500_000 : 0); // rare outliers off the grid
    else if (tsKind === 4) t -= Math.floor(rnd() * 3) * 1000;
    else t = (rnd() < 0.5 ? -1 : 1) * (2 ** 49 - 1 - Math.floor(rnd() * 1000)); // near the 2^50 limit
    ts[i] = t;
    if (valKind === 0) units += Math.round((rnd() * 2 - 1) * 5);
    else if (valKind === 1) units += rnd() < 0.02 ? Math.round((rnd() - 0.5) * 1e5) : 0; // skewed: rare jumps
    else if (valKind === 2) units = Math.floor(rnd() * 2 ** 20); // uniform: bit packing wins
    else if (valKind === 3) units = (rnd() < 0.5 ? -1 : 1) * (2 ** 49 - Math.floor(rnd() * 100)); // extremes
    else if (valKind === 4) units += 1; // delta² = 0
    vs[i] = valKind === 5 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20) : units / 100;
  }
  const specialRate = [0, 0.01, 0.05][seed % 3] ?? 0;
  for (let i = 0; i < n; i++) {
    if (rnd() < specialRate) {
      const [hi, lo] = SPECIALS[Math.floor(rnd() * SPECIALS.length)] ?? [0, 0];
      setBits(vs, i, hi, lo);
    }
  }
  return { ts, vs };
}

function expectRoundTrip(ts: Float64Array, vs: Float64Array, streams: StreamChoice): Uint8Array {
  const bytes = encodeChunk(ts, vs, { streams });
  const out = decodeChunk(bytes);
  expect(sameBits(out.timestamps, ts)).toBe(true);
  expect(sameBits(out.values, vs)).toBe(true);
  const t = new Float64Array(ts.length + 5).fill(-1);
  const v = new Float64Array(ts.length + 5).fill(-1);
  expect(decodeChunkInto(bytes, t, v, 3)).toBe(ts.length);
  expect(sameBits(t.subarray(3, 3 + ts.length), ts)).toBe(true);
  expect(sameBits(v.subarray(3, 3 + ts.length), vs)).toBe(true);
  expect([t[0], t[1], t[2], t[ts.length + 3], t[ts.length + 4]]).toEqual([-1, -1, -1, -1, -1]);
  return bytes;
}

/** Recomputes the CRC of a chunk whose bytes a test changed (a forgery behind a valid CRC). */
function reseal(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.length).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

/** Stream lengths of a chunk of either header layout (version 1: fixed fields; 2: varints at byte 8). */
function streamLengths(bytes: Uint8Array): { tsLen: number; valLen: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes[4] === 1) return { tsLen: view.getUint32(28, true), valLen: view.getUint32(32, true) };
  let at = 8;
  const varint = (): number => {
    let z = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = bytes[at++] ?? 0;
      z += (b & 127) * scale;
      if (b < 128) return z;
    }
  };
  varint(); // count
  const tsLen = varint();
  return { tsLen, valLen: bytes.length - 4 - at - tsLen };
}

/** Decoding either fails with CorruptChunkError or yields the header's record count; nothing else. */
function expectCleanOutcome(bytes: Uint8Array, expectedCount: number): 'corrupt' | 'decoded' {
  try {
    const out = decodeChunk(bytes);
    expect(out.timestamps.length).toBe(expectedCount);
    return 'decoded';
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptChunkError);
    return 'corrupt';
  }
}

/** 1 Hz regular clock and a 0.01 walk that mostly stands still: what deflate is for. */
function skewed(n: number): { ts: Float64Array; vs: Float64Array } {
  const rnd = prng(42);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let units = 23_000;
  for (let i = 0; i < n; i++) {
    ts[i] = T0 + i * 1000;
    if (rnd() < 0.05) units += Math.round((rnd() * 2 - 1) * 40);
    vs[i] = units / 100;
  }
  return { ts, vs };
}

describe('entropy-coded and bit-packed streams round-trip bit-exactly', () => {
  for (const streams of ['smallest', 'bit-packed', 'entropy'] as const) {
    it(`${streams}: 270 random chunks (every timestamp and value shape, special values), decodeChunk and decodeChunkInto`, () => {
      for (let seed = 1; seed <= 270; seed++) {
        const { ts, vs } = randomChunk(seed);
        expectRoundTrip(ts, vs, streams);
      }
    });
  }

  it('the default keeps, per stream, the smaller of the two variants', () => {
    for (let seed = 500; seed < 560; seed++) {
      const { ts, vs } = randomChunk(seed);
      const best = expectRoundTrip(ts, vs, 'smallest').length;
      expect(best).toBeLessThanOrEqual(expectRoundTrip(ts, vs, 'bit-packed').length);
      expect(best).toBeLessThanOrEqual(expectRoundTrip(ts, vs, 'entropy').length);
    }
  });
});

describe('variant choice (header bytes 5 and 6)', () => {
  it('skewed decimal data with a regular clock takes the entropy streams, and they are smaller', () => {
    const { ts, vs } = skewed(4096);
    const bytes = expectRoundTrip(ts, vs, 'smallest');
    expect(bytes[5]).toBe(TS_ENTROPY);
    // Mostly repeated values: brotli beats deflate on them (id 5, see the codec README).
    expect([VAL_ENT_DELTA, VAL_ENT_DOD, VAL_ENT_MODEL]).toContain(bytes[6]);
    const packed = encodeChunk(ts, vs, { streams: 'bit-packed' });
    expect(bytes.length).toBeLessThan(packed.length * 0.8);
    // A constant clock costs a few bytes: no deflate payload.
    expect(streamLengths(bytes).tsLen).toBeLessThan(16);
  });

  it('uniformly random integers keep the bit-packed value stream', () => {
    const rnd = prng(7);
    const n = 4096;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ts[i] = T0 + i * 1000;
      vs[i] = Math.floor(rnd() * 2 ** 20);
    }
    const bytes = expectRoundTrip(ts, vs, 'smallest');
    expect([1, 2]).toContain(bytes[6]);
    expect(bytes.length).toBeLessThan(encodeChunk(ts, vs, { streams: 'entropy' }).length);
  });

  it('jittered timestamps take the entropy stream and cost less than the bit-packed delta²', () => {
    const rnd = prng(9);
    const n = 4096;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n).fill(230);
    for (let i = 0; i < n; i++) ts[i] = T0 + i * 1000 + Math.round((rnd() * 2 - 1) * 3);
    const bytes = expectRoundTrip(ts, vs, 'smallest');
    expect(bytes[5]).toBe(TS_ENTROPY);
    expect(streamLengths(bytes).tsLen).toBeLessThan(streamLengths(encodeChunk(ts, vs, { streams: 'bit-packed' })).tsLen);
  });

  it('non-decimal values stay on XOR and fractional timestamps on the XOR escape, whatever is asked', () => {
    const rnd = prng(11);
    const ts = new Float64Array(100);
    const vs = new Float64Array(100);
    for (let i = 0; i < 100; i++) {
      ts[i] = T0 + i * 1000 + 0.5;
      vs[i] = rnd() * 1e-7;
    }
    const bytes = expectRoundTrip(ts, vs, 'entropy');
    expect(bytes[5]).toBe(0);
    expect(bytes[6]).toBe(0);
  });
});

describe('size on the bench data', () => {
  it('IEEE EU LV 1-min load profiles: entropy streams under 0.35 B/record, 4× below bit-packed', () => {
    const dir = '/work/shared/data/ieee_eu_lv/Daily_1min_100profiles';
    let records = 0;
    let best = 0;
    let packed = 0;
    for (let k = 1; k <= 100; k += 11) {
      const lines = readFileSync(`${dir}/load_profile_${k}.txt`, 'utf8').split('\n').filter((l) => l.trim() !== '');
      const vs = Float64Array.from(lines, (l) => Number(l.trim()));
      const ts = Float64Array.from(vs, (_, i) => T0 + i * 60_000);
      records += vs.length;
      best += expectRoundTrip(ts, vs, 'smallest').length;
      packed += expectRoundTrip(ts, vs, 'bit-packed').length;
    }
    expect(records).toBe(10 * 1440);
    expect(best / records).toBeLessThan(0.35);
    expect(best * 4).toBeLessThan(packed);
  });
});

describe('corrupt entropy chunks → CorruptChunkError', () => {
  const { ts, vs } = skewed(2048);
  const rnd = prng(5);
  const jts = new Float64Array(2048);
  const uts = new Float64Array(2048);
  for (let i = 0; i < 2048; i++) {
    jts[i] = T0 + i * 1000 + (rnd() < 0.05 ? Math.round((rnd() * 2 - 1) * 30) : 0); // rare late/early ticks
    uts[i] = T0 + i * 1000 + Math.round((rnd() * 2 - 1) * 3); // uniform ±3 ms
  }
  // The first header layout (fixed fields at known offsets), which these forgeries address.
  const constantClock = encodeChunk(ts, vs, { streams: 'entropy', version: 1 });
  const gridClock = encodeChunk(jts, vs, { streams: 'entropy', version: 1 });
  const packedGridClock = encodeChunk(uts, vs, { streams: 'entropy', version: 1 });

  it('the fixtures are entropy chunks (constant, deflated grid and packed grid clocks, deflated values)', () => {
    for (const c of [constantClock, gridClock, packedGridClock]) {
      expect(c[5]).toBe(TS_ENTROPY);
      expect([VAL_ENT_DELTA, VAL_ENT_DOD, VAL_ENT_MODEL]).toContain(c[6]);
      expect(sameBits(decodeChunk(c).values, vs)).toBe(true);
    }
    expect(constantClock[HEADER]).toBe(0); // mode: constant step
    expect(gridClock[HEADER]).toBe(1); // mode: deflated grid offsets
    expect(packedGridClock[HEADER]).toBe(4); // mode: grid offsets packed at 3 bits
    expect(sameBits(decodeChunk(gridClock).timestamps, jts)).toBe(true);
    expect(sameBits(decodeChunk(packedGridClock).timestamps, uts)).toBe(true);
    expect(streamLengths(packedGridClock).tsLen).toBeLessThan(Math.ceil((2047 * 3) / 8) + 24);
  });

  it('every single-bit flip and every truncation fails the CRC', () => {
    for (const c of [constantClock, gridClock, packedGridClock]) {
      for (let bit = 0; bit < c.length * 8; bit += 3) {
        const bad = c.slice();
        bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(() => decodeChunk(bad)).toThrow(CorruptChunkError);
      }
      for (let len = 0; len < c.length; len += 7) expect(() => decodeChunk(c.slice(0, len))).toThrow(CorruptChunkError);
    }
  });

  it('flipped bytes in the deflate streams behind a valid CRC fail cleanly (never another error)', () => {
    let corrupt = 0;
    for (const c of [constantClock, gridClock, packedGridClock]) {
      const { tsLen, valLen } = streamLengths(c);
      const payloadStart = HEADER + (c === constantClock ? tsLen : 0);
      const payloadEnd = HEADER + tsLen + valLen;
      for (let at = payloadStart; at < payloadEnd; at++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const bad = c.slice();
          bad[at] = (bad[at] ?? 0) ^ mask;
          if (expectCleanOutcome(reseal(bad), 2048) === 'corrupt') corrupt++;
        }
      }
    }
    // Most flips must be caught (inflate errors, wrong lengths, leftover bytes, header mismatch).
    expect(corrupt).toBeGreaterThan(100);
  });

  it('a deflate stream cut short (header lengths and CRC fixed up) fails', () => {
    for (const cut of [1, 2, 10, 100]) {
      const { tsLen, valLen } = streamLengths(constantClock);
      const bad = constantClock.slice(0, constantClock.length - cut);
      const view = new DataView(bad.buffer);
      view.setUint32(32, valLen - cut, true);
      reseal(bad);
      expect(() => decodeChunk(bad)).toThrow(CorruptChunkError);
      expect(tsLen).toBeGreaterThan(0);
    }
  });

  it('forged lengths: raw length, record count, constant step', () => {
    // Raw length (the varint after the exception count 0) off by one either way.
    const { tsLen } = streamLengths(constantClock);
    const valStart = HEADER + tsLen;
    expect(constantClock[valStart]).toBe(0); // no exceptions
    // Id 5 has a model byte first, and a reset threshold after it for the level predictor.
    const model = constantClock[valStart + 1] ?? 0;
    const rawLengthAt = valStart + 1 + (constantClock[6] === VAL_ENT_MODEL ? ((model & 3) === 2 ? 2 : 1) : 0);
    for (const delta of [-1, 1]) {
      const bad = constantClock.slice();
      bad[rawLengthAt] = (bad[rawLengthAt] ?? 0) + delta;
      expect(() => decodeChunk(reseal(bad))).toThrow(CorruptChunkError);
    }
    // Record count too large for the streams, or off by one.
    for (const count of [2049, 2047, 1 << 22, 0xffffffff]) {
      const bad = constantClock.slice();
      new DataView(bad.buffer).setUint32(8, count, true);
      expect(() => decodeChunk(reseal(bad))).toThrow(CorruptChunkError);
    }
    // A constant step that runs the clock out of range; an unknown timestamp mode.
    const huge = constantClock.slice(0, HEADER);
    const tail = constantClock.slice(HEADER + tsLen);
    const ts2 = new Uint8Array([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 2]);
    const forged = new Uint8Array(huge.length + ts2.length + tail.length);
    forged.set(huge);
    forged.set(ts2, HEADER);
    forged.set(tail, HEADER + ts2.length);
    new DataView(forged.buffer).setUint32(28, ts2.length, true);
    expect(() => decodeChunk(reseal(forged))).toThrow(CorruptChunkError);
    const mode = constantClock.slice();
    mode[HEADER] = 9;
    expect(() => decodeChunk(reseal(mode))).toThrow(/unknown mode 9/);
    // Packed grid: a width beyond 24 bits, and one that does not match the stream's size.
    const { tsLen: packedLen } = streamLengths(packedGridClock);
    const widthAt = HEADER + packedLen - Math.ceil((2047 * 3) / 8) - 1;
    expect(packedGridClock[widthAt]).toBe(3);
    for (const width of [25, 4, 2]) {
      const bad = packedGridClock.slice();
      bad[widthAt] = width;
      expect(() => decodeChunk(reseal(bad))).toThrow(CorruptChunkError);
    }
  });

  it('garbage streams with a valid CRC fail cleanly or decode to the stated count', () => {
    const r = prng(77);
    for (let k = 0; k < 600; k++) {
      const bad = (k % 2 === 0 ? gridClock : packedGridClock).slice();
      const { tsLen, valLen } = streamLengths(bad);
      for (let j = 0; j < 4; j++) {
        const at = HEADER + Math.floor(r() * (tsLen + valLen));
        bad[at] = Math.floor(r() * 256);
      }
      expectCleanOutcome(reseal(bad), 2048);
    }
  });
});
