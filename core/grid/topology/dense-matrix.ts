/**
 * The dense extended adjacency matrix, row-major (index a * size + b), kept
 * current by the topology after switch changes. A row is filled from the
 * forest's labels in O(size of a's island + its all-closed component) after
 * three `fill`s of the row, never with one LCA query per pair: the subtree of
 * each ancestor u of a is one preorder range, and every b in it that is not
 * below the previous ancestor has u as the lowest common ancestor.
 */
import type { DenseAdjacency } from './api.js';
import type { ElementGraph } from './element-graph.js';
import type { IslandForest } from './island-forest.js';

export const RELATION_DIRECT = 1;
export const RELATION_INDIRECT = 2;
export const RELATION_VIA_SWITCHING = 4;

export class DenseMatrix implements DenseAdjacency {
  readonly size: number;
  readonly relation: Uint8Array;
  readonly hops: Int32Array;
  readonly distance: Int32Array;
  private readonly rowMark: Uint8Array;

  constructor(
    private readonly graph: ElementGraph,
    private readonly forest: IslandForest,
    /** Members of each all-closed component, as CSR over component labels. */
    private readonly allClosed: { readonly label: Int32Array; readonly offsets: Int32Array; readonly members: Int32Array },
    private readonly conducts: (a: number, b: number) => boolean,
  ) {
    const n = graph.size;
    this.size = n;
    this.relation = new Uint8Array(n * n);
    this.hops = new Int32Array(n * n);
    this.distance = new Int32Array(n * n);
    this.rowMark = new Uint8Array(n);
    for (let a = 0; a < n; a++) this.fillRow(a);
  }

  /** Recomputes the rows of `rows` and writes their columns by symmetry in every other row. */
  update(rows: readonly number[]): void {
    const n = this.size;
    for (const a of rows) {
      this.fillRow(a);
      this.rowMark[a] = 1;
    }
    // Outside b's all-closed component a column holds "unrelated" (0, 0, -1) for ever: only the component is rewritten.
    const { label, offsets, members } = this.allClosed;
    for (const b of rows) {
      const rowB = b * n;
      const comp = label[b];
      for (let k = offsets[comp], end = offsets[comp + 1]; k < end; k++) {
        const a = members[k];
        if (this.rowMark[a] === 1) continue;
        const cell = a * n + b;
        this.relation[cell] = this.relation[rowB + a];
        this.hops[cell] = -this.hops[rowB + a];
        this.distance[cell] = this.distance[rowB + a];
      }
    }
    for (const a of rows) this.rowMark[a] = 0;
  }

  private fillRow(a: number): void {
    const n = this.size;
    const f = this.forest;
    const base = a * n;
    const relation = this.relation;
    const hops = this.hops;
    const distance = this.distance;
    relation.fill(0, base, base + n);
    hops.fill(0, base, base + n);
    distance.fill(-1, base, base + n);

    const islandA = f.island[a];
    const { label, offsets, members } = this.allClosed;
    const comp = label[a];
    for (let k = offsets[comp], end = offsets[comp + 1]; k < end; k++) {
      const b = members[k];
      if (f.island[b] !== islandA) relation[base + b] = RELATION_VIA_SWITCHING;
    }

    const euler = f.islands.get(islandA)!.euler;
    const depthA = f.depth[a];
    for (let t = f.tin[a], end = f.tout[a]; t <= end; t++) {
      const b = euler[t];
      const d = f.depth[b] - depthA;
      distance[base + b] = d;
      hops[base + b] = d;
      relation[base + b] = RELATION_INDIRECT;
    }
    let below = a;
    for (let u = f.parent[a]; u >= 0; below = u, u = f.parent[u]) {
      const du = f.depth[u];
      hops[base + u] = du - depthA;
      const offset = depthA - 2 * du;
      for (let t = f.tin[u], end = f.tin[below]; t < end; t++) {
        const b = euler[t];
        distance[base + b] = offset + f.depth[b];
        relation[base + b] = RELATION_INDIRECT;
      }
      for (let t = f.tout[below] + 1, end = f.tout[u]; t <= end; t++) {
        const b = euler[t];
        distance[base + b] = offset + f.depth[b];
        relation[base + b] = RELATION_INDIRECT;
      }
    }
    relation[base + a] = 0;
    const g = this.graph;
    for (let k = g.offsets[a], end = g.offsets[a + 1]; k < end; k++) {
      const b = g.targets[k];
      if (this.conducts(a, b)) relation[base + b] = RELATION_DIRECT;
    }
  }
}
