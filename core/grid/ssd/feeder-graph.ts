/**
 * The network as SSD walks it, once per switching hypothesis: elements by
 * index in CSR adjacency, the feeder roots, which elements are switches,
 * consumers, generators, and where the measured monitoring points sit. A
 * walk (`walk`) is one breadth-first pass over the elements under given
 * switch states and reduces the result to what the monitoring points can
 * see (MonitoringPointView), so a hypothesis costs O(elements) with no
 * allocation beyond the reused arrays. buildTopology would answer the same
 * questions, but builds a whole FeederTopology (binary lifting, islands)
 * per hypothesis, which SSD does not need 1,300 times a second.
 */
import type { GridNetwork } from '../network.js';

export class FeederGraph {
  readonly size: number;
  readonly ids: readonly string[];
  /** CSR: neighbours of element i are adjacency[offsets[i] .. offsets[i+1]). */
  private readonly offsets: Int32Array;
  private readonly adjacency: Int32Array;
  /** 1 for switches. */
  readonly isSwitch: Uint8Array;
  /** The recorded state: 1 open. */
  readonly recordedOpen: Uint8Array;
  private readonly isConsumer: Uint8Array;
  private readonly isGenerator: Uint8Array;
  /** Transformers are only entered from their low-voltage node, never walked through. */
  private readonly isTransformer: Uint8Array;
  /** [element, parent] pairs the walk starts from (a transformer's LV node with the transformer as parent, or a source). */
  private readonly seeds: Int32Array;
  /** Monitoring point index -> element index. */
  readonly mpElement: Int32Array;
  /** Element index -> the monitoring point there, or -1 (the caller passes one point per element). */
  private readonly mpAt: Int32Array;

  // Reused per walk.
  private readonly seen: Uint32Array;
  private epoch = 0;
  private readonly parent: Int32Array;
  private readonly owner: Int32Array;
  private readonly queue: Int32Array;

  constructor(network: GridNetwork, measuredPoints: readonly { readonly element: string }[]) {
    const index = new Map<string, number>();
    network.elements.forEach((element, i) => index.set(element.id, i));
    this.size = network.elements.length;
    this.ids = network.elements.map((element) => element.id);
    const degree = new Int32Array(this.size + 1);
    const pairs: number[] = [];
    for (const link of network.links) {
      const a = index.get(link.equipment);
      const b = index.get(link.node);
      if (a === undefined || b === undefined || a === b) continue;
      pairs.push(a, b);
      degree[a]!++;
      degree[b]!++;
    }
    this.offsets = new Int32Array(this.size + 1);
    for (let i = 0; i < this.size; i++) this.offsets[i + 1] = this.offsets[i]! + degree[i]!;
    this.adjacency = new Int32Array(this.offsets[this.size]!);
    const fill = this.offsets.slice(0, this.size);
    for (let k = 0; k < pairs.length; k += 2) {
      const a = pairs[k]!;
      const b = pairs[k + 1]!;
      this.adjacency[fill[a]!++] = b;
      this.adjacency[fill[b]!++] = a;
    }
    this.isSwitch = new Uint8Array(this.size);
    this.recordedOpen = new Uint8Array(this.size);
    this.isConsumer = new Uint8Array(this.size);
    this.isGenerator = new Uint8Array(this.size);
    this.isTransformer = new Uint8Array(this.size);
    const seeds: number[] = [];
    network.elements.forEach((element, i) => {
      if (element.kind === 'switch') {
        this.isSwitch[i] = 1;
        this.recordedOpen[i] = element.open === true ? 1 : 0;
      } else if (element.kind === 'consumer') this.isConsumer[i] = 1;
      else if (element.kind === 'generator') this.isGenerator[i] = 1;
      else if (element.kind === 'transformer') {
        this.isTransformer[i] = 1;
        const lv = element.lowVoltageNode === undefined ? undefined : index.get(element.lowVoltageNode);
        if (lv !== undefined) seeds.push(lv, i);
      }
    });
    // Sources feed only where no transformer does (an LV feeder modelled from its busbar).
    if (seeds.length === 0) network.elements.forEach((element, i) => element.kind === 'source' && seeds.push(i, -1));
    this.seeds = Int32Array.from(seeds);
    this.mpElement = Int32Array.from(measuredPoints.map((point) => index.get(point.element) ?? -1));
    this.mpAt = new Int32Array(this.size).fill(-1);
    this.mpElement.forEach((element, mp) => {
      if (element >= 0 && this.mpAt[element] === -1) this.mpAt[element] = mp;
    });
    this.seen = new Uint32Array(this.size);
    this.parent = new Int32Array(this.size);
    this.owner = new Int32Array(this.size);
    this.queue = new Int32Array(this.size);
  }

  /**
   * The switches on the loop a closed `tie` would make with the tree of the last walk: those
   * on the paths from the tie's neighbours up to the root. Closing the tie and opening any
   * other switch leaves a mesh, so only these pair with it.
   */
  loopSwitches(tie: number): number[] {
    const found = new Set<number>();
    for (let k = this.offsets[tie]!; k < this.offsets[tie + 1]!; k++) {
      let at = this.adjacency[k]!;
      if (this.seen[at] !== this.epoch) continue;
      for (let steps = 0; at >= 0 && steps < this.size; steps++) {
        if (this.isSwitch[at] === 1 && at !== tie) found.add(at);
        at = this.parent[at]!;
      }
    }
    return [...found];
  }

  indexOf(id: string): number {
    return this.ids.indexOf(id);
  }

  /**
   * One walk under `open` (1 = open, per element; only switches are read).
   * Fills `view` (for a mesh: along the breadth-first spanning tree); returns false when the hypothesis makes a mesh.
   */
  walk(open: Uint8Array, view: MonitoringPointView): boolean {
    const epoch = ++this.epoch;
    const { seen, parent, owner, queue, offsets, adjacency, mpAt } = this;
    view.reset();
    let radial = true;
    let tail = 0;
    for (let s = 0; s < this.seeds.length; s += 2) {
      const start = this.seeds[s]!;
      if (seen[start] === epoch) continue;
      seen[start] = epoch;
      const root = this.seeds[s + 1]!;
      parent[start] = root;
      // A point at the transformer itself measures everything its low-voltage node feeds.
      const rootPoint = root >= 0 ? mpAt[root]! : -1;
      if (rootPoint >= 0) view.markFed(rootPoint, -1);
      if (root >= 0) owner[root] = rootPoint;
      owner[start] = -1;
      queue[tail++] = start;
    }
    for (let head = 0; head < tail; head++) {
      const e = queue[head]!;
      const up = parent[e]!;
      const above = up >= 0 ? owner[up]! : -1;
      const mp = mpAt[e]!;
      const openSwitch = this.isSwitch[e] === 1 && open[e] === 1;
      if (mp >= 0) {
        // An open switch carries nothing: a point on one reads nothing, as if unfed.
        if (!openSwitch) view.markFed(mp, above);
        owner[e] = openSwitch ? above : mp;
      } else owner[e] = above;
      if (this.isConsumer[e] === 1 && owner[e]! >= 0) view.addConsumer(owner[e]!, e);
      if (this.isGenerator[e] === 1 && owner[e]! >= 0) view.addGenerator(owner[e]!);
      if (openSwitch) continue;
      for (let k = offsets[e]!; k < offsets[e + 1]!; k++) {
        const n = adjacency[k]!;
        if (n === up || this.isTransformer[n] === 1) continue;
        if (seen[n] === epoch) {
          // Reaching a closed element twice is a loop; an open switch is reached from either side harmlessly.
          if (this.isSwitch[n] !== 1 || open[n] !== 1) radial = false;
          continue;
        }
        seen[n] = epoch;
        parent[n] = e;
        queue[tail++] = n;
      }
    }
    view.finish();
    return radial;
  }
}

/**
 * What the monitoring points see under one hypothesis: which are fed, each
 * one's parent point, the consumers and generators between it and its
 * children, and (derived) consumers/generators anywhere below it.
 */
export class MonitoringPointView {
  readonly fed: Uint8Array;
  readonly parent: Int32Array;
  readonly consumersBetween: Int32Array;
  /** An order-free hash of which consumers lie between (for observability). */
  readonly consumerHash: Uint32Array;
  readonly generatorsBetween: Int32Array;
  readonly consumersBelow: Int32Array;
  readonly generatorsBelow: Int32Array;
  /** Points in the order the walk met them (parents before children). */
  readonly order: Int32Array;
  private count = 0;

  constructor(readonly points: number) {
    this.fed = new Uint8Array(points);
    this.parent = new Int32Array(points);
    this.consumersBetween = new Int32Array(points);
    this.consumerHash = new Uint32Array(points);
    this.generatorsBetween = new Int32Array(points);
    this.consumersBelow = new Int32Array(points);
    this.generatorsBelow = new Int32Array(points);
    this.order = new Int32Array(points);
  }

  reset(): void {
    this.fed.fill(0);
    this.parent.fill(-1);
    this.consumersBetween.fill(0);
    this.consumerHash.fill(0);
    this.generatorsBetween.fill(0);
    this.count = 0;
  }

  markFed(mp: number, parent: number): void {
    this.fed[mp] = 1;
    this.parent[mp] = parent;
    this.order[this.count++] = mp;
  }

  addConsumer(mp: number, element: number): void {
    this.consumersBetween[mp]!++;
    this.consumerHash[mp] = (this.consumerHash[mp]! + Math.imul(element + 1, 0x9e3779b1)) >>> 0;
  }

  addGenerator(mp: number): void {
    this.generatorsBetween[mp]!++;
  }

  finish(): void {
    this.consumersBelow.set(this.consumersBetween);
    this.generatorsBelow.set(this.generatorsBetween);
    for (let k = this.count - 1; k >= 0; k--) {
      const mp = this.order[k]!;
      const up = this.parent[mp]!;
      if (up >= 0) {
        this.consumersBelow[up]! += this.consumersBelow[mp]!;
        this.generatorsBelow[up]! += this.generatorsBelow[mp]!;
      }
    }
  }

  /** The fed children of a point, ascending. */
  childrenOf(mp: number): number[] {
    const children: number[] = [];
    for (let k = 0; k < this.count; k++) {
      const child = this.order[k]!;
      if (this.parent[child] === mp) children.push(child);
    }
    return children.sort((a, b) => a - b);
  }
}
