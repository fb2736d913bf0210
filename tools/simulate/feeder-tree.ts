/**
 * The radial tree of a feeder as it is energised now, walked straight on a
 * GridNetwork: from the transformer through its low-voltage node, never
 * through an open switch, never back up to the medium-voltage side. The
 * simulator derives its ground truth (which buildings lie below which
 * monitoring point) from this walk of the network it produced rather than
 * from its own bookkeeping, so the truth holds for the network as written.
 */
import type { GridNetwork } from '../../core/grid/network.js';

export interface FeederTree {
  /** Element ids in breadth-first order from the transformer. */
  readonly order: readonly string[];
  /** Parent of each reached element (the transformer has none). */
  readonly parent: ReadonlyMap<string, string>;
  /** Elements below an element, in breadth-first order, the element first. */
  subtree(id: string): readonly string[];
  /** Ids from the element up to the transformer, both included; empty when not reached. */
  pathToRoot(id: string): readonly string[];
}

export function feederTree(network: GridNetwork, transformerId: string): FeederTree {
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  const transformer = byId.get(transformerId);
  if (transformer?.kind !== 'transformer' || transformer.lowVoltageNode === undefined) {
    throw new Error(`${transformerId} is not a transformer with a known low-voltage node`);
  }
  const neighbours = new Map<string, string[]>();
  const connect = (a: string, b: string): void => {
    const list = neighbours.get(a);
    if (list) list.push(b);
    else neighbours.set(a, [b]);
  };
  for (const link of network.links) {
    connect(link.equipment, link.node);
    connect(link.node, link.equipment);
  }
  const parent = new Map<string, string>();
  const children = new Map<string, string[]>();
  const order: string[] = [transformerId];
  const seen = new Set<string>([transformerId]);
  // The transformer is entered from above: only its low-voltage node lies below it.
  const queue: string[] = [transformer.lowVoltageNode];
  parent.set(transformer.lowVoltageNode, transformerId);
  seen.add(transformer.lowVoltageNode);
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    order.push(id);
    const up = parent.get(id)!;
    const list = children.get(up);
    if (list) list.push(id);
    else children.set(up, [id]);
    // An open switch is reached but conducts nothing further.
    if (byId.get(id)?.open === true) continue;
    for (const next of neighbours.get(id) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      parent.set(next, id);
      queue.push(next);
    }
  }
  return {
    order,
    parent,
    subtree(id) {
      if (!seen.has(id)) return [];
      const result = [id];
      for (let head = 0; head < result.length; head++) result.push(...(children.get(result[head]!) ?? []));
      return result;
    },
    pathToRoot(id) {
      if (!seen.has(id)) return [];
      const path = [id];
      for (let at = parent.get(id); at !== undefined; at = parent.get(at)) path.push(at);
      return path;
    },
  };
}
