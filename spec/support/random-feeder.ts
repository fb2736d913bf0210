/**
 * Seeded random GridNetworks for the topology tests: LV feeders grown as
 * trees (transformer → node → line/switch → node ..., consumers and
 * generators hanging from nodes), an MV side with a source feeding the
 * transformers' HV terminals, unfed islands, ring ties closed by a switch
 * (open as in a normal radial operation, closed to make a mesh), the odd
 * switch whose two terminals land on one node (bus-branch style) and an
 * isolated switch. Elements and links are shuffled so that index order says
 * nothing about the structure. The same seed gives the same network.
 */
import type { ElementKind, GridElement, GridLink, GridNetwork } from '../../core/grid/network.js';
import { prng } from '../../tools/bench/prng.js';

export interface RandomFeederOptions {
  readonly seed: number;
  /** About this many elements in all. */
  readonly elements?: number;
  /** Feeders with a transformer. */
  readonly fedIslands?: number;
  /** Parts with no transformer or source at all. */
  readonly unfedIslands?: number;
  /** Ties (line, node, switch) between two random nodes. */
  readonly ringTies?: number;
  /** Share of ring ties whose switch is closed (a mesh). */
  readonly closedTieShare?: number;
  /** Share of the feeder's own switches that are open. */
  readonly openSwitchShare?: number;
}

export function randomFeeder(options: RandomFeederOptions): GridNetwork {
  const random = prng(options.seed);
  const total = options.elements ?? 200;
  const fed = options.fedIslands ?? 2;
  const unfed = options.unfedIslands ?? 1;
  const ties = options.ringTies ?? 3;
  const closedTieShare = options.closedTieShare ?? 0.3;
  const openShare = options.openSwitchShare ?? 0.15;

  const elements: GridElement[] = [];
  const links: GridLink[] = [];
  const counters = new Map<ElementKind, number>();
  const add = (kind: ElementKind, cimClass: string, extra: Partial<GridElement> = {}): string => {
    const k = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, k);
    const id = `${kind}-${k}`;
    elements.push({ id, name: `${cimClass} ${k}`, kind, cimClass, ...extra });
    return id;
  };
  const link = (equipment: string, node: string, sequence?: number): void => {
    links.push(sequence === undefined ? { equipment, node } : { equipment, node, sequence });
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

  const allNodes: string[] = [];
  const mvNode = add('node', 'ConnectivityNode', { nominalKv: 20 });
  allNodes.push(mvNode);
  link(add('source', 'EnergySource', { nominalKv: 20 }), mvNode);

  const parts = fed + unfed;
  const budget = Math.max(4, Math.floor((total - 2) / Math.max(1, parts)));
  for (let part = 0; part < parts; part++) {
    const start = elements.length;
    const nodes: string[] = [];
    const first = add('node', 'ConnectivityNode', { nominalKv: 0.4 });
    nodes.push(first);
    if (part < fed) {
      // Most transformers name their LV node; one in five does not, and then conducts to both sides.
      const named = random() < 0.8;
      const trafo = add('transformer', 'PowerTransformer', named ? { lowVoltageNode: first } : {});
      link(trafo, mvNode, 1);
      link(trafo, first, 2);
    }
    while (elements.length - start < budget) {
      const at = pick(nodes);
      const r = random();
      if (r < 0.35) {
        const line = add('line', 'ACLineSegment', { lengthKm: Math.round(random() * 300) / 1000 });
        const next = add('node', 'ConnectivityNode');
        link(line, at, 1);
        link(line, next, 2);
        nodes.push(next);
      } else if (r < 0.55) {
        const open = random() < openShare;
        const sw = add('switch', pick(['Breaker', 'Disconnector', 'LoadBreakSwitch', 'Fuse']), { open, normalOpen: open });
        const next = add('node', 'ConnectivityNode');
        link(sw, at, 1);
        link(sw, next, 2);
        nodes.push(next);
      } else if (r < 0.8) {
        link(add('consumer', 'EnergyConsumer'), at);
      } else if (r < 0.9) {
        link(add('generator', 'PowerElectronicsConnection'), at);
      } else if (r < 0.95) {
        link(add('busbar', 'BusbarSection'), at);
      } else {
        // A switch collapsed into one node, as in a bus-branch model: both terminals on `at`.
        const sw = add('switch', 'Breaker', { open: false });
        link(sw, at, 1);
        link(sw, at, 2);
      }
    }
    allNodes.push(...nodes);
  }

  for (let t = 0; t < ties; t++) {
    const a = pick(allNodes);
    const b = pick(allNodes);
    if (a === b) continue;
    const closed = random() < closedTieShare;
    const line = add('line', 'ACLineSegment');
    const middle = add('node', 'ConnectivityNode');
    const sw = add('switch', 'LoadBreakSwitch', { open: !closed, normalOpen: true });
    link(line, a, 1);
    link(line, middle, 2);
    link(sw, middle, 1);
    link(sw, b, 2);
  }
  add('switch', 'Disconnector', { open: random() < 0.5 });

  shuffle(elements, random);
  shuffle(links, random);
  return { elements, links, monitoringPoints: [] };
}

/** The same network with some switch states replaced. */
export function withSwitchStates(network: GridNetwork, states: ReadonlyMap<string, boolean>): GridNetwork {
  return {
    ...network,
    elements: network.elements.map((element) => {
      const open = states.get(element.id);
      return open === undefined ? element : { ...element, open };
    }),
  };
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
