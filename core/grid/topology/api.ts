/**
 * The contract of the feeder topology and the extended adjacency matrix
 * (the GRM's model of the grid). Implemented by topology.ts; built from a
 * GridNetwork (core/grid/network.ts).
 *
 * Elements are the network's elements (equipment and nodes), addressed by id
 * or by index (0..size-1, the order of GridNetwork.elements). The *current*
 * graph is the network with every open switch not conducting: an open switch
 * stays attached to the side it was reached from, nothing is reached through
 * it. An *island* is a connected part of the current graph; a fed island
 * holds a feeder root (a transformer, entered through its low-voltage node,
 * or a source). Parent and child follow the breadth-first tree from the root,
 * so in a radial island they are the electrical parent and children; an
 * island with a cycle is reported as not radial and its relations follow
 * that same breadth-first tree.
 *
 * The extended adjacency matrix gives, for every ordered pair (a, b):
 *   - direct: a and b share a conducting link now;
 *   - indirect: connected now, through at least one other element;
 *   - hops: the signed hop length, +d when b lies d links below a (b is in
 *     a's subtree), -d when b lies d links above a (b is an ancestor of a),
 *     0 when a = b or when neither is below the other or they are not
 *     connected; so hops(a, b) = -hops(b, a) always;
 *   - distance: the number of links on path(a, b) when connected, else -1
 *     (for lineal pairs |hops| = distance);
 *   - viaSwitching: not connected now, but connected when every switch is
 *     closed (they would be connected if switch positions changed).
 */
import type { GridNetwork } from '../network.js';

export interface AdjacencyEntry {
  readonly direct: boolean;
  readonly indirect: boolean;
  readonly hops: number;
  readonly distance: number;
  readonly viaSwitching: boolean;
}

export interface Island {
  /** The feeder root's id; undefined for an island without a root (not fed). */
  readonly root: string | undefined;
  /** Element ids, breadth-first from the root (or from the island's first element). */
  readonly elements: readonly string[];
  /** True when the island has no cycle. */
  readonly radial: boolean;
  /** The largest hop depth below the root (0 for a single element). */
  readonly maxDepth: number;
}

/** What a switch change did, for logs and events. */
export interface SwitchChange {
  readonly switchId: string;
  readonly open: boolean;
  /** False when the switch already was in that state (nothing changed). */
  readonly changed: boolean;
  /** Elements whose parent, depth or island changed. */
  readonly affected: number;
}

/**
 * The dense form of the matrix, for small networks and for export: row-major,
 * index a * size + b. `relation` bits: 1 direct, 2 indirect, 4 viaSwitching.
 */
export interface DenseAdjacency {
  readonly size: number;
  readonly relation: Uint8Array;
  readonly hops: Int32Array;
  readonly distance: Int32Array;
}

export interface FeederTopology {
  readonly size: number;
  ids(): readonly string[];
  /** Index of an element; throws TopologyError for an unknown id. */
  indexOf(id: string): number;
  has(id: string): boolean;

  islands(): readonly Island[];
  /** The root of the island the element is in (undefined when not fed). */
  feeder(id: string): string | undefined;
  depth(id: string): number;
  parent(id: string): string | undefined;
  children(id: string): readonly string[];
  /** The element and everything below it, breadth-first. */
  subtree(id: string): readonly string[];
  /** Ids from a to b inclusive along the tree; empty when not connected. */
  path(a: string, b: string): readonly string[];

  entry(a: string, b: string): AdjacencyEntry;
  /** The same by index, without allocation for the hot path. */
  hopsAt(a: number, b: number): number;
  distanceAt(a: number, b: number): number;
  /** The dense matrix; throws TopologyError when size exceeds `maxElements` (default 4096). */
  dense(maxElements?: number): DenseAdjacency;

  /** Opens or closes a switch and updates the topology in place, touching only the affected islands. */
  setSwitch(switchId: string, open: boolean): SwitchChange;
  /** The state in force of every switch, by id. */
  switchStates(): ReadonlyMap<string, boolean>;
}

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

export type BuildTopology = (network: GridNetwork) => FeederTopology;
