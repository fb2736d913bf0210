/**
 * Rows 2–4 of `npm run bench:grid-model`: the extended adjacency matrix of
 * 1,000 elements, labels and 1,000,000 pair queries on 10,000 elements,
 * and switch changes with the dense matrix kept current; ours
 * (core/grid/topology) and networkx on the same simulated feeders.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GridNetwork } from '../../../core/grid/network.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { median, nowNs } from '../harness.js';
import { prng } from '../prng.js';
import { conductingGraph, switchingGraph } from './graph-export.js';
import { count, SEED, type GridModelPlan } from './plan.js';
import { resultNumber, runPythonPeer } from './python.js';
import { medianMs } from './timing.js';
import { feederOf, workDir } from './workspace.js';

/** Switching devices of the feeder of `elements` elements: one per 25 (a quarter are open ring ties). */
const switchesFor = (elements: number): number => Math.round(elements / 25);

const networkOf = (elements: number): GridNetwork => feederOf(elements, switchesFor(elements)).network;

type Log = (message: string) => void;

// ---------------------------------------------------------------- matrix

/** Ours' count of connected ordered pairs, kept to check the peer's matrix against. */
const oursReachable = new Map<number, number>();

export async function matrixOurs(plan: GridModelPlan, log: Log): Promise<number> {
  const network = networkOf(plan.matrixElements);
  let reachable = 0;
  const ms = await medianMs(plan.matrixRuns, () => {
    const dense = buildTopology(network).dense();
    reachable = 0;
    for (let i = 0; i < dense.distance.length; i++) if (dense.distance[i]! >= 0) reachable++;
  });
  oursReachable.set(plan.matrixElements, reachable);
  log(`${count(network.elements.length)} elements, ${count(reachable)} connected ordered pairs (a = b included)`);
  return ms;
}

export async function matrixNetworkx(plan: GridModelPlan, log: Log): Promise<number> {
  const network = networkOf(plan.matrixElements);
  const graph = conductingGraph(network, buildTopology(network));
  const result = await runPythonPeer({ script: 'topology_peer.py', label: 'networkx-matrix', workDir: workDir(), args: ['matrix'], spec: { ...graph, runs: plan.matrixRuns } });
  const theirs = resultNumber(result, 'reachablePairs', 'networkx');
  const ours = oursReachable.get(plan.matrixElements);
  const check = ours === undefined ? 'ours not measured in this run' : ours === theirs ? 'the same as ours' : `DIFFERS from ours (${ours})`;
  log(`networkx ${String(result.networkx)}: ${String(result.components)} components, ${theirs} connected ordered pairs, ${check}`);
  return resultNumber(result, 'seconds', 'networkx') * 1000;
}

// ---------------------------------------------------------------- pairs

/** The same random pairs for ours and the peer: a0, b0, a1, b1, ... */
function pairsOf(size: number, pairCount: number): Int32Array {
  const random = prng(SEED * 7919 + size);
  const pairs = new Int32Array(2 * pairCount);
  for (let i = 0; i < pairs.length; i++) pairs[i] = Math.floor(random() * size);
  return pairs;
}

/** Ours' sum of distances over the pairs, kept to check the peer's answers against. */
const oursDistanceSums = new Map<string, number>();

export async function pairsOurs(plan: GridModelPlan, log: Log): Promise<number> {
  const network = networkOf(plan.pairsElements);
  const pairs = pairsOf(network.elements.length, plan.pairCount);
  let distanceSum = 0;
  let hopsSum = 0;
  const ms = await medianMs(plan.pairsRuns, () => {
    const topology = buildTopology(network);
    distanceSum = 0;
    hopsSum = 0;
    for (let i = 0; i < pairs.length; i += 2) {
      const a = pairs[i]!;
      const b = pairs[i + 1]!;
      distanceSum += topology.distanceAt(a, b);
      hopsSum += Math.abs(topology.hopsAt(a, b));
    }
  });
  oursDistanceSums.set(`${plan.pairsElements}/${plan.pairCount}`, distanceSum);
  log(`${count(network.elements.length)} elements, ${count(plan.pairCount)} pairs: distance sum ${distanceSum}, |hops| sum ${hopsSum}`);
  return ms;
}

export async function pairsNetworkx(plan: GridModelPlan, log: Log): Promise<number> {
  const network = networkOf(plan.pairsElements);
  const graph = conductingGraph(network, buildTopology(network));
  const pairsFile = join(workDir(), `pairs-${plan.pairsElements}.i32`);
  const pairs = pairsOf(network.elements.length, plan.pairCount);
  await writeFile(pairsFile, new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength));
  const result = await runPythonPeer({
    script: 'topology_peer.py',
    label: 'networkx-pairs',
    workDir: workDir(),
    args: ['pairs'],
    // One reading after the warm-up: a pass takes networkx seconds (about 13 s for 10,000 elements and 1,000,000 pairs).
    spec: { ...graph, runs: 1, pairsFile, pairCount: plan.pairCount },
  });
  const theirs = resultNumber(result, 'distanceSum', 'networkx');
  const ours = oursDistanceSums.get(`${plan.pairsElements}/${plan.pairCount}`);
  const check = ours === undefined ? 'ours not measured in this run' : ours === theirs ? 'the same as ours' : `DIFFERS from ours (${ours})`;
  log(`networkx ${String(result.networkx)}: distance sum ${theirs}, ${check}`);
  return resultNumber(result, 'seconds', 'networkx') * 1000;
}

// ---------------------------------------------------------------- switch changes

interface SwitchPlan {
  /** Switch ids, by ordinal. */
  readonly ids: readonly string[];
  /** [switch ordinal, 1 open / 0 close] per change; each one changes the switch's state. */
  readonly changes: readonly [number, number][];
}

function switchPlanOf(network: GridNetwork, changes: number): SwitchPlan {
  const switches = network.elements.filter((element) => element.kind === 'switch');
  if (switches.length === 0) throw new Error('the simulated feeder has no switches');
  const open = switches.map((element) => element.open === true);
  const random = prng(SEED * 104_729 + changes);
  const list: [number, number][] = [];
  for (let i = 0; i < changes; i++) {
    const s = Math.floor(random() * switches.length);
    open[s] = !open[s];
    list.push([s, open[s] ? 1 : 0]);
  }
  return { ids: switches.map((element) => element.id), changes: list };
}

/** One pass of the changes on a fresh topology whose dense matrix exists: ms per change. */
function switchPass(network: GridNetwork, plan: SwitchPlan): number[] {
  const topology = buildTopology(network);
  topology.dense();
  const readings: number[] = [];
  for (const [s, open] of plan.changes) {
    const started = nowNs();
    topology.setSwitch(plan.ids[s]!, open === 1);
    topology.dense();
    readings.push((nowNs() - started) / 1e6);
  }
  return readings;
}

export function switchesOurs(plan: GridModelPlan, log: Log): number {
  const network = networkOf(plan.switchElements);
  const changes = switchPlanOf(network, plan.switchChanges);
  switchPass(network, changes); // warm-up
  const readings = switchPass(network, changes);
  const sorted = [...readings].sort((a, b) => a - b);
  log(
    `${count(network.elements.length)} elements, ${changes.ids.length} switches, ${changes.changes.length} changes: ` +
      `median ${median(readings).toFixed(3)} ms, max ${sorted[sorted.length - 1]!.toFixed(3)} ms`,
  );
  return median(readings);
}

export async function switchesNetworkx(plan: GridModelPlan, log: Log): Promise<number> {
  const network = networkOf(plan.switchElements);
  const changes = switchPlanOf(network, plan.switchChanges);
  const { switchIds: _ids, ...graph } = switchingGraph(network);
  const result = await runPythonPeer({
    script: 'topology_peer.py',
    label: 'networkx-switches',
    workDir: workDir(),
    args: ['switches'],
    spec: { ...graph, runs: 1, changes: changes.changes },
  });
  log(`networkx ${String(result.networkx)}: ${String(result.changes)} changes, ${String(result.components)} components at the end`);
  return resultNumber(result, 'seconds', 'networkx') * 1000;
}
