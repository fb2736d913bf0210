/**
 * The breadth-first forest of the current graph: per element its island,
 * parent, depth, preorder interval (tin..tout, so "u is an ancestor of v" is
 * two comparisons) and binary-lifting ancestors (for the lowest common
 * ancestor, hence distances), all in typed arrays indexed by element.
 *
 * The forest is a function of the switch states only, never of the order in
 * which they were set: `relabel` recomputes a region (whole islands) with
 * exactly the rules of a full build, so a switch change gives what a rebuild
 * would. The rules, as api.ts states them:
 *   - islands are processed in a fixed order: fed islands by their lowest
 *     feeder-root index, then unfed ones by their lowest non-switch index,
 *     then switches nothing reached, by index. `key` encodes that order;
 *   - the elements other than open switches split into "core" components
 *     (connected without any open switch), which the order does not affect;
 *   - an open switch joins the first island (lowest key) next to it and
 *     hangs from the first element of that island that reaches it.
 * So a switch change only affects the islands around the switch, plus an
 * island that gains or loses an open switch because a neighbour's key moved.
 */
import type { ElementGraph } from './element-graph.js';

export interface IslandRecord {
  readonly id: number;
  /** Processing order (see above): root index, n + seed index, or 2n + switch index. */
  readonly key: number;
  /** The feeder root's index, or -1 when not fed. */
  readonly root: number;
  /** The element the breadth-first search started from. */
  readonly seed: number;
  /** Elements, breadth-first. */
  readonly order: Int32Array;
  /** Elements in preorder: the subtree of v is euler[tin[v] .. tout[v]]. */
  readonly euler: Int32Array;
  readonly radial: boolean;
  readonly maxDepth: number;
}

/** What one relabel changed, for SwitchChange and for the dense matrix. */
export interface RelabelResult {
  /** Elements whose parent, depth or island (its key) changed. */
  readonly labelChanged: number;
  /** Elements whose chain of ancestors changed in any way: their rows of the matrix may differ. */
  readonly chainChanged: readonly number[];
}

export class IslandForest {
  readonly island: Int32Array;
  readonly parent: Int32Array;
  readonly depth: Int32Array;
  readonly tin: Int32Array;
  readonly tout: Int32Array;
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;
  /** Binary lifting: up[k * n + v] is v's 2^k-th ancestor (the seed maps to itself). */
  readonly up: Int32Array;
  readonly levels: number;
  readonly islands = new Map<number, IslandRecord>();

  private nextIslandId = 0;
  // Scratch, all -1 / 0 between calls.
  private readonly inRegion: Uint8Array;
  private readonly compOf: Int32Array;
  private readonly queue: Int32Array;
  private readonly subtreeSize: Int32Array;
  private readonly changedMark: Uint8Array;

  constructor(
    private readonly graph: ElementGraph,
    /** 1 where a switch is open; owned by the topology, read here. */
    private readonly open: Uint8Array,
  ) {
    const n = graph.size;
    this.island = new Int32Array(n).fill(-1);
    this.parent = new Int32Array(n).fill(-1);
    this.depth = new Int32Array(n);
    this.tin = new Int32Array(n);
    this.tout = new Int32Array(n);
    this.firstChild = new Int32Array(n).fill(-1);
    this.nextSibling = new Int32Array(n).fill(-1);
    this.levels = Math.max(1, Math.ceil(Math.log2(n + 1)));
    this.up = new Int32Array(this.levels * n);
    this.inRegion = new Uint8Array(n);
    this.compOf = new Int32Array(n).fill(-1);
    this.queue = new Int32Array(n);
    this.subtreeSize = new Int32Array(n);
    this.changedMark = new Uint8Array(n);
  }

  buildAll(): void {
    const all: number[] = new Array<number>(this.graph.size);
    for (let i = 0; i < all.length; i++) all[i] = i;
    this.relabel(all);
  }

  /** Recomputes the islands holding `elements` (and any the change spills into). */
  relabelAround(elements: readonly number[]): RelabelResult {
    const region: number[] = [];
    const taken = new Set<number>();
    for (const v of elements) {
      const id = this.island[v];
      if (taken.has(id)) continue;
      taken.add(id);
      for (const w of this.islands.get(id)!.order) region.push(w);
    }
    return this.relabel(region);
  }

  isAncestor(u: number, v: number): boolean {
    return this.tin[u] <= this.tin[v] && this.tout[v] <= this.tout[u];
  }

  /** Lowest common ancestor of two elements of one island. */
  lca(a: number, b: number): number {
    if (this.isAncestor(a, b)) return a;
    if (this.isAncestor(b, a)) return b;
    const n = this.graph.size;
    let x = a;
    for (let k = this.levels - 1; k >= 0; k--) {
      const u = this.up[k * n + x];
      if (!this.isAncestor(u, b)) x = u;
    }
    return this.up[x];
  }

  private isOpenSwitch(v: number): boolean {
    return this.open[v] === 1;
  }

  private relabel(initial: number[]): RelabelResult {
    const region = initial;
    for (const v of region) this.inRegion[v] = 1;

    let comps: Component[];
    let assignment: Map<number, number>;
    for (;;) {
      comps = this.coreComponents(region);
      assignment = new Map();
      const spill = this.assignOpenSwitches(region, comps, assignment);
      if (spill.size === 0) break;
      // An island outside the region gains or loses an open switch: it joins the region.
      for (const id of spill) {
        for (const w of this.islands.get(id)!.order) {
          region.push(w);
          this.inRegion[w] = 1;
        }
      }
      for (const v of region) this.compOf[v] = -1;
    }

    // Old labels, to tell what changed.
    const oldParent = new Int32Array(region.length);
    const oldDepth = new Int32Array(region.length);
    const oldKey = new Float64Array(region.length);
    const slot = new Map<number, number>();
    for (let i = 0; i < region.length; i++) {
      const v = region[i];
      slot.set(v, i);
      const id = this.island[v];
      const old = id >= 0 ? this.islands.get(id) : undefined;
      oldParent[i] = old ? this.parent[v] : -2;
      oldDepth[i] = this.depth[v];
      oldKey[i] = old ? old.key : -1;
    }
    for (const v of region) if (this.island[v] >= 0) this.islands.delete(this.island[v]);
    for (const v of region) this.island[v] = -1;

    const newIds: number[] = [];
    for (let c = 0; c < comps.length; c++) newIds.push(this.searchIsland(comps[c], c, assignment));

    for (const v of region) {
      this.inRegion[v] = 0;
      this.compOf[v] = -1;
    }

    let labelChanged = 0;
    const chainChanged: number[] = [];
    const changedSet = this.changedMark;
    for (const id of newIds) {
      const record = this.islands.get(id)!;
      for (const v of record.order) {
        const i = slot.get(v)!;
        const own = this.parent[v] !== oldParent[i] || this.depth[v] !== oldDepth[i] || record.key !== oldKey[i];
        if (own) labelChanged++;
        const p = this.parent[v];
        if (own || (p >= 0 && changedSet[p] === 1)) {
          changedSet[v] = 1;
          chainChanged.push(v);
        }
      }
    }
    for (const v of chainChanged) changedSet[v] = 0;
    return { labelChanged, chainChanged };
  }

  /** Components of the region without open switches; keys as in the file comment. */
  private coreComponents(region: readonly number[]): Component[] {
    const g = this.graph;
    const n = g.size;
    const comps: Component[] = [];
    const queue = this.queue;
    for (const s of region) {
      if (this.compOf[s] >= 0 || this.isOpenSwitch(s)) continue;
      const c = comps.length;
      let head = 0;
      let tail = 0;
      queue[tail++] = s;
      this.compOf[s] = c;
      let minRoot = n;
      let minPlain = n;
      let minSwitch = n;
      while (head < tail) {
        const v = queue[head++];
        if (g.rootFlag[v] === 1 && v < minRoot) minRoot = v;
        if (g.switchFlag[v] === 1) {
          if (v < minSwitch) minSwitch = v;
        } else if (v < minPlain) minPlain = v;
        for (let k = g.offsets[v], end = g.offsets[v + 1]; k < end; k++) {
          const w = g.targets[k];
          if (this.compOf[w] >= 0 || this.isOpenSwitch(w) || !g.passes(v, w)) continue;
          this.compOf[w] = c;
          queue[tail++] = w;
        }
      }
      if (minRoot < n) comps.push({ key: minRoot, seed: minRoot, root: minRoot });
      else if (minPlain < n) comps.push({ key: n + minPlain, seed: minPlain, root: -1 });
      else comps.push({ key: 2 * n + minSwitch, seed: minSwitch, root: -1 });
    }
    return comps;
  }

  /**
   * Gives each open switch in or next to the region the component it hangs
   * from (its index in `comps`, recorded in `assignment`); returns the ids of
   * islands outside the region that gain or lose an open switch.
   */
  private assignOpenSwitches(region: readonly number[], comps: Component[], assignment: Map<number, number>): Set<number> {
    const g = this.graph;
    const n = g.size;
    const spill = new Set<number>();
    const candidates = new Set<number>();
    for (const v of region) {
      if (this.isOpenSwitch(v)) candidates.add(v);
      for (let k = g.offsets[v], end = g.offsets[v + 1]; k < end; k++) {
        const w = g.targets[k];
        if (this.isOpenSwitch(w) && this.inRegion[w] === 0) candidates.add(w);
      }
    }
    for (const s of [...candidates].sort((a, b) => a - b)) {
      let bestKey = Infinity;
      let bestComp = -1;
      let bestIsland = -1;
      for (let k = g.offsets[s], end = g.offsets[s + 1]; k < end; k++) {
        const w = g.targets[k];
        if (this.isOpenSwitch(w) || !g.passes(s, w)) continue;
        if (this.inRegion[w] === 1) {
          const c = this.compOf[w];
          if (comps[c].key < bestKey) {
            bestKey = comps[c].key;
            bestComp = c;
            bestIsland = -1;
          }
        } else {
          const id = this.island[w];
          const key = this.islands.get(id)!.key;
          if (key < bestKey) {
            bestKey = key;
            bestComp = -1;
            bestIsland = id;
          }
        }
      }
      const inside = this.inRegion[s] === 1;
      if (bestComp < 0 && bestIsland < 0) {
        // Nothing reaches it: the switch is an island of its own.
        bestComp = comps.length;
        comps.push({ key: 2 * n + s, seed: s, root: -1 });
      }
      if (bestIsland >= 0) {
        if (inside || bestIsland !== this.island[s]) spill.add(bestIsland);
        if (!inside && bestIsland !== this.island[s]) spill.add(this.island[s]);
      } else {
        if (!inside) spill.add(this.island[s]);
        assignment.set(s, bestComp);
      }
    }
    return spill;
  }

  /** Breadth-first search of one component and the labels that follow from it. */
  private searchIsland(comp: Component, c: number, assignment: ReadonlyMap<number, number>): number {
    const g = this.graph;
    const n = g.size;
    const id = this.nextIslandId++;
    const queue = this.queue;
    let head = 0;
    let tail = 0;
    queue[tail++] = comp.seed;
    this.island[comp.seed] = id;
    this.parent[comp.seed] = -1;
    this.depth[comp.seed] = 0;
    let coreEdgeEnds = 0;
    let hanging = 0;
    let maxDepth = 0;
    while (head < tail) {
      const v = queue[head++];
      if (this.isOpenSwitch(v)) continue;
      const d = this.depth[v] + 1;
      for (let k = g.offsets[v], end = g.offsets[v + 1]; k < end; k++) {
        const w = g.targets[k];
        if (!g.passes(v, w)) continue;
        if (this.isOpenSwitch(w)) {
          if (this.island[w] >= 0 || assignment.get(w) !== c) continue;
          hanging++;
        } else {
          coreEdgeEnds++;
          if (this.island[w] >= 0) continue;
        }
        this.island[w] = id;
        this.parent[w] = v;
        this.depth[w] = d;
        if (d > maxDepth) maxDepth = d;
        queue[tail++] = w;
      }
    }
    const order = queue.slice(0, tail);

    const size = this.subtreeSize;
    for (let i = tail - 1; i >= 0; i--) {
      const v = order[i];
      size[v] = 1;
      this.firstChild[v] = -1;
    }
    for (let i = tail - 1; i >= 1; i--) {
      const v = order[i];
      const p = this.parent[v];
      size[p] += size[v];
      this.nextSibling[v] = this.firstChild[p];
      this.firstChild[p] = v;
    }
    this.nextSibling[comp.seed] = -1;
    const euler = new Int32Array(tail);
    this.tin[comp.seed] = 0;
    for (let i = 0; i < tail; i++) {
      const v = order[i];
      euler[this.tin[v]] = v;
      this.tout[v] = this.tin[v] + size[v] - 1;
      let t = this.tin[v] + 1;
      for (let ch = this.firstChild[v]; ch >= 0; ch = this.nextSibling[ch]) {
        this.tin[ch] = t;
        t += size[ch];
      }
      const p = this.parent[v];
      this.up[v] = p >= 0 ? p : v;
      for (let k = 1; k < this.levels; k++) this.up[k * n + v] = this.up[(k - 1) * n + this.up[(k - 1) * n + v]];
    }

    const record: IslandRecord = {
      id,
      key: comp.key,
      root: comp.root,
      seed: comp.seed,
      order,
      euler,
      radial: coreEdgeEnds / 2 + hanging === tail - 1,
      maxDepth,
    };
    this.islands.set(id, record);
    return id;
  }
}

interface Component {
  readonly key: number;
  readonly seed: number;
  readonly root: number;
}
