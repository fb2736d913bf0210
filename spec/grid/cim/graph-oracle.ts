/**
 * A deliberately simple reading of a GridNetwork for the CIM tests, written
 * apart from core/grid/topology so the import is checked against something
 * it does not share code with: islands by union-find, depths by BFS.
 */
import type { GridElement, GridNetwork } from '../../../core/grid/network.js';

export interface ConductingOptions {
  /** Treat every switch as closed (the "all switches closed" graph). */
  readonly allClosed?: boolean;
  /** Elements nothing is reached through (e.g. the transformer, to stay on its low-voltage side). */
  readonly blocked?: ReadonlySet<string>;
}

function conducts(element: GridElement, options: ConductingOptions): boolean {
  if (options.blocked?.has(element.id) === true) return false;
  return element.kind !== 'switch' || options.allClosed === true || element.open !== true;
}

/** Neighbours by element id, over links of conducting equipment only. */
export function adjacency(network: GridNetwork, options: ConductingOptions = {}): Map<string, string[]> {
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  const neighbours = new Map<string, string[]>(network.elements.map((element) => [element.id, []]));
  for (const link of network.links) {
    const equipment = byId.get(link.equipment);
    if (equipment === undefined || !conducts(equipment, options)) continue;
    neighbours.get(link.equipment)!.push(link.node);
    neighbours.get(link.node)!.push(link.equipment);
  }
  return neighbours;
}

/**
 * Islands counted on nodes: two nodes are in one island when conducting
 * equipment joins them. Equipment belongs to the island of a node it touches
 * (an open switch to either side, as in the topology contract), so counting
 * node groups counts islands.
 */
export function nodeIslands(network: GridNetwork, options: ConductingOptions = {}): string[][] {
  const neighbours = adjacency(network, options);
  const kindOf = new Map(network.elements.map((element) => [element.id, element.kind]));
  const seen = new Set<string>();
  const islands: string[][] = [];
  for (const element of network.elements) {
    if (element.kind !== 'node' || seen.has(element.id)) continue;
    const island: string[] = [];
    const queue = [element.id];
    seen.add(element.id);
    while (queue.length > 0) {
      const id = queue.shift()!;
      island.push(id);
      for (const next of neighbours.get(id)!) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    islands.push(island.filter((id) => kindOf.get(id) === 'node'));
  }
  return islands;
}

/** Link distance of every element reached from `start` (breadth-first). */
export function linkDepths(network: GridNetwork, start: string, options: ConductingOptions = {}): Map<string, number> {
  const neighbours = adjacency(network, options);
  const depth = new Map<string, number>([[start, 0]]);
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const next of neighbours.get(id)!) {
      if (!depth.has(next)) {
        depth.set(next, depth.get(id)! + 1);
        queue.push(next);
      }
    }
  }
  return depth;
}

/** True when the conducting graph reachable from `start` has no cycle (edges = links). */
export function isRadialFrom(network: GridNetwork, start: string, options: ConductingOptions = {}): boolean {
  const neighbours = adjacency(network, options);
  const reached = linkDepths(network, start, options);
  let edges = 0;
  for (const id of reached.keys()) edges += neighbours.get(id)!.length;
  // Every link is counted from both ends; a tree has one edge less than it has vertices.
  return edges / 2 === reached.size - 1;
}
