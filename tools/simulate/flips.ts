/**
 * Recorded-vs-actual switch states: a feeder whose CIM (SSH) file records
 * some switches in the wrong state, for switch state detection (SSD) to
 * catch. The profiles are made under the ACTUAL states; the CIM files carry
 * the RECORDED ones; feeder.json lists both per flipped switch.
 *
 * The actual state stays radial (the simulator has no power flow), so three
 * kinds of flip exist:
 *   - 'actually-open':   an inline switch recorded closed but actually open:
 *                        everything behind it is unfed, its buildings and
 *                        monitoring points read 0;
 *   - 'actually-closed': an inline switch recorded open but actually closed
 *                        (the part behind it is fed, the record says not);
 *   - 'reconfiguration': a normally open ring tie actually closed and an
 *                        inline switch on its loop actually open (the part
 *                        behind that switch is fed through the tie), recorded
 *                        as normal; two switches flipped at once.
 * Only flips the monitoring points can tell apart are chosen: a monitoring
 * point at or behind the inline switch (for a reconfiguration: strictly
 * behind it, so "the inline switch open alone" does not explain the data
 * too), and no other switch (tie) would look the same to the points when
 * flipped instead.
 * Flipped switches are never one below another. The choice is drawn
 * from the seed ('flips' stream); a switch asked for by name is flipped with
 * the first kind it qualifies for (actually-open, else reconfiguration).
 *
 * A monitoring point reads the power flowing through its element away from
 * the feed, so a point on the stretch a reconfiguration feeds from the other
 * end reads the part now beyond it (a meter whose direction follows the feed).
 */
import type { GridElement, GridNetwork } from '../../core/grid/network.js';
import { FeederGraph, MonitoringPointView } from '../../core/grid/ssd/feeder-graph.js';
import type { SimulatedBuilding, SimulatedFeeder, SimulatedMonitoringPoint } from './feeder.js';
import { feederTree, type FeederTree } from './feeder-tree.js';
import { streamFor } from './ids.js';

export type FlipKind = 'actually-open' | 'actually-closed' | 'reconfiguration';

export interface FlipOptions {
  /** How many switches to flip (a reconfiguration flips two). */
  readonly count?: number;
  /** Switch names ('Switch 3') to flip, besides `count` drawn ones. */
  readonly switchNames?: readonly string[];
}

/** One flipped switch, as feeder.json lists it. */
export interface SwitchFlip {
  readonly switchId: string;
  readonly name: string;
  readonly kind: FlipKind;
  readonly recordedOpen: boolean;
  readonly actualOpen: boolean;
  /** For a reconfiguration: the other switch of the pair. */
  readonly pairedWith?: string;
}

export interface FlippedFeeder {
  /** The feeder as it actually is: network with the actual states, truth (buildings below each point) under them. */
  readonly actual: SimulatedFeeder;
  /** The network with the recorded states: what the CIM files say. */
  readonly recorded: GridNetwork;
  readonly flips: readonly SwitchFlip[];
}

export class FlipError extends Error {
  override readonly name = 'FlipError';
}

/**
 * The feeder with switches flipped. `feeder` is the generated (normal)
 * feeder; with nothing asked the result has no flips and the same network.
 */
export function applyFlips(feeder: SimulatedFeeder, options: FlipOptions): FlippedFeeder {
  const count = options.count ?? 0;
  const names = options.switchNames ?? [];
  if (count === 0 && names.length === 0) return { actual: feeder, recorded: feeder.network, flips: [] };
  const tree = feederTree(feeder.network, feeder.transformer);
  const byId = new Map(feeder.network.elements.map((element) => [element.id, element]));
  const mpElements = new Set(feeder.monitoringPoints.map((point) => point.element));
  const switches = feeder.network.elements.filter((element) => element.kind === 'switch');
  const inline = switches.filter((element) => element.open !== true);
  const ties = switches.filter((element) => element.open === true);
  const watched = (switchId: string, strictlyBelow: boolean): boolean => tree.subtree(switchId).some((id, index) => (index > 0 || !strictlyBelow) && mpElements.has(id));

  const graph = new FeederGraph(feeder.network, feeder.monitoringPoints);
  const view = new MonitoringPointView(feeder.monitoringPoints.length);
  /** What the monitoring points see with these switches toggled, as far as the power balance tells (core/grid/ssd). */
  const visible = (toggled: readonly string[]): string => {
    const open = graph.recordedOpen.slice();
    for (const id of toggled) open[graph.indexOf(id)] = 1 - open[graph.indexOf(id)]!;
    graph.walk(open, view);
    // Only what the power balance can tell apart: fed, parent point, consumers and generators between (some or none).
    return Array.from(view.fed, (fed, mp) =>
      // A fed point with nothing below reads nothing, as an unfed one does.
      fed === 1 && view.consumersBelow[mp]! + view.generatorsBelow[mp]! > 0 ? `${view.parent[mp]}:${view.consumersBetween[mp]! > 0 ? 1 : 0}:${view.generatorsBetween[mp]! > 0 ? 1 : 0}:${view.consumersBelow[mp]! > 0 ? 1 : 0}:${view.generatorsBelow[mp]! > 0 ? 1 : 0}` : 'u',
    ).join(';');
  };
  // A flip must look different to the points from any other single flip, and from two others together
  // (one right behind the other with nothing between, or two sub-branches right behind it).
  const recordedSignature = visible([]);
  /** Every pair of switches flipped together, as the points see it: what a flipped pair must not look like. */
  const alternatives: [string, string, string][] = [];
  for (let a = 0; a < switches.length; a++) {
    for (let b = a + 1; b < switches.length; b++) alternatives.push([switches[a]!.id, switches[b]!.id, visible([switches[a]!.id, switches[b]!.id])]);
  }
  const singlesBySignature = new Map<string, string[]>();
  for (const element of inline) {
    const signature = visible([element.id]);
    singlesBySignature.set(signature, [...(singlesBySignature.get(signature) ?? []), element.id]);
  }
  const ambiguous = new Set<string>();
  for (const ids of singlesBySignature.values()) if (ids.length > 1) for (const id of ids) ambiguous.add(id);
  for (let a = 0; a < inline.length; a++) {
    for (let b = a + 1; b < inline.length; b++) {
      const alike = singlesBySignature.get(visible([inline[a]!.id, inline[b]!.id])) ?? [];
      for (const id of alike) if (id !== inline[a]!.id && id !== inline[b]!.id) ambiguous.add(id);
    }
  }
  const distinctSingles = new Set(inline.filter((element) => !ambiguous.has(element.id)).map((element) => element.id));
  const actualOpen = new Map<string, boolean>();
  const recordedOpen = new Map<string, boolean>();
  const flips: SwitchFlip[] = [];
  const taken: string[] = [];
  const lineal = (a: string, b: string): boolean => tree.pathToRoot(a).includes(b) || tree.pathToRoot(b).includes(a);
  const free = (id: string): boolean => taken.every((other) => other !== id && !lineal(id, other));
  const flipSingle = (element: GridElement, kind: 'actually-open' | 'actually-closed'): void => {
    const open = kind === 'actually-open';
    actualOpen.set(element.id, open);
    recordedOpen.set(element.id, !open);
    taken.push(element.id);
    flips.push({ switchId: element.id, name: element.name, kind, recordedOpen: !open, actualOpen: open });
  };
  /** Pairs (tie, inline switch on its loop) whose transferred part holds a monitoring point. */
  const reconfigurations = (): { tie: GridElement; inline: GridElement }[] => {
    const pairs: { tie: GridElement; inline: GridElement }[] = [];
    for (const tie of ties) {
      if (!free(tie.id)) continue;
      // The tie is reached from one side; the node on its other side is where the loop closes.
      const far = feeder.network.links.find((link) => link.equipment === tie.id && link.node !== tree.parent.get(tie.id))?.node;
      if (far === undefined) continue;
      const tiePath = new Set(tree.pathToRoot(tie.id));
      for (const id of tree.pathToRoot(far)) {
        const element = byId.get(id);
        if (element?.kind !== 'switch' || element.open === true || tiePath.has(id) || !free(id)) continue;
        // A point on the switch itself reads 0 once it is open, which the recorded state cannot explain.
        if (mpElements.has(id) && watched(id, true)) pairs.push({ tie, inline: element });
      }
    }
    // Two ties that close the same loop as the monitoring points see it cannot be told apart, nor a pair that
    // looks like the recorded states: keep pairs that are unique.
    const signatures = pairs.map((pair) => visible([pair.tie.id, pair.inline.id]));
    const ambiguousPair = (k: number): boolean => {
      const { tie, inline: opened } = pairs[k]!;
      if (signatures[k] === recordedSignature) return true;
      return alternatives.some(([a, b, signature]) => signature === signatures[k] && !(a === tie.id && b === opened.id) && !(a === opened.id && b === tie.id));
    };
    return pairs.filter((_, k) => !ambiguousPair(k));
  };
  const flipPair = (pair: { tie: GridElement; inline: GridElement }): void => {
    actualOpen.set(pair.tie.id, false);
    recordedOpen.set(pair.tie.id, true);
    actualOpen.set(pair.inline.id, true);
    recordedOpen.set(pair.inline.id, false);
    taken.push(pair.tie.id, pair.inline.id);
    flips.push({ switchId: pair.tie.id, name: pair.tie.name, kind: 'reconfiguration', recordedOpen: true, actualOpen: false, pairedWith: pair.inline.id });
    flips.push({ switchId: pair.inline.id, name: pair.inline.name, kind: 'reconfiguration', recordedOpen: false, actualOpen: true, pairedWith: pair.tie.id });
  };

  for (const name of names) {
    const element = switches.find((candidate) => candidate.name === name);
    if (element === undefined) throw new FlipError(`no switch is named "${name}" (names are Switch 1 .. Switch ${switches.length})`);
    if (!free(element.id)) throw new FlipError(`"${name}" is flipped already or lies below/above another flipped switch`);
    if (element.open !== true) flipSingle(element, 'actually-open');
    else {
      const pair = reconfigurations().find((candidate) => candidate.tie.id === element.id);
      if (pair === undefined) throw new FlipError(`"${name}" is a ring tie with no inline switch on its loop that a monitoring point could show open`);
      flipPair(pair);
    }
  }

  const random = streamFor(feeder.options.seed, 'flips');
  const byName = { flips: flips.length, taken: taken.length, actual: new Map(actualOpen), recorded: new Map(recordedOpen) };
  let left = count;
  // A draw can paint itself into a corner (the switches left lie below the chosen ones): start over, up to 20 times.
  for (let round = 0; left > 0 && round < 20; round++) {
    if (round > 0) {
      flips.length = byName.flips;
      taken.length = byName.taken;
      actualOpen.clear();
      recordedOpen.clear();
      for (const [id, open] of byName.actual) actualOpen.set(id, open);
      for (const [id, open] of byName.recorded) recordedOpen.set(id, open);
      left = count;
    }
    drawFlips();
  }
  function drawFlips(): void {
  for (let attempt = 0; left > 0 && attempt < 100; attempt++) {
    const pairs = left >= 2 ? reconfigurations() : [];
    const singles = inline.filter((element) => free(element.id) && watched(element.id, false) && distinctSingles.has(element.id));
    const draw = random();
    if (pairs.length > 0 && (draw < 1 / 3 || singles.length === 0)) {
      flipPair(pairs[Math.floor(random() * pairs.length)]!);
      left -= 2;
    } else if (singles.length > 0) {
      flipSingle(singles[Math.floor(random() * singles.length)]!, random() < 0.5 ? 'actually-open' : 'actually-closed');
      left -= 1;
    } else break;
  }
  }
  if (left > 0) throw new FlipError(`only ${count - left} of ${count} switches could be flipped so that the monitoring points see it (add switches or monitoring points)`);

  const withStates = (states: ReadonlyMap<string, boolean>): GridNetwork => ({
    ...feeder.network,
    elements: feeder.network.elements.map((element) => {
      const open = states.get(element.id);
      return open === undefined ? element : { ...element, open };
    }),
  });
  const actualNetwork = withStates(actualOpen);
  const recorded = withStates(recordedOpen);
  return { actual: truthUnder(feeder, actualNetwork), recorded, flips };
}

/** The feeder's ground truth recomputed for another switch state: buildings below each point, each building's nearest point. */
function truthUnder(feeder: SimulatedFeeder, network: GridNetwork): SimulatedFeeder {
  const tree: FeederTree = feederTree(network, feeder.transformer);
  const buildingIds = new Set(feeder.buildings.map((building) => building.id));
  const monitoringPoints: SimulatedMonitoringPoint[] = feeder.monitoringPoints.map((point) => ({
    ...point,
    buildings: tree.subtree(point.element).filter((id) => buildingIds.has(id)),
  }));
  const mpByElement = new Map(monitoringPoints.map((point) => [point.element, point.id]));
  const buildings: SimulatedBuilding[] = feeder.buildings.map((building) => {
    const path = tree.pathToRoot(building.id);
    if (path.length === 0) return { ...building, monitoringPoint: '', fed: false };
    const nearest = path.find((element) => mpByElement.has(element));
    return { ...building, monitoringPoint: nearest === undefined ? '' : mpByElement.get(nearest)! };
  });
  return { ...feeder, network: { ...network, monitoringPoints: feeder.network.monitoringPoints }, buildings, monitoringPoints };
}
