/**
 * The element graph of a GridNetwork in compressed sparse rows: vertices are
 * the elements (equipment and nodes) by index, edges the links, each pair
 * once (a switch whose two terminals land on one node, as bus-branch models
 * do, is one edge, not a loop). It never changes after construction; switch
 * states live beside it, so a switch change touches no array here.
 */
import { isFeederRoot, isSwitch, type GridNetwork } from '../network.js';
import { TopologyError } from './api.js';

export class ElementGraph {
  readonly size: number;
  readonly ids: readonly string[];
  readonly indexById: ReadonlyMap<string, number>;
  /** Neighbours of v are targets[offsets[v] .. offsets[v + 1] - 1], in link order. */
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  /** 1 for switches. */
  readonly switchFlag: Uint8Array;
  /** 1 for transformers and sources. */
  readonly rootFlag: Uint8Array;
  /**
   * A transformer's low-voltage node, or -1. A transformer that names one
   * conducts only to it: the LV feeder is fed from the transformer, and the
   * MV side is another island, not more of the same feeder.
   */
  readonly lowVoltageNode: Int32Array;

  constructor(network: GridNetwork) {
    const elements = network.elements;
    const n = elements.length;
    this.size = n;
    const ids: string[] = new Array<string>(n);
    const indexById = new Map<string, number>();
    this.switchFlag = new Uint8Array(n);
    this.rootFlag = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const element = elements[i];
      if (indexById.has(element.id)) throw new TopologyError(`duplicate element id ${element.id}`);
      indexById.set(element.id, i);
      ids[i] = element.id;
      if (isSwitch(element)) this.switchFlag[i] = 1;
      if (isFeederRoot(element)) this.rootFlag[i] = 1;
    }
    this.ids = Object.freeze(ids);
    this.indexById = indexById;

    // Each unordered pair once: a key per pair in a Set is the simplest dedup that keeps link order.
    const from: number[] = [];
    const to: number[] = [];
    const seen = new Set<number>();
    const degree = new Int32Array(n + 1);
    for (const link of network.links) {
      const a = indexById.get(link.equipment);
      const b = indexById.get(link.node);
      if (a === undefined) throw new TopologyError(`link names an unknown element ${link.equipment}`);
      if (b === undefined) throw new TopologyError(`link names an unknown element ${link.node}`);
      if (a === b) throw new TopologyError(`link joins ${link.equipment} to itself`);
      const key = a < b ? a * n + b : b * n + a;
      if (seen.has(key)) continue;
      seen.add(key);
      from.push(a);
      to.push(b);
      degree[a]++;
      degree[b]++;
    }
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + degree[i];
    const targets = new Int32Array(offsets[n]);
    const fill = offsets.slice(0, n);
    for (let e = 0; e < from.length; e++) {
      targets[fill[from[e]]++] = to[e];
      targets[fill[to[e]]++] = from[e];
    }
    this.offsets = offsets;
    this.targets = targets;

    this.lowVoltageNode = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const lv = elements[i].lowVoltageNode;
      if (elements[i].kind !== 'transformer' || lv === undefined) continue;
      const lvIndex = indexById.get(lv);
      if (lvIndex === undefined) throw new TopologyError(`transformer ${ids[i]} names an unknown low-voltage node ${lv}`);
      if (!this.linked(i, lvIndex)) throw new TopologyError(`transformer ${ids[i]} is not linked to its low-voltage node ${lv}`);
      this.lowVoltageNode[i] = lvIndex;
    }
  }

  linked(a: number, b: number): boolean {
    for (let k = this.offsets[a], end = this.offsets[a + 1]; k < end; k++) if (this.targets[k] === b) return true;
    return false;
  }

  /** Whether the edge a–b can conduct at all, switch states aside (the transformer rule). */
  passes(a: number, b: number): boolean {
    const lvA = this.lowVoltageNode[a];
    if (lvA >= 0 && lvA !== b) return false;
    const lvB = this.lowVoltageNode[b];
    return !(lvB >= 0 && lvB !== a);
  }
}

/**
 * Component labels of the graph with every switch closed (the transformer
 * rule still applies): two elements with the same label are connected now
 * or would be after some switching. Computed once; switching never changes it.
 */
export function allClosedComponents(graph: ElementGraph): Int32Array {
  const n = graph.size;
  const label = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let next = 0;
  for (let s = 0; s < n; s++) {
    if (label[s] >= 0) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    label[s] = next;
    while (head < tail) {
      const v = queue[head++];
      for (let k = graph.offsets[v], end = graph.offsets[v + 1]; k < end; k++) {
        const w = graph.targets[k];
        if (label[w] < 0 && graph.passes(v, w)) {
          label[w] = next;
          queue[tail++] = w;
        }
      }
    }
    next++;
  }
  return label;
}
