/**
 * The networkx peers' view of a feeder: element indices (the order of
 * GridNetwork.elements, which is also the topology's index order) and
 * edges between them.
 */
import type { GridNetwork } from '../../../core/grid/network.js';
import type { FeederTopology } from '../../../core/grid/topology/api.js';

export interface ExportedGraph {
  readonly size: number;
  /** [equipment index, node index] per edge. */
  readonly edges: [number, number][];
  /** Indices of the feeder roots (transformers, sources): each island's BFS starts at its root. */
  readonly roots: number[];
}

function indexer(network: GridNetwork): (id: string) => number {
  const index = new Map(network.elements.map((element, i) => [element.id, i]));
  return (id) => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`link names unknown element ${id}`);
    return i;
  };
}

/** Feeder roots by index: transformers and sources (the contract's isFeederRoot). */
function rootsOf(network: GridNetwork): number[] {
  const roots: number[] = [];
  network.elements.forEach((element, i) => {
    if (element.kind === 'transformer' || element.kind === 'source') roots.push(i);
  });
  return roots;
}

/**
 * The graph that conducts now, as the topology contract defines it: a
 * transformer only towards its low-voltage node (its feeder lies below it),
 * an open switch only towards the element it hangs from in `topology`
 * (nothing is reached through it). The same graph ours labels, so the
 * distances can be compared.
 */
export function conductingGraph(network: GridNetwork, topology: FeederTopology): ExportedGraph {
  const at = indexer(network);
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  const states = topology.switchStates();
  const edges: [number, number][] = [];
  for (const link of network.links) {
    const equipment = byId.get(link.equipment);
    if (equipment === undefined) continue;
    if (equipment.kind === 'transformer' && equipment.lowVoltageNode !== undefined && equipment.lowVoltageNode !== link.node) continue;
    if (equipment.kind === 'switch' && states.get(equipment.id) === true && topology.parent(equipment.id) !== link.node) continue;
    edges.push([at(link.equipment), at(link.node)]);
  }
  return { size: network.elements.length, edges, roots: rootsOf(network) };
}

/**
 * For the switching row: the edges that conduct with the initial switch
 * states, where an open switch has no edge at all (the peer adds a switch's
 * edges when it closes and removes them when it opens), and every switch's
 * own edges.
 */
export function switchingGraph(network: GridNetwork): ExportedGraph & { switchIds: string[]; switchEdges: [number, number][][] } {
  const at = indexer(network);
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  const switchIds = network.elements.filter((element) => element.kind === 'switch').map((element) => element.id);
  const ordinal = new Map(switchIds.map((id, i) => [id, i]));
  const switchEdges: [number, number][][] = switchIds.map(() => []);
  const edges: [number, number][] = [];
  for (const link of network.links) {
    const equipment = byId.get(link.equipment);
    if (equipment === undefined) continue;
    if (equipment.kind === 'transformer' && equipment.lowVoltageNode !== undefined && equipment.lowVoltageNode !== link.node) continue;
    const edge: [number, number] = [at(link.equipment), at(link.node)];
    const s = ordinal.get(link.equipment);
    if (s !== undefined) {
      switchEdges[s]!.push(edge);
      if (equipment.open === true) continue;
    }
    edges.push(edge);
  }
  return { size: network.elements.length, edges, roots: rootsOf(network), switchIds, switchEdges };
}
