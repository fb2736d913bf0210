/**
 * Assignment cases on the IEEE European LV feeder (grid.md §3.4): monitoring
 * points (MPs) at the transformer and at the heads of true branch subtrees,
 * each MP reading the sum of the loads below it times (1 + noise·N(0,1)) per
 * 1-min sample; at 15 min every profile is the mean of its 1-min values.
 * Residuals (an MP minus its nearest measured sub-branches) come from
 * core/grid/profiles, the MP tree and the truth (each load's nearest MP
 * upstream) from core/grid/topology on the feeder's GridNetwork.
 */
import type { MonitoringPoint } from '../../../core/grid/network.js';
import { Quality, type AlignedProfile } from '../../../core/grid/profiles/api.js';
import { residualProfile } from '../../../core/grid/profiles/residual.js';
import type { FeederTopology } from '../../../core/grid/topology/api.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { prng } from '../prng.js';
import { IEEE_SLOTS, type IeeeFeeder } from './ieee-feeder.js';
import { gaussian } from './gaussian.js';
import type { AssignmentCase } from './assignment-case.js';

/** Slot 0 of every profile (the day itself is not in the data; any Monday will do). */
const START_MS = Date.UTC(2026, 0, 5);

export interface IeeeCaseSpec {
  /** MPs including the transformer's: 6, 11 or 54 (at most 1 + the 53 branch heads). */
  readonly mps: number;
  /** Relative noise of an MP sample (0.05 = 5 %). */
  readonly noise: number;
  /** Minutes per slot: 1 or 15. */
  readonly resolutionMin: number;
}

export const caseLabel = (spec: IeeeCaseSpec): string =>
  `${spec.mps} MPs, ${Math.round(spec.noise * 100)} % noise, ${spec.resolutionMin} min`;

/** The feeder with its topology and the branch heads, made once per run. */
export interface IeeeModel {
  readonly feeder: IeeeFeeder;
  readonly topology: FeederTopology;
  /**
   * Lines heading a true branch: leaving a node with at least two lines
   * below it, with at least two loads in their subtree, not the whole
   * feeder, one per distinct set of loads (the upper one); most loads first.
   */
  readonly branchHeads: readonly { readonly line: string; readonly loads: readonly string[] }[];
}

export function ieeeModel(feeder: IeeeFeeder): IeeeModel {
  const topology = buildTopology(feeder.network);
  const kinds = new Map(feeder.network.elements.map((element) => [element.id, element.kind]));
  const loadIds = new Set(feeder.loads.map((load) => load.id));
  const heads: { line: string; loads: string[]; depth: number }[] = [];
  const seen = new Set<string>();
  // Breadth-first order, so of two heads with the same loads the upper one comes first.
  const order = topology.islands().find((island) => island.root === feeder.transformer)?.elements ?? [];
  for (const id of order) {
    if (kinds.get(id) !== 'line') continue;
    const from = topology.parent(id);
    if (from === undefined || topology.children(from).filter((child) => kinds.get(child) === 'line').length < 2) continue;
    const loads = topology.subtree(id).filter((element) => loadIds.has(element)).sort();
    if (loads.length < 2 || loads.length === loadIds.size) continue;
    const key = loads.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    heads.push({ line: id, loads, depth: topology.depth(id) });
  }
  heads.sort((a, b) => b.loads.length - a.loads.length || a.depth - b.depth);
  return { feeder, topology, branchHeads: heads.map(({ line, loads }) => ({ line, loads })) };
}

interface MpLayout {
  readonly points: readonly MonitoringPoint[];
  /** MP id → the load ids below it (all of them, also those below deeper MPs). */
  readonly below: ReadonlyMap<string, readonly string[]>;
  /** MP id → its nearest measured sub-branches. */
  readonly tree: ReadonlyMap<string, readonly string[]>;
  /** Load id → its nearest MP upstream. */
  readonly truth: ReadonlyMap<string, string>;
}

function layout(model: IeeeModel, mps: number): MpLayout {
  const { feeder, topology } = model;
  if (mps < 1 || mps > model.branchHeads.length + 1) throw new Error(`the IEEE feeder has room for 1..${model.branchHeads.length + 1} MPs, not ${mps}`);
  const heads = model.branchHeads.slice(0, mps - 1);
  const points: MonitoringPoint[] = [
    { id: `mp:${feeder.transformer}`, name: `MP ${feeder.transformer}`, element: feeder.transformer },
    ...heads.map((head) => ({ id: `mp:${head.line}`, name: `MP ${head.line}`, element: head.line })),
  ];
  const below = new Map<string, readonly string[]>([
    [points[0]!.id, feeder.loads.map((load) => load.id)],
    ...heads.map((head) => [`mp:${head.line}`, head.loads] as const),
  ]);
  const mpAt = new Map(points.map((point) => [point.element, point.id]));
  /** The nearest MP strictly above `id`, walking the topology's parents. */
  const nearestAbove = (id: string): string | undefined => {
    for (let at = topology.parent(id); at !== undefined; at = topology.parent(at)) {
      const mp = mpAt.get(at);
      if (mp !== undefined) return mp;
    }
    return undefined;
  };
  const tree = new Map<string, string[]>(points.map((point) => [point.id, []]));
  for (const point of points.slice(1)) {
    const parent = nearestAbove(point.element);
    if (parent === undefined) throw new Error(`${point.id} has no MP above it`);
    tree.get(parent)!.push(point.id);
  }
  const truth = new Map<string, string>();
  for (const load of feeder.loads) {
    const owner = nearestAbove(load.id);
    if (owner === undefined) throw new Error(`${load.id} has no MP above it`);
    truth.set(load.id, owner);
  }
  return { points, below, tree, truth };
}

/** Means of `factor` consecutive values (1 returns the input). */
function downsample(values: Float64Array, factor: number): Float64Array {
  if (factor === 1) return values;
  const out = new Float64Array(Math.floor(values.length / factor));
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let j = 0; j < factor; j++) sum += values[k * factor + j]!;
    out[k] = sum / factor;
  }
  return out;
}

const aligned = (id: string, values: Float64Array, resolutionMin: number): AlignedProfile => ({
  id,
  startMs: START_MS,
  stepMs: resolutionMin * 60_000,
  values,
  quality: new Uint8Array(values.length).fill(Quality.MEASURED),
});

/**
 * One case: building profiles, MP residuals, the truth. The noise stream is
 * seeded by the case (MPs, noise, seed), so the 1-min and 15-min cases of
 * one setting see the same noisy samples.
 */
export function ieeeCase(model: IeeeModel, spec: IeeeCaseSpec, seed: number): AssignmentCase {
  const { points, below, tree, truth } = layout(model, spec.mps);
  const factor = spec.resolutionMin;
  if (!Number.isInteger(factor) || factor < 1 || IEEE_SLOTS % factor !== 0) throw new Error(`resolution ${factor} min does not divide a day`);
  const profiles = new Map(model.feeder.loads.map((load) => [load.id, load.profile]));
  const random = prng(seed * 1_000_003 + spec.mps * 1_009 + Math.round(spec.noise * 1e4));
  const measured = new Map<string, AlignedProfile>();
  for (const point of points) {
    const sum = new Float64Array(IEEE_SLOTS);
    for (const load of below.get(point.id) ?? []) {
      const profile = profiles.get(load)!;
      for (let k = 0; k < IEEE_SLOTS; k++) sum[k] += profile[k]!;
    }
    for (let k = 0; k < IEEE_SLOTS; k++) sum[k] *= 1 + spec.noise * gaussian(random);
    measured.set(point.id, aligned(point.id, downsample(sum, factor), factor));
  }
  const residuals = points.map((point) =>
    residualProfile(
      measured.get(point.id)!,
      (tree.get(point.id) ?? []).map((child) => measured.get(child)!),
    ),
  );
  const buildings = model.feeder.loads.map((load) => aligned(load.id, downsample(load.profile, factor), factor));
  return { label: `IEEE LV ${caseLabel(spec)}`, buildings, residuals, truth };
}

