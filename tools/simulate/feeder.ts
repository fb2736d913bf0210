/**
 * A seeded synthetic low-voltage feeder: one 20/0.4 kV transformer whose
 * low-voltage node feeds cables in a tree, buildings (some with PV) hanging
 * on the cable nodes, fuses and switches on some cables, normally open ring
 * ties between branches, and monitoring points at the transformer and at
 * the heads of branches. The same seed gives the same feeder.
 *
 * Besides the GridNetwork it returns the ground truth a grid application
 * should find again: for each building its node and its nearest upstream
 * monitoring point, for each monitoring point its data point and every
 * building below it.
 */
import type { GridElement, GridLink, GridNetwork, MonitoringPoint } from '../../core/grid/network.js';
import { feederTree } from './feeder-tree.js';
import { streamFor, uuidFor } from './ids.js';

export type ConsumerClass = 'EnergyConsumer' | 'ConformLoad';

export interface FeederOptions {
  seed: number;
  /** Number of buildings; ignored when `elements` is given. */
  buildings: number;
  /** Target number of network elements (approximate); when given it decides the number of buildings. */
  elements?: number;
  /** Most cables leaving one cable node (at least 1). */
  branching: number;
  /** Switching devices: fuses, disconnectors and load-break switches on cables, plus about a quarter as open ring ties. */
  switches: number;
  /** Monitoring points: the transformer's low-voltage side, then heads of branches, largest first. */
  monitoringPoints: number;
  /** Share of buildings with a PV system (0..1). */
  pvShare: number;
  /** The CIM class of the buildings' consumers. */
  consumerClass: ConsumerClass;
}

export const DEFAULT_FEEDER_OPTIONS: FeederOptions = {
  seed: 1,
  buildings: 40,
  branching: 3,
  switches: 6,
  monitoringPoints: 4,
  pvShare: 0.3,
  consumerClass: 'EnergyConsumer',
};

export interface SimulatedBuilding {
  /** Its consumer element's id. */
  readonly id: string;
  /** 'Building <n>', also the consumer's name. */
  readonly name: string;
  /** The cable node it is connected to. */
  readonly node: string;
  /** The PV system's element id, when it has one. */
  readonly pv?: string;
  /** PV peak power in kW (0 without PV). */
  readonly pvPeakKw: number;
  /** The data point of its (net) active-power profile. */
  readonly dataPoint: string;
  /** The nearest monitoring point upstream (its id); '' when none (unfed by a flipped switch, tools/simulate/flips.ts). */
  readonly monitoringPoint: string;
  /** False when a flipped switch leaves it unfed (its profile reads 0); absent otherwise. */
  readonly fed?: false;
}

export interface SimulatedMonitoringPoint extends MonitoringPoint {
  readonly dataPoint: string;
  /** The terminal it measures at (its equipment's end towards the transformer). */
  readonly terminal: string;
  /** Every building below it (ids), including those below deeper monitoring points. */
  readonly buildings: readonly string[];
}

export interface SimulatedFeeder {
  readonly options: FeederOptions;
  readonly network: GridNetwork;
  readonly transformer: string;
  readonly lowVoltageNode: string;
  readonly mediumVoltageNode: string;
  readonly buildings: readonly SimulatedBuilding[];
  readonly monitoringPoints: readonly SimulatedMonitoringPoint[];
  /** Switching devices actually placed: on cables and as ring ties (fewer than asked when the tree is too small). */
  readonly switchCounts: { readonly inline: number; readonly ties: number };
}

/** The data point name prefix of a feeder: 'feeder<seed>'. */
export function feederPrefix(seed: number): string {
  return `feeder${seed}`;
}

interface TreeEdge {
  readonly parent: number;
  readonly child: number;
  /** CIM class of a switching device at the cable's head, if any. */
  switchClass?: string;
}

export function generateFeeder(input: Partial<FeederOptions> = {}): SimulatedFeeder {
  const options = resolveOptions(input);
  const { seed } = options;
  const random = streamFor(seed, 'feeder');
  const buildingCount = options.buildings;

  // ---- the cable tree, abstract: node 0 is the LV busbar, edges parent -> child.
  const cableNodes = Math.max(2, Math.ceil(buildingCount / 1.6));
  const childCount = new Int32Array(cableNodes + 1);
  const branchOf = new Int32Array(cableNodes + 1); // which cable leaving the busbar a node hangs on
  const edges: TreeEdge[] = [];
  const rootFeeders = Math.min(options.branching, Math.max(2, Math.ceil(cableNodes / 10)), cableNodes);
  for (let child = 1; child <= cableNodes; child++) {
    let parent: number;
    if (child <= rootFeeders) parent = 0;
    else {
      const last = child - 1;
      // Mostly continue the cable just laid (long radial runs), sometimes branch off anywhere.
      if (random() < 0.6 && childCount[last]! < options.branching) parent = last;
      else {
        const open: number[] = [];
        for (let node = 1; node < child; node++) if (childCount[node]! < options.branching) open.push(node);
        parent = open.length > 0 ? open[Math.floor(random() * open.length)]! : last;
      }
    }
    childCount[parent]!++;
    branchOf[child] = parent === 0 ? child : branchOf[parent]!;
    edges.push({ parent, child });
  }

  const treeChildren = childCount.slice();

  // ---- switching devices on cables (closed) and ring ties between branches (open).
  const wantedTies = options.switches >= 2 && rootFeeders >= 2 ? Math.max(1, Math.round(options.switches / 4)) : 0;
  const wantedInline = Math.min(options.switches - wantedTies, edges.length);
  const shuffledEdges = shuffle(
    edges.map((_, index) => index),
    random,
  );
  for (const index of shuffledEdges.slice(0, wantedInline).sort((a, b) => a - b)) {
    const draw = random();
    edges[index]!.switchClass = draw < 0.5 ? 'Fuse' : draw < 0.75 ? 'Disconnector' : 'LoadBreakSwitch';
  }
  const ties: { a: number; b: number; switchClass: string }[] = [];
  for (let attempt = 0; ties.length < wantedTies && attempt < wantedTies * 50; attempt++) {
    const a = 1 + Math.floor(random() * cableNodes);
    const b = 1 + Math.floor(random() * cableNodes);
    // The tie's cable leaves `a`, so `a` needs room for one more cable.
    if (branchOf[a] === branchOf[b] || childCount[a]! >= options.branching) continue;
    if (ties.some((tie) => (tie.a === a && tie.b === b) || (tie.a === b && tie.b === a))) continue;
    childCount[a]!++;
    ties.push({ a, b, switchClass: random() < 0.5 ? 'LoadBreakSwitch' : 'Disconnector' });
  }

  // ---- elements and links.
  const elements: GridElement[] = [];
  const links: GridLink[] = [];
  const id = (name: string): string => uuidFor(seed, name);
  let nodeNumber = 0;
  let lineNumber = 0;
  let switchNumber = 0;
  const addNode = (nominalKv: number): string => {
    const name = `Node ${nodeNumber++}`;
    elements.push({ id: id(name), name, kind: 'node', cimClass: 'ConnectivityNode', nominalKv });
    return id(name);
  };
  const connect = (equipment: GridElement, nodes: readonly string[]): void => {
    nodes.forEach((node, index) => {
      links.push({ equipment: equipment.id, node, terminal: id(`${equipment.name} T${index + 1}`), sequence: index + 1 });
    });
  };
  const addLine = (from: string, to: string): GridElement => {
    const name = `Line ${++lineNumber}`;
    // 20 m to 150 m, to the metre: cable runs between distribution cabinets.
    const lengthKm = Math.round(20 + random() * 130) / 1000;
    const line: GridElement = { id: id(name), name, kind: 'line', cimClass: 'ACLineSegment', nominalKv: 0.4, lengthKm };
    elements.push(line);
    connect(line, [from, to]);
    return line;
  };
  const addSwitch = (cimClass: string, from: string, to: string, open: boolean): GridElement => {
    const name = `Switch ${++switchNumber}`;
    const device: GridElement = { id: id(name), name, kind: 'switch', cimClass, nominalKv: 0.4, open, normalOpen: open };
    elements.push(device);
    connect(device, [from, to]);
    return device;
  };

  const mediumVoltageNode = addNode(20);
  const lowVoltageNode = addNode(0.4);
  const transformer: GridElement = {
    id: id('Trafo 1'),
    name: 'Trafo 1',
    kind: 'transformer',
    cimClass: 'PowerTransformer',
    lowVoltageNode,
  };
  elements.push(transformer);
  connect(transformer, [mediumVoltageNode, lowVoltageNode]);

  const nodeIds: string[] = [lowVoltageNode];
  /** The first piece of equipment of each cable, seen from its parent: where a branch head is measured. */
  const headOf: GridElement[] = [];
  for (const edge of edges) {
    const from = nodeIds[edge.parent]!;
    let head: GridElement | undefined;
    let start = from;
    if (edge.switchClass !== undefined) {
      const cabinet = addNode(0.4);
      head = addSwitch(edge.switchClass, from, cabinet, false);
      start = cabinet;
    }
    const to = addNode(0.4);
    const line = addLine(start, to);
    nodeIds[edge.child] = to;
    headOf.push(head ?? line);
  }

  const prefix = feederPrefix(seed);
  const buildingDrafts: Omit<SimulatedBuilding, 'monitoringPoint'>[] = [];
  for (let n = 1; n <= buildingCount; n++) {
    const node = nodeIds[1 + Math.floor(random() * cableNodes)]!;
    const name = `Building ${n}`;
    const consumer: GridElement = { id: id(name), name, kind: 'consumer', cimClass: options.consumerClass, nominalKv: 0.4 };
    elements.push(consumer);
    connect(consumer, [node]);
    let pv: string | undefined;
    let pvPeakKw = 0;
    if (random() < options.pvShare) {
      const pvName = `PV ${n}`;
      const generator: GridElement = { id: id(pvName), name: pvName, kind: 'generator', cimClass: 'PowerElectronicsConnection', nominalKv: 0.4 };
      elements.push(generator);
      connect(generator, [node]);
      pv = generator.id;
      // 4 to 12 kWp, to 0.1 kW: a roof of a family house or a small block.
      pvPeakKw = Math.round(40 + random() * 80) / 10;
    }
    buildingDrafts.push({ id: consumer.id, name, node, ...(pv === undefined ? {} : { pv }), pvPeakKw, dataPoint: `${prefix}.building${n}.p` });
  }

  for (const tie of ties) {
    const stub = addNode(0.4);
    addLine(nodeIds[tie.a]!, stub);
    addSwitch(tie.switchClass, stub, nodeIds[tie.b]!, true);
  }

  // ---- monitoring points, placed on the tree as energised.
  const network0: GridNetwork = { elements, links, monitoringPoints: [] };
  const tree = feederTree(network0, transformer.id);
  const buildingIds = new Set(buildingDrafts.map((building) => building.id));
  const buildingsBelow = (element: string): string[] => tree.subtree(element).filter((below) => buildingIds.has(below));
  const terminalTowardsRoot = (equipment: GridElement): string => {
    const up = tree.parent.get(equipment.id);
    const link = links.find((candidate) => candidate.equipment === equipment.id && candidate.node === up);
    return link!.terminal!;
  };
  const places: GridElement[] = [transformer];
  const isBranchHead = (edge: TreeEdge): boolean => edge.parent === 0 || treeChildren[edge.parent]! >= 2;
  const byLoad = (indices: number[]): number[] =>
    indices
      .map((index) => ({ index, below: buildingsBelow(headOf[index]!.id).length }))
      .filter((entry) => entry.below > 0)
      .sort((a, b) => b.below - a.below || a.index - b.index)
      .map((entry) => entry.index);
  const edgeIndices = edges.map((_, index) => index);
  const heads = byLoad(edgeIndices.filter((index) => isBranchHead(edges[index]!)));
  const others = byLoad(edgeIndices.filter((index) => !isBranchHead(edges[index]!)));
  for (const index of [...heads, ...others]) {
    if (places.length >= options.monitoringPoints) break;
    places.push(headOf[index]!);
  }
  const monitoringPoints: SimulatedMonitoringPoint[] = places.map((element, index) => {
    const name = `MP ${index + 1}`;
    const terminal = element === transformer ? links.find((link) => link.equipment === transformer.id && link.node === lowVoltageNode)!.terminal! : terminalTowardsRoot(element);
    return {
      id: id(name),
      name,
      element: element.id,
      measurementType: 'ThreePhaseActivePower',
      dataPoint: `${prefix}.mp${index + 1}.p`,
      terminal,
      buildings: buildingsBelow(element.id),
    };
  });
  const mpByElement = new Map(monitoringPoints.map((point) => [point.element, point.id]));
  const buildings: SimulatedBuilding[] = buildingDrafts.map((draft) => {
    const nearest = tree.pathToRoot(draft.id).find((element) => mpByElement.has(element));
    return { ...draft, monitoringPoint: mpByElement.get(nearest!)! };
  });

  return {
    options,
    network: { elements, links, monitoringPoints },
    transformer: transformer.id,
    lowVoltageNode,
    mediumVoltageNode,
    buildings,
    monitoringPoints,
    switchCounts: { inline: wantedInline, ties: ties.length },
  };
}

/** The options with defaults filled in and checked; `elements` turned into a number of buildings. */
export function resolveOptions(input: Partial<FeederOptions>): FeederOptions {
  const options: FeederOptions = { ...DEFAULT_FEEDER_OPTIONS, ...withoutUndefined(input) };
  const wholeAtLeast = (name: keyof FeederOptions, min: number): void => {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number >= ${min}, not ${String(value)}`);
  };
  wholeAtLeast('seed', 0);
  wholeAtLeast('branching', 1);
  wholeAtLeast('switches', 0);
  wholeAtLeast('monitoringPoints', 1);
  if (!(options.pvShare >= 0 && options.pvShare <= 1)) throw new RangeError(`pvShare must lie in 0..1, not ${options.pvShare}`);
  if (options.elements !== undefined) {
    wholeAtLeast('elements', 10);
    // Per building about 1.25 cable nodes and cables (one node per 1.6 buildings, two elements each),
    // the consumer and the PV share; a switch on a cable adds two, a tie three.
    const perBuilding = 2 / 1.6 + 1 + options.pvShare;
    options.buildings = Math.max(1, Math.round((options.elements - 3 - 2.25 * options.switches) / perBuilding));
  }
  wholeAtLeast('buildings', 1);
  return options;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
