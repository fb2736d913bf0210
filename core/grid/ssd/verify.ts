/**
 * Switch state detection (api.ts): the recorded switch states against the
 * monitoring points' profiles, by the power balance of each measured
 * branch under every hypothesis of up to `maxFlips` flipped switches. The
 * method, the misfit terms and what cannot be seen are in README.md.
 */
import type { AlignedProfile } from '../profiles/api.js';
import { Quality } from '../profiles/api.js';
import type { GridNetwork, MonitoringPoint } from '../network.js';
import type { SsdOptions, SsdVerdict, SwitchFinding, VerifySwitches } from './api.js';
import { FeederGraph, MonitoringPointView } from './feeder-graph.js';

export const DEFAULT_SSD_OPTIONS: Required<SsdOptions> = {
  relativeNoise: 0.03,
  noiseFloor: 0.05,
  maxFlips: 2,
  margin: 0.2,
};

/** Per slot, a violation counts at most this many σ: one wild slot must not outweigh a structural fact. */
const SLOT_CAP = 4;
/** A hypothesis must beat the recorded misfit by at least this many slot-violations per slot and per flipped switch (besides `margin`). */
const MIN_EVIDENCE_PER_SLOT = 0.05;
/**
 * Every flipped switch of a hypothesis costs this many slot-violations per slot, the same
 * evidence overturning the record needs: a hypothesis with more flips is chosen over one
 * with fewer only when it explains that much more (an actually-open switch is not turned
 * into a reconfiguration because moving its dead consumers behind no MP relaxes a residual).
 */
const FLIP_COST_PER_SLOT = MIN_EVIDENCE_PER_SLOT;
/**
 * Hypotheses with as many flips as the chosen one whose misfits differ by at most this many
 * slot-violations per slot explain the data equally well (confidence below 0.18 between them);
 * the switches they flip instead are reported as equivalents. Alike-looking hypotheses
 * (switches in series with no MP between, ties closing loops the MPs see alike) score the
 * same to the bit, since a point's misfit depends only on what it sees.
 */
const TIE_PER_SLOT = 0.01;
/** Confidence = 1 − exp(−Δ / (CONFIDENCE_SCALE_PER_SLOT · slots)): a Δ of one violation σ in 5 % of the slots gives 0.63. */
const CONFIDENCE_SCALE_PER_SLOT = 0.05;
/** A fed branch with consumers below reads "nothing" (|P| < noise floor) in more than this share of its slots: it is not fed. */
const MOSTLY_ZERO = 0.5;
/** How much a PV system between two points may feed back, kW (the network does not carry ratings). */
const PV_ALLOWANCE_KW = 15;

/** Input SSD cannot work with: profiles on different grids, no profiles at all, bad options. */
export class SsdInputError extends Error {
  override readonly name = 'SsdInputError';
}

interface PointData {
  readonly point: MonitoringPoint;
  readonly values: Float64Array;
  /** 1 where the slot is a gap. */
  readonly gap: Uint8Array;
  /** Σ over non-gap slots of the "should read nothing" violation. */
  readonly unfedMisfit: number;
  readonly nearZero: number;
  readonly valid: number;
}

export const verifySwitches: VerifySwitches = (network: GridNetwork, profiles: readonly AlignedProfile[], options: SsdOptions = {}): SsdVerdict => {
  const settings = resolveSsdOptions(options);
  const points = measuredPoints(network, profiles, settings);
  const slots = points[0]?.values.length ?? 0;
  const graph = new FeederGraph(network, points.map((data) => data.point));
  const view = new MonitoringPointView(points.length);
  const memo = new Map<string, number>();
  const evaluate = (): number => {
    let total = 0;
    for (let mp = 0; mp < points.length; mp++) total += pointMisfit(mp, points, view, settings, memo);
    return total;
  };
  const signature = (): string => {
    let text = '';
    for (let mp = 0; mp < points.length; mp++) {
      text += view.fed[mp] === 1 ? `${view.parent[mp]},${view.consumersBetween[mp]},${view.consumerHash[mp]},${view.generatorsBetween[mp]};` : 'u;';
    }
    return text;
  };

  const open = graph.recordedOpen.slice();
  const recordedRadial = graph.walk(open, view);
  const recordedMisfit = evaluate();
  const recordedSignature = signature();

  const switches: number[] = [];
  for (let i = 0; i < graph.size; i++) if (graph.isSwitch[i] === 1) switches.push(i);
  const flipCost = FLIP_COST_PER_SLOT * slots;
  /** Per switch: the lowest cost (misfit + flipCost per flip) seen with it recorded / flipped. */
  const bestKept = new Float64Array(graph.size).fill(recordedMisfit);
  const bestFlipped = new Float64Array(graph.size).fill(Infinity);
  const changesView = new Uint8Array(graph.size);
  /** Every scored hypothesis with a flip: the chosen one and its equivalents are picked among them. */
  const scored: { readonly flipped: number[]; readonly misfit: number; readonly cost: number }[] = [];
  /** Switches whose flip alone fits better than the record: a pair of two others cannot be the best explanation. */
  const improves = new Uint8Array(graph.size);
  const consider = (flipped: number[], misfit: number): void => {
    if (flipped.length === 1 && misfit < recordedMisfit) improves[flipped[0]!] = 1;
    const cost = misfit + flipCost * flipped.length;
    scored.push({ flipped, misfit, cost });
    for (const s of switches) {
      if (flipped.includes(s)) bestFlipped[s] = Math.min(bestFlipped[s]!, cost);
      else bestKept[s] = Math.min(bestKept[s]!, cost);
    }
  };
  const tryFlips = (flipped: number[]): boolean => {
    for (const s of flipped) open[s] = 1 - open[s]!;
    const radial = graph.walk(open, view);
    let seen = false;
    if (radial) {
      const changed = signature() !== recordedSignature;
      if (changed) {
        consider(flipped, evaluate());
        seen = true;
      }
    }
    for (const s of flipped) open[s] = 1 - open[s]!;
    // A flip that makes a mesh is not tried alone, but may be part of a pair.
    return seen || !radial;
  };
  /** Switches whose flip alone makes a mesh (a tie closing): they pair only with a switch on their loop. */
  const meshAlone = new Uint8Array(graph.size);
  for (const s of switches) {
    open[s] = 1 - open[s]!;
    meshAlone[s] = graph.walk(open, view) ? 0 : 1;
    open[s] = 1 - open[s]!;
    if (tryFlips([s])) changesView[s] = 1;
  }
  if (settings.maxFlips >= 2) {
    graph.walk(graph.recordedOpen, view);
    const loops = new Map<number, Set<number>>();
    for (const s of switches) if (meshAlone[s] === 1) loops.set(s, new Set(graph.loopSwitches(s)));
    const candidates = switches.filter((s) => changesView[s] === 1);
    for (let a = 0; a < candidates.length; a++) {
      for (let b = a + 1; b < candidates.length; b++) {
        const first = candidates[a]!;
        const second = candidates[b]!;
        // Pairs that surely leave a mesh are not walked: this keeps 500-switch feeders affordable.
        if (meshAlone[first] === 1 && meshAlone[second] === 1) continue;
        if (meshAlone[first] === 1 && !loops.get(first)!.has(second)) continue;
        if (meshAlone[second] === 1 && !loops.get(second)!.has(first)) continue;
        // Two radial flips of which neither helps alone: not tried (two flips that each explain part of the data each help alone).
        if (meshAlone[first] === 0 && meshAlone[second] === 0 && improves[first] === 0 && improves[second] === 0) continue;
        tryFlips([first, second]);
      }
    }
  }

  // The hypothesis of lowest cost overturns the record when it costs less than the record (each of its
  // flips earned MIN_EVIDENCE_PER_SLOT·slots) and fits better by the relative margin.
  let cheapest: { readonly flipped: number[]; readonly misfit: number; readonly cost: number } | undefined;
  for (const hypothesis of scored) if (cheapest === undefined || hypothesis.cost < cheapest.cost) cheapest = hypothesis;
  const overturned = cheapest !== undefined && cheapest.cost < recordedMisfit && recordedMisfit - cheapest.misfit > settings.margin * recordedMisfit;
  const chosen = overturned ? cheapest! : { misfit: recordedMisfit, flipped: [] as number[], cost: recordedMisfit };
  const equivalents = equivalentSwitches(chosen, scored, TIE_PER_SLOT * slots);
  // Observable is judged around the supported states: behind a switch found open, nothing can be seen.
  const chosenOpen = graph.recordedOpen.slice();
  for (const s of chosen.flipped) chosenOpen[s] = 1 - chosenOpen[s]!;
  graph.walk(chosenOpen, view);
  const chosenSignature = signature();
  const visible = new Uint8Array(graph.size);
  for (const s of switches) {
    chosenOpen[s] = 1 - chosenOpen[s]!;
    const radial = graph.walk(chosenOpen, view);
    chosenOpen[s] = 1 - chosenOpen[s]!;
    const tested = Number.isFinite(chosen.flipped.includes(s) ? bestKept[s]! : bestFlipped[s]!);
    visible[s] = tested && (!radial || signature() !== chosenSignature) ? 1 : 0;
  }
  const scale = Math.max(1, CONFIDENCE_SCALE_PER_SLOT * slots);
  const byIndex = new Map(network.elements.map((element, i) => [i, element]));
  const findings: SwitchFinding[] = switches.map((s) => {
    const element = byIndex.get(s)!;
    const recordedOpen = graph.recordedOpen[s] === 1;
    const flipped = chosen.flipped.includes(s);
    const observable = visible[s] === 1;
    const other = flipped ? bestKept[s]! : bestFlipped[s]!;
    const margin = Math.max(0, other - chosen.cost);
    return {
      switchId: element.id,
      name: element.name,
      recordedOpen,
      supportedOpen: flipped ? !recordedOpen : recordedOpen,
      consistent: !flipped,
      confidence: observable ? round(1 - Math.exp(-margin / scale), 4) : 0,
      observable,
      equivalent: (equivalents.get(s) ?? []).map((other) => byIndex.get(other)!.id),
    };
  });
  return {
    consistent: !overturned,
    switches: findings,
    scoreRecorded: round(recordedMisfit, 3),
    scoreBest: round(chosen.misfit, 3),
    explanation: explain(findings, overturned, recordedMisfit, chosen.misfit, slots, points.length, recordedRadial, settings.maxFlips),
    slots,
  };
};

/**
 * Per switch of `chosen`: the switches that hypotheses of as many flips, tied with it within
 * `tolerance`, flip in its place (those hypotheses leave this switch as recorded).
 */
function equivalentSwitches(chosen: { readonly flipped: readonly number[]; readonly misfit: number }, scored: readonly { readonly flipped: readonly number[]; readonly misfit: number }[], tolerance: number): Map<number, number[]> {
  const found = new Map<number, Set<number>>();
  for (const hypothesis of scored) {
    if (hypothesis === chosen || hypothesis.flipped.length !== chosen.flipped.length || Math.abs(hypothesis.misfit - chosen.misfit) > tolerance) continue;
    const instead = hypothesis.flipped.filter((s) => !chosen.flipped.includes(s));
    for (const s of chosen.flipped) {
      if (hypothesis.flipped.includes(s)) continue;
      const set = found.get(s) ?? new Set<number>();
      for (const other of instead) set.add(other);
      found.set(s, set);
    }
  }
  return new Map([...found].map(([s, set]) => [s, [...set].sort((a, b) => a - b)]));
}

export function resolveSsdOptions(options: SsdOptions): Required<SsdOptions> {
  const settings = { ...DEFAULT_SSD_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) } as Required<SsdOptions>;
  if (!(settings.relativeNoise >= 0 && settings.relativeNoise < 1)) throw new SsdInputError(`relativeNoise must lie in 0..1, not ${settings.relativeNoise}`);
  if (!(settings.noiseFloor > 0)) throw new SsdInputError(`noiseFloor must be > 0, not ${settings.noiseFloor}`);
  if (settings.maxFlips !== 1 && settings.maxFlips !== 2) throw new SsdInputError(`maxFlips must be 1 or 2, not ${String(settings.maxFlips)}`);
  if (!(settings.margin >= 0 && settings.margin < 1)) throw new SsdInputError(`margin must lie in 0..1, not ${settings.margin}`);
  return settings;
}

/** The monitoring points that have a profile, one per element (a second meter on the same element is left out, as GRM does). */
function measuredPoints(network: GridNetwork, profiles: readonly AlignedProfile[], settings: Required<SsdOptions>): PointData[] {
  const byId = new Map(profiles.map((profile) => [profile.id, profile]));
  const elements = new Set(network.elements.map((element) => element.id));
  const taken = new Set<string>();
  const points: PointData[] = [];
  let reference: AlignedProfile | undefined;
  for (const point of network.monitoringPoints) {
    const profile = byId.get(point.id);
    if (profile === undefined || !elements.has(point.element) || taken.has(point.element)) continue;
    if (profile.values.length !== profile.quality.length) throw new SsdInputError(`profile ${profile.id}: ${profile.values.length} values but ${profile.quality.length} quality codes`);
    reference ??= profile;
    if (profile.startMs !== reference.startMs || profile.stepMs !== reference.stepMs || profile.values.length !== reference.values.length) {
      throw new SsdInputError(`profile ${profile.id} is not on the grid of ${reference.id} (start, step and slot count must agree)`);
    }
    taken.add(point.element);
    const gap = new Uint8Array(profile.values.length);
    let unfedMisfit = 0;
    let nearZero = 0;
    let valid = 0;
    for (let t = 0; t < gap.length; t++) {
      const value = profile.values[t]!;
      if (profile.quality[t] === Quality.GAP || Number.isNaN(value)) {
        gap[t] = 1;
        continue;
      }
      valid++;
      const magnitude = Math.abs(value);
      if (magnitude < settings.noiseFloor) nearZero++;
      unfedMisfit += clamp(magnitude / settings.noiseFloor - 1);
    }
    points.push({ point, values: profile.values, gap, unfedMisfit, nearZero, valid });
  }
  if (points.length === 0) throw new SsdInputError('no monitoring point of the network has a profile: nothing to verify the switches against');
  return points;
}

/** The misfit of one point under the structure in `view`, memoised by that structure. */
function pointMisfit(mp: number, points: readonly PointData[], view: MonitoringPointView, settings: Required<SsdOptions>, memo: Map<string, number>): number {
  const data = points[mp]!;
  if (view.fed[mp] !== 1) return data.unfedMisfit;
  const children = view.childrenOf(mp);
  const between = view.consumersBetween[mp]!;
  const generators = view.generatorsBetween[mp]!;
  const below = view.consumersBelow[mp]!;
  const generatorsBelow = view.generatorsBelow[mp]!;
  const key = `${mp}|${children.join(',')}|${between > 0 ? 1 : 0}|${generators}|${below > 0 ? 1 : 0}|${generatorsBelow > 0 ? 1 : 0}`;
  const known = memo.get(key);
  if (known !== undefined) return known;

  let misfit = 0;
  if (below === 0 && generatorsBelow === 0) misfit += data.unfedMisfit;
  else if (below > 0 && data.nearZero > MOSTLY_ZERO * data.valid) misfit += data.nearZero * SLOT_CAP;

  const { relativeNoise, noiseFloor } = settings;
  const allowance = generators * PV_ALLOWANCE_KW;
  const childData = children.map((child) => points[child]!);
  const values = data.values;
  for (let t = 0; t < values.length; t++) {
    if (data.gap[t] === 1) continue;
    let residual = values[t]!;
    let scale = Math.abs(residual);
    let skip = false;
    for (const child of childData) {
      if (child.gap[t] === 1) {
        skip = true;
        break;
      }
      residual -= child.values[t]!;
      scale += Math.abs(child.values[t]!);
    }
    if (skip) continue;
    const sigma = relativeNoise * scale + noiseFloor;
    if (between === 0 && generators === 0) misfit += clamp(Math.abs(residual) / sigma - 1);
    else {
      if (residual < 0) misfit += clamp((-residual - allowance) / sigma - 1);
      else if (between === 0) misfit += clamp(residual / sigma - 1);
    }
  }
  memo.set(key, misfit);
  return misfit;
}

function clamp(violation: number): number {
  return violation <= 0 ? 0 : violation >= SLOT_CAP ? SLOT_CAP : violation;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function explain(findings: readonly SwitchFinding[], overturned: boolean, recorded: number, best: number, slots: number, points: number, radial: boolean, maxFlips: number): string {
  const hidden = findings.filter((finding) => !finding.observable).length;
  const unseen = hidden > 0 ? `; ${hidden} of ${findings.length} switches cannot be seen by the ${points} monitoring points` : '';
  const mesh = radial ? '' : ' (the recorded states make a mesh: judged on a spanning tree)';
  if (!overturned) {
    return `recorded switch states fit the measurements${mesh}: misfit ${recorded.toFixed(1)} over ${slots} slots, no flip of ${maxFlips === 1 ? 'one switch' : 'up to two switches'} fits better by the margin${unseen}`;
  }
  const names = new Map(findings.map((finding) => [finding.switchId, finding.name]));
  const wrong = findings
    .filter((finding) => !finding.consistent)
    .map((finding) => {
      const alike = finding.equivalent.map((id) => names.get(id) || id);
      const or = alike.length > 0 ? ` — or ${alike.length === 1 ? alike[0] : `one of ${alike.join(', ')}`}, which the monitoring points cannot tell from it` : '';
      return `${finding.name || finding.switchId} recorded ${finding.recordedOpen ? 'open' : 'closed'} but the data says ${finding.supportedOpen ? 'open' : 'closed'} (confidence ${finding.confidence.toFixed(2)})${or}`;
    });
  return `recorded switch states contradict the measurements${mesh}: ${wrong.join('; ')}; misfit ${recorded.toFixed(1)} recorded vs ${best.toFixed(1)} over ${slots} slots${unseen}`;
}
