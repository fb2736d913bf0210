/**
 * The alarm rows' rule set and values, the same for ours and both peers. 1,000 voltage data
 * points on 10 feeders ("feeder-3/meter42.u"); per feeder a threshold rule (207..253 V,
 * hysteresis 2 V) and a rate-of-change rule (8 V/s, cleared after 30 s below), written with a
 * prefix as a feeder's rules are; and tighter limits (210..250 V) on each feeder's 10 transformer
 * points (meter0..meter9), named one by one. Values come round after round (1 s apart, every
 * point once per round): most points sit near 230 V, one in five swings around the upper or
 * lower limit and one in fifty jumps now and then, so raises and clears happen all the time.
 */
import type { DataPointRule } from '../../../core/alarms/api.js';
import { prng } from '../prng.js';

export const FEEDERS = 10;
export const ROUND_MS = 1000;
const BASE_TIME_MS = Date.UTC(2026, 0, 1);

export interface ThresholdSpec {
  id: string;
  high: number;
  low: number;
  hysteresis: number;
}
export interface RateSpec {
  id: string;
  maxPerSecond: number;
  clearAfterMs: number;
}

export interface AlarmLoad {
  names: string[];
  /** Per data point, the rules that apply (what every evaluator must work out or be given). */
  thresholds: ThresholdSpec[][];
  rates: RateSpec[][];
  /** The rule set as core/alarms takes it. */
  rules: DataPointRule[];
  /** Value i: data point pointOf[i] at timeMs[i]. */
  pointOf: Int32Array;
  timeMs: Float64Array;
  values: Float64Array;
}

export function pointName(point: number, perFeeder: number): string {
  return `feeder-${Math.floor(point / perFeeder)}/meter${point % perFeeder}.u`;
}

export function alarmLoad(points: number, valueCount: number, seed = 104): AlarmLoad {
  const perFeeder = Math.ceil(points / FEEDERS);
  const names = Array.from({ length: points }, (_, p) => pointName(p, perFeeder));
  const rules: DataPointRule[] = [];
  const thresholds: ThresholdSpec[][] = names.map(() => []);
  const rates: RateSpec[][] = names.map(() => []);
  for (let f = 0; f < FEEDERS; f++) {
    const limits: ThresholdSpec = { id: `feeder-${f}-voltage`, high: 253, low: 207, hysteresis: 2 };
    const rate: RateSpec = { id: `feeder-${f}-voltage-rate`, maxPerSecond: 8, clearAfterMs: 30_000 };
    rules.push({ ...limits, kind: 'threshold', dataPoints: [`feeder-${f}/*`], severity: 'Major' });
    rules.push({ ...rate, kind: 'rate', dataPoints: [`feeder-${f}/*`], severity: 'Minor' });
    for (let p = f * perFeeder; p < Math.min(points, (f + 1) * perFeeder); p++) {
      thresholds[p]!.push(limits);
      rates[p]!.push(rate);
    }
    const transformers = names.slice(f * perFeeder, f * perFeeder + 10);
    transformers.forEach((name, k) => {
      const tight: ThresholdSpec = { id: `transformer-${f}-${k}`, high: 250, low: 210, hysteresis: 1 };
      rules.push({ ...tight, kind: 'threshold', dataPoints: [name], severity: 'Critical' });
      thresholds[f * perFeeder + k]!.push(tight);
    });
  }

  const random = prng(seed);
  // Per point: its level and how it moves.
  const level = new Float64Array(points);
  const swing = new Float64Array(points);
  const jumpy = new Uint8Array(points);
  for (let p = 0; p < points; p++) {
    const kind = random();
    level[p] = kind < 0.1 ? 251.5 : kind < 0.2 ? 208.5 : 228 + 4 * random();
    swing[p] = kind < 0.2 ? 3 : 1.5;
    jumpy[p] = random() < 0.02 ? 1 : 0;
  }
  const pointOf = new Int32Array(valueCount);
  const timeMs = new Float64Array(valueCount);
  const values = new Float64Array(valueCount);
  for (let i = 0; i < valueCount; i++) {
    const p = i % points;
    const round = Math.floor(i / points);
    pointOf[i] = p;
    timeMs[i] = BASE_TIME_MS + round * ROUND_MS;
    let v = level[p]! + swing[p]! * Math.sin(round * 0.3 + p) + (random() - 0.5);
    if (jumpy[p] === 1 && round % 40 === 0) v += 12;
    values[i] = Math.round(v * 100) / 100;
  }
  return { names, thresholds, rates, rules, pointOf, timeMs, values };
}
