/**
 * The topology rules of core/grid/topology/api.ts written out literally and
 * slowly, with plain objects, to check the typed-array implementation
 * against: breadth-first search from each feeder root in element order,
 * then from each unreached non-switch element, then from whatever is left;
 * an open switch is visited but never expanded; a transformer that names
 * its low-voltage node is entered and left only through it.
 */
import type { GridNetwork } from '../../../core/grid/network.js';

export interface ReferenceIsland {
  readonly root: string | undefined;
  readonly elements: string[];
  readonly radial: boolean;
  readonly maxDepth: number;
}

export interface ReferenceForest {
  readonly islands: ReferenceIsland[];
  readonly parent: Map<string, string | undefined>;
  readonly depth: Map<string, number>;
  readonly islandOf: Map<string, number>;
  /** Tree distance by walking parents, -1 across islands. */
  distance(a: string, b: string): number;
}

export function referenceForest(network: GridNetwork): ReferenceForest {
  const byId = new Map(network.elements.map((e) => [e.id, e]));
  const neighbours = new Map<string, string[]>(network.elements.map((e) => [e.id, []]));
  for (const l of network.links) {
    if (!neighbours.get(l.equipment)!.includes(l.node)) neighbours.get(l.equipment)!.push(l.node);
    if (!neighbours.get(l.node)!.includes(l.equipment)) neighbours.get(l.node)!.push(l.equipment);
  }
  const isOpen = (id: string): boolean => {
    const e = byId.get(id)!;
    return e.kind === 'switch' && (e.open ?? e.normalOpen ?? false);
  };
  const passes = (a: string, b: string): boolean => {
    const ea = byId.get(a)!;
    const eb = byId.get(b)!;
    if (ea.kind === 'transformer' && ea.lowVoltageNode !== undefined && ea.lowVoltageNode !== b) return false;
    return !(eb.kind === 'transformer' && eb.lowVoltageNode !== undefined && eb.lowVoltageNode !== a);
  };

  const parent = new Map<string, string | undefined>();
  const depth = new Map<string, number>();
  const islandOf = new Map<string, number>();
  const islands: ReferenceIsland[] = [];
  const search = (seed: string, root: string | undefined): void => {
    const index = islands.length;
    const order = [seed];
    parent.set(seed, undefined);
    depth.set(seed, 0);
    islandOf.set(seed, index);
    for (let head = 0; head < order.length; head++) {
      const v = order[head];
      if (isOpen(v)) continue;
      for (const w of neighbours.get(v)!) {
        if (islandOf.has(w) || !passes(v, w)) continue;
        parent.set(w, v);
        depth.set(w, depth.get(v)! + 1);
        islandOf.set(w, index);
        order.push(w);
      }
    }
    // Conducting links inside the island: every link that passes, an open switch's only towards its parent.
    let edges = 0;
    for (const v of order) {
      for (const w of neighbours.get(v)!) {
        if (v >= w || islandOf.get(w) !== index || !passes(v, w)) continue;
        if (isOpen(v) && parent.get(v) !== w) continue;
        if (isOpen(w) && parent.get(w) !== v) continue;
        edges++;
      }
    }
    islands.push({ root, elements: order, radial: edges === order.length - 1, maxDepth: Math.max(...order.map((v) => depth.get(v)!)) });
  };
  for (const e of network.elements) {
    if ((e.kind === 'transformer' || e.kind === 'source') && !islandOf.has(e.id)) search(e.id, e.id);
  }
  for (const e of network.elements) if (e.kind !== 'switch' && !islandOf.has(e.id)) search(e.id, undefined);
  for (const e of network.elements) if (!islandOf.has(e.id)) search(e.id, undefined);

  const distance = (a: string, b: string): number => {
    if (islandOf.get(a) !== islandOf.get(b)) return -1;
    const above = new Map<string, number>();
    for (let v: string | undefined = a, d = 0; v !== undefined; v = parent.get(v), d++) above.set(v, d);
    for (let v: string | undefined = b, d = 0; v !== undefined; v = parent.get(v), d++) {
      const da = above.get(v);
      if (da !== undefined) return da + d;
    }
    throw new Error(`no common ancestor of ${a} and ${b}`);
  };
  return { islands, parent, depth, islandOf, distance };
}
