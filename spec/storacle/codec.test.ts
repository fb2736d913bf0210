import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BitReader,
  BitWriter,
  CorruptChunkError,
  crc32,
  decodeChunk,
  encodeChunk,
} from '../../core/storacle/codec/index.js';
import { prng } from '../../tools/bench/prng.js';

/** Index of the first element whose 64 bits differ, or -1. */
function firstBitDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new BigInt64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigInt64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function fromBits(hi: number, lo: number): number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  u[0] = lo;
  u[1] = hi;
  return f[0];
}

/** Stores raw bits into `arr[i]` without passing through a JS number (keeps NaN payloads). */
function setBits(arr: Float64Array, i: number, hi: number, lo: number): void {
  const u = new Uint32Array(arr.buffer, arr.byteOffset, arr.length * 2);
  u[2 * i] = lo;
  u[2 * i + 1] = hi;
}

function roundTrip(ts: Float64Array, vs: Float64Array): number {
  const bytes = encodeChunk(ts, vs);
  const out = decodeChunk(bytes);
  expect(out.timestamps).toBeInstanceOf(Float64Array);
  expect(out.values).toBeInstanceOf(Float64Array);
  expect(firstBitDifference(out.timestamps, ts)).toBe(-1);
  expect(firstBitDifference(out.values, vs)).toBe(-1);
  return bytes.length;
}

const T0 = Date.UTC(2026, 10, 1);

function regular(n: number, step: number, start = T0): Float64Array {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = start + i * step;
  return t;
}

function jittered(n: number, step: number, jitterMs: number, rnd: () => number): Float64Array {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = T0 + i * step + Math.round((rnd() * 2 - 1) * jitterMs);
  return t;
}

/** Random walk quantised to `resolution` (10^-k), written the way a meter would print it. */
function walk(n: number, start: number, resolution: number, rnd: () => number): Float64Array {
  const digits = Math.max(0, Math.round(-Math.log10(resolution)));
  const v = new Float64Array(n);
  let units = Math.round(start / resolution);
  for (let i = 0; i < n; i++) {
    units += Math.round((rnd() * 2 - 1) * 3);
    v[i] = Number((units * resolution).toFixed(digits));
  }
  return v;
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('bit writer and reader', () => {
  it('round-trip fields of random widths, including wide ones', () => {
    const rnd = prng(1);
    const fields: Array<[number, number]> = [];
    const w = new BitWriter(1); // forces growth
    for (let i = 0; i < 5000; i++) {
      const width = Math.floor(rnd() * 54);
      const value = width === 0 ? 0 : Math.floor(rnd() * 2 ** width);
      fields.push([value, width]);
      w.writeWide(value, width);
    }
    const total = fields.reduce((s, [, n]) => s + n, 0);
    expect(w.bitLength).toBe(total);
    const r = new BitReader(w.finish(), 'test');
    for (const [value, width] of fields) expect(r.readWide(width)).toBe(value);
  });

  it('throws CorruptChunkError with the bit offset on a read past the end', () => {
    const r = new BitReader(new Uint8Array([0xff, 0x00]), 'test');
    expect(r.readBits(12)).toBe(0xff0);
    expect(() => r.readBits(5)).toThrow(CorruptChunkError);
    expect(() => r.readBits(5)).toThrow(/at bit 12/);
  });
});

describe('encodeChunk/decodeChunk round trips bit-exactly', () => {
  const specials: Array<[number, number]> = [
    [0x7ff80000, 0], // canonical NaN
    [0x7ff80000, 0x1234], // quiet NaN with payload
    [0xfff00000, 0x1], // signalling NaN, sign set
    [0x7ff00000, 0], // +Infinity
    [0xfff00000, 0], // -Infinity
    [0x80000000, 0], // -0
    [0x00000000, 1], // smallest subnormal
    [0x800fffff, 0xffffffff], // largest negative subnormal
    [0x7fefffff, 0xffffffff], // largest double
  ];

  it('empty and single-element chunks', () => {
    roundTrip(new Float64Array(0), new Float64Array(0));
    roundTrip(new Float64Array([T0]), new Float64Array([230.01]));
    for (const [hi, lo] of specials) {
      const t = new Float64Array(1);
      const v = new Float64Array(1);
      setBits(t, 0, hi, lo);
      setBits(v, 0, hi, lo);
      roundTrip(t, v);
    }
  });

  it('random walks at 0.01, 0.1 and 1 resolution with regular, jittered and irregular timestamps', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = prng(seed);
      const n = 1 + Math.floor(rnd() * 5000);
      const resolution = [0.01, 0.1, 1][seed % 3];
      const values = walk(n, (rnd() - 0.5) * 1000, resolution, rnd);
      roundTrip(regular(n, 1000), values);
      roundTrip(jittered(n, 1000, 5, rnd), values);
      const irregular = new Float64Array(n);
      let t = T0;
      for (let i = 0; i < n; i++) irregular[i] = t += Math.floor(rnd() ** 4 * 3_600_000);
      roundTrip(irregular, values);
    }
  });

  it('constant series, duplicate and descending timestamps', () => {
    roundTrip(regular(3000, 1000), new Float64Array(3000).fill(42.5));
    roundTrip(new Float64Array(2000).fill(T0), new Float64Array(2000).fill(-7));
    const rnd = prng(7);
    roundTrip(regular(2500, -1000, T0 + 1e7), walk(2500, 10, 0.1, rnd));
    const shuffled = regular(1500, 60_000).map(() => T0 + Math.floor(rnd() * 1e9));
    roundTrip(shuffled, walk(1500, 0, 1, rnd));
  });

  it('huge values, arbitrary doubles and non-integer or huge timestamps', () => {
    for (let seed = 20; seed < 26; seed++) {
      const rnd = prng(seed);
      const n = 1 + Math.floor(rnd() * 3000);
      const t = new Float64Array(n);
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        t[i] = seed % 2 ? T0 + i * 1000 + rnd() : 2 ** 60 + i * 2 ** 10;
        v[i] = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300);
      }
      roundTrip(t, v);
      v.fill(1e300);
      v[n - 1] = -1.7976931348623157e308;
      roundTrip(t, v);
      const big = new Float64Array(n);
      for (let i = 0; i < n; i++) big[i] = 2 ** 49 + Math.floor(rnd() * 2 ** 20); // near the integer limit
      roundTrip(t, big);
    }
  });

  it('NaN payloads, ±Infinity, -0 and subnormals mixed into decimal data, few and many', () => {
    for (let seed = 30; seed < 40; seed++) {
      const rnd = prng(seed);
      const n = 50 + Math.floor(rnd() * 4000);
      const t = regular(n, 1000);
      const v = walk(n, 230, 0.01, rnd);
      const rate = seed % 2 ? 0.01 : 0.3; // below and above the exception budget
      for (let i = 0; i < n; i++) {
        if (rnd() < rate) {
          const [hi, lo] = specials[Math.floor(rnd() * specials.length)];
          setBits(v, i, hi, lo);
          if (rnd() < 0.2) setBits(t, i, hi, lo);
        }
      }
      setBits(v, 0, 0x7ff80000, 0xbeef); // an exception at the very first position
      roundTrip(t, v);
    }
  });

  it('values that look decimal but are not (more than 15 digits, one stray value)', () => {
    const rnd = prng(50);
    const v = walk(2000, 50, 0.001, rnd);
    v[1000] = Math.PI;
    roundTrip(regular(2000, 1000), v);
    roundTrip(regular(3, 1000), new Float64Array([0.1 + 0.2, 1 / 3, fromBits(0x3ff00000, 1)]));
  });
});

describe('codec choice (header bytes 5..7: timestamp codec, value codec, exponent)', () => {
  const header = (b: Uint8Array) => ({ ts: b[5], value: b[6], exponent: b[7] });

  it('decimal walks use the scaled-integer codec at the resolution of the data', () => {
    const rnd = prng(60);
    for (const [resolution, exponent] of [[0.01, 2], [0.1, 1], [1, 0]] as const) {
      const h = header(encodeChunk(regular(1000, 1000), walk(1000, 230, resolution, rnd)));
      expect(h.ts).not.toBe(0);
      expect([1, 2, 3, 4]).toContain(h.value); // bit-packed or entropy-coded decimal
      expect(h.exponent).toBe(exponent);
    }
  });

  it('a few special values become exceptions; many send the chunk to XOR', () => {
    const rnd = prng(61);
    const v = walk(1000, 230, 0.01, rnd);
    setBits(v, 10, 0x7ff80000, 5);
    v[20] = Infinity;
    v[30] = Math.PI;
    expect(header(encodeChunk(regular(1000, 1000), v))).toMatchObject({ exponent: 2 });
    expect([1, 2]).toContain(header(encodeChunk(regular(1000, 1000), v)).value);
    for (let i = 0; i < 1000; i += 10) v[i] = NaN;
    expect(header(encodeChunk(regular(1000, 1000), v)).value).toBe(0);
  });

  it('fractional or huge timestamps use the XOR escape', () => {
    const v = new Float64Array(3);
    expect(header(encodeChunk(new Float64Array([1.5, 2, 3]), v)).ts).toBe(0);
    expect(header(encodeChunk(new Float64Array([0, 2 ** 51, 3]), v)).ts).toBe(0);
    expect(header(encodeChunk(new Float64Array([0, 1000, 2000]), v)).ts).not.toBe(0);
  });
});

describe('decodeChunk detects corruption', () => {
  function sample(kind: number): Uint8Array {
    const rnd = prng(100 + kind);
    const n = 60;
    const t = kind === 2 ? jittered(n, 1000, 3, rnd).map((x) => x + 0.5) : jittered(n, 1000, 3, rnd);
    const v = kind === 0 ? walk(n, 230, 0.01, rnd) : t.map(() => rnd() * 1e6);
    if (kind === 1) setBits(v, 7, 0x7ff80000, 1);
    if (kind === 0) setBits(v, 3, 0x80000000, 0);
    return encodeChunk(t, v);
  }

  it('every single-bit flip of decimal, XOR and escaped-timestamp chunks', () => {
    for (let kind = 0; kind < 3; kind++) {
      const good = sample(kind);
      for (let bit = 0; bit < good.length * 8; bit++) {
        const bad = good.slice();
        bad[bit >>> 3] ^= 0x80 >>> (bit & 7);
        expect(() => decodeChunk(bad), `kind ${kind} bit ${bit}`).toThrow(CorruptChunkError);
      }
    }
  });

  it('every truncation, and trailing garbage', () => {
    for (let kind = 0; kind < 3; kind++) {
      const good = sample(kind);
      for (let len = 0; len < good.length; len++) {
        expect(() => decodeChunk(good.subarray(0, len)), `kind ${kind} length ${len}`).toThrow(CorruptChunkError);
      }
      const longer = new Uint8Array(good.length + 1);
      longer.set(good);
      expect(() => decodeChunk(longer)).toThrow(CorruptChunkError);
    }
  });

  it('names what is wrong', () => {
    const good = sample(0);
    const bad = good.slice();
    bad[40] ^= 1;
    expect(() => decodeChunk(bad)).toThrow(/CRC32 mismatch/);
    expect(() => decodeChunk(good.subarray(0, 10))).toThrow(/truncated: 10 bytes/);
  });

  it('garbage with a valid CRC (forged streams) fails cleanly or decodes to the stated count', () => {
    const rnd = prng(200);
    for (let round = 0; round < 3000; round++) {
      const bytes = sample(round % 3).slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) bytes[Math.floor(rnd() * (bytes.length - 4))] = Math.floor(rnd() * 256);
      new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
      try {
        const out = decodeChunk(bytes);
        expect(out.timestamps.length).toBe(out.values.length);
        expect(out.values.length).toBeLessThanOrEqual(4096);
      } catch (error) {
        expect(error, `round ${round}`).toBeInstanceOf(CorruptChunkError);
      }
    }
  });
});

describe('size on realistic data', () => {
  const N = 86_400;

  function voltage(seed: number): Float64Array {
    const rnd = prng(seed);
    const v = new Float64Array(N);
    let units = 23_000; // 230.00 V in 0.01 V
    for (let i = 0; i < N; i++) {
      units += Math.round((rnd() * 2 - 1) * 2);
      units += Math.round((23_000 - units) * 0.001); // stays near 230 V
      v[i] = units / 100;
    }
    return v;
  }

  it('1 Hz voltage at 0.01 V, regular timestamps: <= 1.0 byte/record', () => {
    const bytes = roundTrip(regular(N, 1000), voltage(1));
    expect(bytes / N).toBeLessThanOrEqual(1.0);
  });

  it('1 Hz voltage at 0.01 V, ±3 ms jitter: <= 1.5 bytes/record', () => {
    const bytes = roundTrip(jittered(N, 1000, 3, prng(2)), voltage(3));
    expect(bytes / N).toBeLessThanOrEqual(1.5);
  });

  it('1/min voltage at 0.01 V over 30 days (larger steps per sample), ±3 ms jitter: <= 2.0 bytes/record', () => {
    const n = 43_200;
    const rnd = prng(4);
    const v = new Float64Array(n);
    let units = 23_000;
    for (let i = 0; i < n; i++) {
      units += Math.round((rnd() * 2 - 1) * 40); // up to ±0.40 V from one minute to the next
      units += Math.round((23_000 - units) * 0.01);
      v[i] = units / 100;
    }
    const bytes = roundTrip(jittered(n, 60_000, 3, rnd), v);
    expect(bytes / n).toBeLessThanOrEqual(2.0);
  });

  it('IEEE European LV feeder load shape, 1-minute timestamps: <= 2.0 bytes/record', () => {
    const dir = '/work/shared/data/ieee_eu_lv/Daily_1min_100profiles';
    for (const file of ['load_profile_1.txt', 'load_profile_42.txt', 'load_profile_100.txt']) {
      const lines = readFileSync(`${dir}/${file}`, 'utf8').split('\n').filter((l) => l.trim() !== '');
      const v = Float64Array.from(lines, (l) => Number(l.trim()));
      expect(v.length).toBe(1440);
      expect(v.every((x) => Number.isFinite(x))).toBe(true);
      const bytes = roundTrip(regular(v.length, 60_000), v);
      expect(bytes / v.length, file).toBeLessThanOrEqual(2.0);
    }
  });
});
