/**
 * The feeder topology and the extended adjacency matrix (api.ts) over the
 * element graph: labels per element (island-forest.ts) answer every relation
 * in O(1) or O(log n) without an n×n table; `dense()` materialises one for
 * small networks and keeps it current across switch changes. Layout and
 * reasons: README.md in this folder.
 */
import type { GridNetwork } from '../network.js';
import {
  TopologyError,
  type AdjacencyEntry,
  type DenseAdjacency,
  type FeederTopology,
  type Island,
  type SwitchChange,
} from './api.js';
import { DenseMatrix } from './dense-matrix.js';
import { allClosedComponents, ElementGraph } from './element-graph.js';
import { IslandForest } from './island-forest.js';

export interface TopologyOptions {
  /**
   * Switch states that override the network's (`open` of each switch), by
   * id: what-if topologies, e.g. one per switching hypothesis.
   */
  readonly switchStates?: ReadonlyMap<string, boolean>;
}

export const DEFAULT_DENSE_LIMIT = 4096;

export function buildTopology(network: GridNetwork, options: TopologyOptions = {}): FeederTopology {
  return new FeederTopologyModel(network, options);
}

class FeederTopologyModel implements FeederTopology {
  readonly size: number;
  private readonly graph: ElementGraph;
  private readonly open: Uint8Array;
  private readonly forest: IslandForest;
  private readonly allClosed: { readonly label: Int32Array; readonly offsets: Int32Array; readonly members: Int32Array };
  private denseMatrix: DenseMatrix | undefined;
  private islandList: readonly Island[] | undefined;

  constructor(network: GridNetwork, options: TopologyOptions) {
    this.graph = new ElementGraph(network);
    const n = this.graph.size;
    this.size = n;
    this.open = new Uint8Array(n);
    network.elements.forEach((element, i) => {
      if (this.graph.switchFlag[i] === 1 && (element.open ?? element.normalOpen ?? false)) this.open[i] = 1;
    });
    for (const [id, open] of options.switchStates ?? []) this.open[this.switchIndex(id)] = open ? 1 : 0;

    const label = allClosedComponents(this.graph);
    let components = 0;
    for (let i = 0; i < n; i++) if (label[i] + 1 > components) components = label[i] + 1;
    const offsets = new Int32Array(components + 1);
    for (let i = 0; i < n; i++) offsets[label[i] + 1]++;
    for (let c = 0; c < components; c++) offsets[c + 1] += offsets[c];
    const members = new Int32Array(n);
    const fill = offsets.slice(0, components);
    for (let i = 0; i < n; i++) members[fill[label[i]]++] = i;
    this.allClosed = { label, offsets, members };

    this.forest = new IslandForest(this.graph, this.open);
    this.forest.buildAll();
  }

  ids(): readonly string[] {
    return this.graph.ids;
  }

  indexOf(id: string): number {
    const index = this.graph.indexById.get(id);
    if (index === undefined) throw new TopologyError(`unknown element ${id}`);
    return index;
  }

  has(id: string): boolean {
    return this.graph.indexById.has(id);
  }

  islands(): readonly Island[] {
    if (this.islandList) return this.islandList;
    const ids = this.graph.ids;
    const records = [...this.forest.islands.values()].sort((x, y) => x.key - y.key);
    this.islandList = Object.freeze(
      records.map((record) =>
        Object.freeze({
          root: record.root >= 0 ? ids[record.root] : undefined,
          elements: Object.freeze(Array.from(record.order, (v) => ids[v])),
          radial: record.radial,
          maxDepth: record.maxDepth,
        }),
      ),
    );
    return this.islandList;
  }

  feeder(id: string): string | undefined {
    const root = this.forest.islands.get(this.forest.island[this.indexOf(id)])!.root;
    return root >= 0 ? this.graph.ids[root] : undefined;
  }

  depth(id: string): number {
    return this.forest.depth[this.indexOf(id)];
  }

  parent(id: string): string | undefined {
    const p = this.forest.parent[this.indexOf(id)];
    return p >= 0 ? this.graph.ids[p] : undefined;
  }

  children(id: string): readonly string[] {
    const result: string[] = [];
    for (let c = this.forest.firstChild[this.indexOf(id)]; c >= 0; c = this.forest.nextSibling[c]) result.push(this.graph.ids[c]);
    return result;
  }

  subtree(id: string): readonly string[] {
    const f = this.forest;
    const queue = [this.indexOf(id)];
    for (let head = 0; head < queue.length; head++) {
      for (let c = f.firstChild[queue[head]]; c >= 0; c = f.nextSibling[c]) queue.push(c);
    }
    return queue.map((v) => this.graph.ids[v]);
  }

  path(a: string, b: string): readonly string[] {
    const f = this.forest;
    const ia = this.indexOf(a);
    const ib = this.indexOf(b);
    if (f.island[ia] !== f.island[ib]) return [];
    const meet = f.lca(ia, ib);
    const up: string[] = [];
    for (let v = ia; v !== meet; v = f.parent[v]) up.push(this.graph.ids[v]);
    up.push(this.graph.ids[meet]);
    const down: string[] = [];
    for (let v = ib; v !== meet; v = f.parent[v]) down.push(this.graph.ids[v]);
    return up.concat(down.reverse());
  }

  entry(a: string, b: string): AdjacencyEntry {
    const ia = this.indexOf(a);
    const ib = this.indexOf(b);
    const connected = this.forest.island[ia] === this.forest.island[ib];
    const direct = connected && ia !== ib && this.graph.linked(ia, ib) && this.conducts(ia, ib);
    return {
      direct,
      indirect: connected && ia !== ib && !direct,
      hops: this.hopsAt(ia, ib),
      distance: this.distanceAt(ia, ib),
      viaSwitching: !connected && this.allClosed.label[ia] === this.allClosed.label[ib],
    };
  }

  hopsAt(a: number, b: number): number {
    this.checkIndex(a);
    this.checkIndex(b);
    const f = this.forest;
    if (f.island[a] !== f.island[b]) return 0;
    if (f.isAncestor(a, b)) return f.depth[b] - f.depth[a];
    if (f.isAncestor(b, a)) return f.depth[b] - f.depth[a];
    return 0;
  }

  distanceAt(a: number, b: number): number {
    this.checkIndex(a);
    this.checkIndex(b);
    const f = this.forest;
    if (f.island[a] !== f.island[b]) return -1;
    return f.depth[a] + f.depth[b] - 2 * f.depth[f.lca(a, b)];
  }

  dense(maxElements: number = DEFAULT_DENSE_LIMIT): DenseAdjacency {
    if (this.size > maxElements) {
      throw new TopologyError(`${this.size} elements exceed the dense limit of ${maxElements} (an n×n matrix); use entry() or hopsAt()/distanceAt()`);
    }
    this.denseMatrix ??= new DenseMatrix(this.graph, this.forest, this.allClosed, (a, b) => this.conducts(a, b));
    return this.denseMatrix;
  }

  setSwitch(switchId: string, open: boolean): SwitchChange {
    const s = this.switchIndex(switchId);
    if ((this.open[s] === 1) === open) return { switchId, open, changed: false, affected: 0 };
    this.open[s] = open ? 1 : 0;
    const around = [s];
    for (let k = this.graph.offsets[s], end = this.graph.offsets[s + 1]; k < end; k++) around.push(this.graph.targets[k]);
    const result = this.forest.relabelAround(around);
    this.islandList = undefined;
    if (this.denseMatrix) {
      // The switch's own links changed conduction even where no label moved.
      const rows = result.chainChanged.includes(s) ? result.chainChanged : [...result.chainChanged, s];
      this.denseMatrix.update(rows);
    }
    return { switchId, open, changed: true, affected: result.labelChanged };
  }

  switchStates(): ReadonlyMap<string, boolean> {
    const states = new Map<string, boolean>();
    for (let i = 0; i < this.size; i++) if (this.graph.switchFlag[i] === 1) states.set(this.graph.ids[i], this.open[i] === 1);
    return states;
  }

  /** A link conducts now: not cut by the transformer rule, and an open switch only towards the element it hangs from. */
  private conducts(a: number, b: number): boolean {
    if (!this.graph.passes(a, b)) return false;
    if (this.open[a] === 1 && this.forest.parent[a] !== b) return false;
    return !(this.open[b] === 1 && this.forest.parent[b] !== a);
  }

  private switchIndex(id: string): number {
    const index = this.indexOf(id);
    if (this.graph.switchFlag[index] !== 1) throw new TopologyError(`element ${id} is not a switch`);
    return index;
  }

  private checkIndex(index: number): void {
    if (!(index >= 0 && index < this.size && Number.isInteger(index))) throw new TopologyError(`element index ${index} out of range 0..${this.size - 1}`);
  }
}
