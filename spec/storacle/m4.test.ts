import { describe, expect, it } from 'vitest';
import { Series } from '../../core/storacle/series/index.js';
import { prng } from '../../tools/bench/prng.js';
import { m4Reference, type Ref } from './m4-reference.js';

/** The reference's picks as two columns. */
function m4Ref(ref: readonly Ref[], from: number, to: number, pixels: number): { timestamps: number[]; values: number[] } {
  const picked = m4Reference(ref, from, to, pixels);
  return { timestamps: picked.map((e) => e.t), values: picked.map((e) => e.v) };
}

/** Irregular timestamps; values with long NaN runs, repeated extremes, 0 and -0. */
function awkward(count: number, seed: number): Ref[] {
  const r = prng(seed);
  const out: Ref[] = [];
  let t = 1_000;
  let nanRun = 0;
  for (let i = 0; i < count; i++) {
    t += 1 + Math.floor(r() * (r() < 0.05 ? 5_000 : 40));
    if (nanRun === 0 && r() < 0.01) nanRun = 1 + Math.floor(r() * 400);
    let v: number;
    if (nanRun > 0) {
      nanRun--;
      v = Number.NaN;
    } else {
      const k = Math.floor(r() * 9) - 4;
      v = k === 0 ? (r() < 0.5 ? 0 : -0) : k;
    }
    out.push({ t, v });
  }
  return out;
}

function plain(c: { timestamps: Float64Array; values: Float64Array }): { timestamps: number[]; values: number[] } {
  return { timestamps: Array.from(c.timestamps), values: Array.from(c.values) };
}

describe('Series m4: buckets across chunks and the head, NaN runs, ties', () => {
  const ref = awkward(6_000, 17);
  const s = new Series({ chunkSize: 97 });
  for (const e of ref) s.append(e.t, e.v, e.t);
  const first = ref[0].t;
  const last = ref[ref.length - 1].t;

  it('keeps sealed chunks and a head', () => {
    expect(s.chunkCount).toBeGreaterThan(50);
    expect(s.headLength).toBeGreaterThan(0);
  });

  it('equals the brute-force reference (Object.is on every value) for random spans and widths', () => {
    const r = prng(5);
    for (let k = 0; k < 150; k++) {
      const from = first - 500 + Math.floor(r() * (last - first));
      const to = from + 1 + Math.floor(r() * (last - first + 1_000));
      const pixels = 1 + Math.floor(r() * [3, 40, 700, 9_000][k % 4]);
      const kept = s.m4(from, to, pixels);
      const got = plain(kept);
      const want = m4Ref(ref, from, to, pixels);
      expect(kept.sourceEntries).toBe(ref.filter((e) => e.t >= from && e.t < to).length);
      expect(got.timestamps, `[${from}, ${to}) ${pixels}`).toEqual(want.timestamps);
      expect(got.values.length).toBe(want.values.length);
      for (let i = 0; i < want.values.length; i++) expect(Object.is(got.values[i], want.values[i]), `value ${i} of [${from}, ${to}) ${pixels}`).toBe(true);
    }
  });

  it('a bucket of only NaN values keeps its first and last entry', () => {
    const n = new Series({ chunkSize: 3 });
    const nanRef: Ref[] = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => ({ t, v: Number.NaN }));
    nanRef.push({ t: 8, v: 1 }, { t: 9, v: Number.NaN });
    for (const e of nanRef) n.append(e.t, e.v, 0);
    expect(plain(n.m4(0, 10, 1)).timestamps).toEqual([0, 8, 9]);
    expect(plain(n.m4(0, 16, 2)).timestamps).toEqual([0, 7, 8, 9]);
    expect(plain(n.m4(0, 16, 2)).timestamps).toEqual(m4Ref(nanRef, 0, 16, 2).timestamps);
  });
});
