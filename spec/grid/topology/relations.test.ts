import { describe, expect, it } from 'vitest';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { randomFeeder } from '../../support/random-feeder.js';
import { referenceForest } from './reference-forest.js';
import { randomCases } from './shared-cases.js';

describe.each(randomCases)('random feeder %o', (options) => {
  const network = randomFeeder(options);
  const topology = buildTopology(network);
  const ids = topology.ids();

  it('has the islands, parents, depths and distances of the literal rules', () => {
    const reference = referenceForest(network);
    expect(topology.islands()).toEqual(reference.islands);
    // The cases are chosen so that each kind of island occurs somewhere; this one must at least have a feeder.
    expect(topology.islands().some((i) => i.root !== undefined)).toBe(true);
    for (const id of ids) {
      expect(topology.parent(id)).toBe(reference.parent.get(id));
      expect(topology.depth(id)).toBe(reference.depth.get(id));
    }
    for (let a = 0; a < ids.length; a += 3) {
      for (let b = 0; b < ids.length; b++) expect(topology.distanceAt(a, b)).toBe(reference.distance(ids[a], ids[b]));
    }
  });

  it('is symmetric in connection, antisymmetric in hops, and agrees with its own paths', () => {
    // One expect per broken rule, not per pair: 160,000 expect() calls alone take seconds.
    const broken: string[] = [];
    let lineal = 0;
    for (const a of ids) {
      for (const b of ids) {
        const ab = topology.entry(a, b);
        const ba = topology.entry(b, a);
        const pair = `${a}→${b}`;
        if (ab.direct !== ba.direct || ab.indirect !== ba.indirect || ab.viaSwitching !== ba.viaSwitching) broken.push(`${pair} not symmetric`);
        if (ab.distance !== ba.distance) broken.push(`${pair} distance not symmetric`);
        if (ab.hops + ba.hops !== 0) broken.push(`${pair} hops not antisymmetric`);
        if (ab.hops !== 0 && Math.abs(ab.hops) !== ab.distance) broken.push(`${pair} |hops| ${ab.hops} ≠ distance ${ab.distance}`);
        if (ab.hops !== 0) lineal++;
        if (ab.distance !== topology.path(a, b).length - 1) broken.push(`${pair} distance ≠ path length - 1`);
        if ((ab.direct || ab.indirect) && ab.viaSwitching) broken.push(`${pair} connected and via switching`);
        if (ab.direct && ab.indirect) broken.push(`${pair} direct and indirect`);
      }
    }
    expect(broken.slice(0, 5)).toEqual([]);
    expect(lineal).toBeGreaterThan(ids.length);
  });

  it('has children, parents and subtrees that agree with hops', () => {
    for (const a of ids) {
      for (const child of topology.children(a)) {
        expect(topology.parent(child)).toBe(a);
        expect(topology.entry(a, child).hops).toBe(1);
      }
      const parent = topology.parent(a);
      if (parent !== undefined) expect(topology.children(parent)).toContain(a);
      const below = ids.filter((b) => topology.entry(a, b).hops > 0);
      expect(new Set(topology.subtree(a))).toEqual(new Set([a, ...below]));
      expect(topology.subtree(a)[0]).toBe(a);
    }
  });

  it('has a dense form equal to entry() for every pair', () => {
    const dense = topology.dense();
    const n = topology.size;
    const broken: string[] = [];
    const seen = new Set<number>();
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const e = topology.entry(ids[a], ids[b]);
        const relation = (e.direct ? 1 : 0) | (e.indirect ? 2 : 0) | (e.viaSwitching ? 4 : 0);
        seen.add(relation);
        const cell = a * n + b;
        if (dense.relation[cell] !== relation || dense.hops[cell] !== e.hops || dense.distance[cell] !== e.distance) {
          broken.push(`${ids[a]}→${ids[b]}: dense ${dense.relation[cell]}/${dense.hops[cell]}/${dense.distance[cell]}, entry ${relation}/${e.hops}/${e.distance}`);
        }
        if (topology.hopsAt(a, b) !== e.hops) broken.push(`${ids[a]}→${ids[b]}: hopsAt`);
      }
    }
    expect(broken.slice(0, 5)).toEqual([]);
    expect([...seen].sort()).toEqual([0, 1, 2, 4]);
  });
});
