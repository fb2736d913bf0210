/**
 * The SSD rows: per seed, a simulated feeder checked four times — as
 * recorded (no flips), with one and with two flips of the simulator's own
 * seeded choice (tools/simulate/flips.ts: recorded ≠ actual, profiles
 * under the actual states; it draws only flips an MP can see), and with
 * one switch drawn uniformly from all (which an MP may not see).
 *
 * A flipped switch is *detected* when the verdict declares the topology
 * inconsistent and flags the switch, or names it among the equivalents of a
 * flagged switch (switches the MPs cannot tell apart: in series with no MP
 * between, ties closing loops the MPs see alike — "one of these is not as
 * recorded" is what the data supports). It is *located exactly* when it is
 * flagged itself (its own rows, so nothing is hidden). A flagged switch is a
 * false alarm only when it is not flipped and none of its equivalents is.
 *
 * Observability is the benchmark's own rule, not the verifier's: a flip is
 * observable when setting it (with its pair) to the actual state changes
 * which MPs are fed or how they nest (mpStructure below). The
 * unobservable ones (from the uniform draws) are reported in their own
 * row and left out of the detection rates.
 */
import type { GridNetwork } from '../../../core/grid/network.js';
import type { AlignedProfile } from '../../../core/grid/profiles/api.js';
import type { SwitchFinding } from '../../../core/grid/ssd/api.js';
import { verifySwitches } from '../../../core/grid/ssd/verify.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';
import { nowNs } from '../harness.js';
import type { GridAppsPlan, SsdRow } from './plan.js';
import { generateFeeder } from '../../simulate/feeder.js';
import type { SwitchFlip } from '../../simulate/flips.js';
import { resolveSimulation } from '../../simulate/simulation.js';
import { prng } from '../prng.js';
import { SIMULATED, simulatedRun, type SimulatedRun } from './simulated-runs.js';

export type Verify = (network: GridNetwork, profiles: readonly AlignedProfile[]) => readonly SwitchFinding[];

/** The trials of the run, made once and shared by ours and the baseline. */
let trials: Promise<SimulatedRun[]> | undefined;

function trialsOf(plan: GridAppsPlan, log: (m: string) => void): Promise<SimulatedRun[]> {
  trials ??= (async () => {
    const runs: SimulatedRun[] = [];
    let missing = 0;
    for (let seed = 1; seed <= plan.ssdSeeds; seed++) {
      for (const count of [0, 1, 2]) {
        const run = await simulatedRun(seed, { count });
        if (run === null) missing++;
        else runs.push(run);
      }
      const uniform = await uniformFlip(seed);
      if (uniform === null) missing++;
      else runs.push(uniform);
    }
    if (missing > 0) log(`${missing} of ${plan.ssdSeeds * 4} trials found no flip to make on their feeder (left out)`);
    return runs;
  })();
  return trials;
}

/**
 * One switch drawn uniformly from all of the feeder's switches, flipped by
 * name: an inline switch is recorded closed but actually open, whether or
 * not an MP can see it; a ring tie becomes a reconfiguration pair (the
 * simulator refuses a tie no MP could show, then another is drawn).
 */
async function uniformFlip(seed: number): Promise<SimulatedRun | null> {
  const names = generateFeeder(resolveSimulation({ seed, ...SIMULATED }))
    .network.elements.filter((element) => element.kind === 'switch')
    .map((element) => element.name);
  const random = prng(seed * 7_919 + 17);
  for (let attempt = 0; attempt < 10 && names.length > 0; attempt++) {
    const run = await simulatedRun(seed, { switchNames: [names[Math.floor(random() * names.length)]!] });
    if (run !== null) return run;
  }
  return null;
}

/**
 * What the MPs' profiles can tell about a switch state: per MP whether it
 * is fed, its nearest MP above, and the MPs below it (away from the feed).
 * Buildings are left out on purpose: which buildings an MP's residual holds
 * cannot be told from MP profiles alone (a lower residual is just a quieter
 * day), so a flip that only moves buildings is not observable.
 */
function mpStructure(network: GridNetwork): string[] {
  const topology = buildTopology(network);
  const mpAt = new Map(network.monitoringPoints.map((point) => [point.element, point.id]));
  // An MP on an open switch hangs from its fed side in the topology but measures the nothing flowing through it.
  const openSwitches = new Set(network.elements.filter((element) => element.kind === 'switch' && element.open === true).map((element) => element.id));
  return network.monitoringPoints.map((point) => {
    if (topology.feeder(point.element) === undefined || openSwitches.has(point.element)) return 'unfed';
    let above = '';
    for (let at = topology.parent(point.element); at !== undefined && above === ''; at = topology.parent(at)) above = mpAt.get(at) ?? '';
    const below = topology
      .subtree(point.element)
      .slice(1)
      .map((id) => mpAt.get(id))
      .filter((id): id is string => id !== undefined)
      .sort();
    return `${above}|${below.join(',')}`;
  });
}

/**
 * Whether the flip changes what the MPs can tell: the recorded network
 * against the recorded network with this flip (and the switch it is paired
 * with, for a reconfiguration) set to its actual state.
 */
function observable(run: SimulatedRun, flip: SwitchFlip): boolean {
  const group = new Map(run.flips.filter((f) => f.switchId === flip.switchId || f.switchId === flip.pairedWith).map((f) => [f.switchId, f.actualOpen]));
  const corrected: GridNetwork = {
    ...run.recorded,
    elements: run.recorded.elements.map((element) => (group.has(element.id) ? { ...element, open: group.get(element.id)! } : element)),
  };
  const before = mpStructure(run.recorded);
  const after = mpStructure(corrected);
  return before.some((signature, i) => signature !== after[i]);
}

interface Counts {
  detected: [number, number];
  exact: [number, number];
  observed: [number, number];
  unobservable: number;
  falseUnflipped: number;
  switchesUnflipped: number;
  falseOthers: number;
  switchesOthers: number;
  times: number[];
  /** Equivalents named per flagged switch: a long list would make "detected" cheap, so it is logged. */
  equivalents: number[];
}

export async function ssdRows(plan: GridAppsPlan, verify: Verify, log: (m: string) => void): Promise<Record<SsdRow, number>> {
  const runs = await trialsOf(plan, log);
  const c: Counts = { detected: [0, 0], exact: [0, 0], observed: [0, 0], unobservable: 0, falseUnflipped: 0, switchesUnflipped: 0, falseOthers: 0, switchesOthers: 0, times: [], equivalents: [] };
  const missed: string[] = [];
  for (const run of runs) {
    const profiles = run.recorded.monitoringPoints.map((point) => run.points.get(point.id)!);
    const started = nowNs();
    const findings = verify(run.recorded, profiles);
    c.times.push((nowNs() - started) / 1e6);
    const flaggedFindings = findings.filter((finding) => !finding.consistent);
    const flagged = new Set(flaggedFindings.map((finding) => finding.switchId));
    for (const finding of flaggedFindings) c.equivalents.push(finding.equivalent.length);
    // A verdict flags a switch exactly when it is inconsistent; the check keeps the rule honest for any verifier.
    const inconsistent = flaggedFindings.length > 0;
    const covered = new Set(flaggedFindings.flatMap((finding) => [finding.switchId, ...finding.equivalent]));
    const flipped = new Map(run.flips.map((flip) => [flip.switchId, flip]));
    const switchCount = run.recorded.elements.filter((element) => element.kind === 'switch').length;
    const others = flaggedFindings.filter((finding) => !flipped.has(finding.switchId) && !finding.equivalent.some((id) => flipped.has(id))).length;
    if (run.flips.length === 0) {
      c.falseUnflipped += others;
      c.switchesUnflipped += switchCount;
      continue;
    }
    c.falseOthers += others;
    c.switchesOthers += switchCount - flipped.size;
    // A run flips one switch, or two (two singles, or a tie + inline switch reconfiguration).
    const slot = run.flips.length === 1 ? 0 : 1;
    for (const flip of run.flips) {
      if (!observable(run, flip)) {
        c.unobservable++;
        continue;
      }
      c.observed[slot]++;
      if (flagged.has(flip.switchId)) c.exact[slot]++;
      if (inconsistent && covered.has(flip.switchId)) c.detected[slot]++;
      else missed.push(`seed ${run.seed} ${flip.name} (${flip.kind})`);
    }
  }
  const pct = (a: number, b: number): number => (b === 0 ? Number.NaN : (100 * a) / b);
  const sorted = [...c.times].sort((a, b) => a - b);
  log(
    `detected single ${c.detected[0]}/${c.observed[0]}, multiple ${c.detected[1]}/${c.observed[1]}; located exactly single ${c.exact[0]}/${c.observed[0]}, multiple ${c.exact[1]}/${c.observed[1]}; unobservable ${c.unobservable}, ` +
      `false alarms ${c.falseUnflipped}/${c.switchesUnflipped} unflipped, ${c.falseOthers}/${c.switchesOthers} others; ` +
      `equivalents named per flagged switch: ${c.equivalents.filter((n) => n > 0).length} of ${c.equivalents.length} flags name any, at most ${Math.max(0, ...c.equivalents)}, ${c.equivalents.reduce((a, b) => a + b, 0)} in all` +
      (missed.length > 0 ? `; missed: ${missed.slice(0, 8).join(', ')}${missed.length > 8 ? ' ...' : ''}` : ''),
  );
  return {
    'ssd:single': pct(c.detected[0], c.observed[0]),
    'ssd:double': pct(c.detected[1], c.observed[1]),
    'ssd:singleExact': pct(c.exact[0], c.observed[0]),
    'ssd:doubleExact': pct(c.exact[1], c.observed[1]),
    'ssd:unobservable': c.unobservable,
    'ssd:falseUnflipped': pct(c.falseUnflipped, c.switchesUnflipped),
    'ssd:falseOthers': pct(c.falseOthers, c.switchesOthers),
    'ssd:time': sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
  };
}

/** core/grid/ssd's verifier with the simulator's MP noise; its defaults otherwise (up to two flips at once). */
export const oursVerify: Verify = (network, profiles) => verifySwitches(network, profiles, { relativeNoise: 0.03 }).switches;
