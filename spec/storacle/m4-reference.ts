// Brute-force M4 for the tests of Series.m4: every entry bucketed, the first, last, minimum and
// maximum (the earliest on ties; NaN never) of each bucket picked, deduplicated, in time order.
// The meaning core/storacle/series/m4.ts must keep, written the slow, obvious way.

export interface Ref {
  t: number;
  v: number;
}

export function m4Reference(ref: readonly Ref[], from: number, to: number, pixels: number): Ref[] {
  const buckets = new Map<number, Ref[]>();
  for (const e of ref) {
    if (e.t < from || e.t >= to) continue;
    const b = Math.min(pixels - 1, Math.floor(((e.t - from) * pixels) / (to - from)));
    const list = buckets.get(b) ?? [];
    list.push(e);
    buckets.set(b, list);
  }
  const picked = new Set<Ref>();
  for (const list of buckets.values()) {
    picked.add(list[0]);
    picked.add(list[list.length - 1]);
    let min: Ref | undefined;
    let max: Ref | undefined;
    for (const e of list) {
      if (Number.isNaN(e.v)) continue;
      if (min === undefined || e.v < min.v) min = e;
      if (max === undefined || e.v > max.v) max = e;
    }
    if (min !== undefined) picked.add(min);
    if (max !== undefined) picked.add(max);
  }
  return [...picked].sort((a, b) => a.t - b.t);
}
