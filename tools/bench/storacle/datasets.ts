/**
 * The data every system of bench:storacle is given, generated or read once
 * per run so that all of them store exactly the same records:
 *
 * - the IEEE European LV test feeder's 100 one-minute load shapes (read from
 *   /work/shared/data, never copied into the project), one data point each;
 * - synthetic 1 Hz voltage (0.01 V), current (0.01 A) and active power
 *   (0.01 kW) of a household meter (tsdb.md §1.10 shapes, seeded), with regular
 *   timestamps or with ±3 ms jitter;
 * - one long 1 Hz voltage series for the ingestion and query rows.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../prng.js';
import { EPOCH, monthSpan, type Plan } from './plan.js';

/** One series of one data set: its set (table, measurement or data point prefix) and channel. */
export interface SeriesData {
  set: string;
  channel: string;
  timestamps: Float64Array;
  values: Float64Array;
}

/** Count, value sum and timestamp sum: the cheap checksum every read-back is compared with. */
export interface Checksum {
  count: number;
  valueSum: number;
  /** Absent when the system has no cheap way to sum timestamps (InfluxQL). */
  timestampSum?: number;
}

export function checksumOf(series: readonly SeriesData[]): Checksum {
  const sum: Checksum = { count: 0, valueSum: 0, timestampSum: 0 };
  for (const s of series) addColumns(sum, s.timestamps, s.values);
  return sum;
}

export function addColumns(sum: Checksum, timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
  sum.count += values.length;
  for (let i = 0; i < values.length; i++) {
    sum.valueSum += values[i] as number;
    if (sum.timestampSum !== undefined) sum.timestampSum += timestamps[i] as number;
  }
}

/** Why a read-back does not match what was written, or undefined when it does. */
export function checksumMismatch(expected: Checksum, actual: Checksum, what: string): string | undefined {
  if (actual.count !== expected.count) return `${what}: read back ${actual.count} of ${expected.count} entries`;
  // Sums of the same values in another order differ in the last bits only.
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (!close(actual.valueSum, expected.valueSum)) return `${what}: value sum ${actual.valueSum} instead of ${expected.valueSum}`;
  if (actual.timestampSum !== undefined && expected.timestampSum !== undefined && !close(actual.timestampSum, expected.timestampSum)) {
    return `${what}: timestamp sum differs`;
  }
  return undefined;
}

/** The shared seeded PRNG (tools/bench/prng.ts) with the draws the generators need. */
export class Random {
  readonly next: () => number;
  private spare: number | undefined;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  /** Standard normal (Box-Muller, both halves used). */
  gaussian(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

/** Rounds to `decimals` places the way a meter's decimal reading is written (shortest form round-trips). */
function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

export const IEEE_DIR = '/work/shared/data/ieee_eu_lv/Daily_1min_100profiles';

/** The 100 IEEE EU LV load shapes, each one data point of 1,440 one-minute entries (kW, up to 4 decimals). */
export function ieeeProfiles(dir = IEEE_DIR): SeriesData[] {
  const files = readdirSync(dir)
    .map((name) => /^load_profile_(\d+)\.txt$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[0], index: Number(m[1]) }))
    .sort((a, b) => a.index - b.index);
  if (files.length === 0) throw new Error(`no load_profile_*.txt in ${dir}`);
  return files.map(({ file, index }) => {
    const lines = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const values = new Float64Array(lines.length);
    const timestamps = new Float64Array(lines.length);
    lines.forEach((line, i) => {
      const value = Number(line);
      if (!Number.isFinite(value)) throw new Error(`${file}:${i + 1}: not a number: ${line}`);
      values[i] = value;
      timestamps[i] = EPOCH.ieee + i * 60_000;
    });
    return { set: 'ieee', channel: `p${String(index).padStart(3, '0')}`, timestamps, values };
  });
}

/** Timestamps of `count` seconds from `startMs`, exact or with uniform integer jitter of ±jitterMs. */
function secondGrid(startMs: number, count: number, jitterMs: number, random: Random): Float64Array {
  const timestamps = new Float64Array(count);
  for (let i = 0; i < count; i++) timestamps[i] = startMs + i * 1000 + (jitterMs > 0 ? random.int(-jitterMs, jitterMs) : 0);
  return timestamps;
}

/**
 * A household meter at 1 Hz: voltage = 230 V + 3 V daily swing + mean-reverting
 * random walk + σ 0.05 V noise; current = 1.5 A base load + appliances switching
 * on and off + σ 0.02 A noise; power = V·I in kW. All at 0.01 resolution.
 * `seed` makes each call reproducible; the halves of a data set use two seeds.
 */
export function meterChannels(set: string, startMs: number, seconds: number, jitterMs: number, seed: number): SeriesData[] {
  const random = new Random(seed);
  const voltage = new Float64Array(seconds);
  const current = new Float64Array(seconds);
  const power = new Float64Array(seconds);
  const appliances = [2.1, 4.8, 8.7, 0.6];
  const on = appliances.map(() => false);
  let walk = 0;
  for (let i = 0; i < seconds; i++) {
    const secondOfDay = ((startMs / 1000 + i) % 86_400) / 86_400;
    walk = 0.999 * walk + 0.01 * random.gaussian();
    const v = 230 + 3 * Math.sin(2 * Math.PI * secondOfDay) + walk + 0.05 * random.gaussian();
    for (let a = 0; a < on.length; a++) if (random.next() < 1 / 900) on[a] = !on[a];
    let amps = 1.5;
    for (let a = 0; a < on.length; a++) if (on[a]) amps += appliances[a] as number;
    amps = Math.max(0, amps + 0.02 * random.gaussian());
    voltage[i] = roundTo(v, 2);
    current[i] = roundTo(amps, 2);
    power[i] = roundTo((voltage[i] as number) * (current[i] as number) / 1000, 2);
  }
  const tsRandom = new Random(seed ^ 0x5bd1e995);
  const timestamps = secondGrid(startMs, seconds, jitterMs, tsRandom);
  return [
    { set, channel: 'voltage', timestamps, values: voltage },
    { set, channel: 'current', timestamps: timestamps.slice(), values: current },
    { set, channel: 'power', timestamps: timestamps.slice(), values: power },
  ];
}

/** The synthetic meter channels for one half (0 or 1) of the marginal-bytes method. */
export function syntheticHalf(plan: Plan, half: 0 | 1, jittered: boolean): SeriesData[] {
  const seconds = Math.round(plan.syntheticDaysPerHalf * 86_400);
  const startMs = EPOCH.synthetic + half * seconds * 1000;
  // The two halves use different seeds: the second continues the grid, not the same numbers.
  return meterChannels(jittered ? 'jitter' : 'regular', startMs, seconds, jittered ? 3 : 0, 1000 + half);
}

/** The long 1 Hz voltage series the ingestion and query rows use. */
export function monthSeries(plan: Plan): SeriesData {
  const { fromMs, entries } = monthSpan(plan);
  const [voltage] = meterChannels('month', fromMs, entries, 0, 7);
  if (!voltage) throw new Error('no voltage channel');
  return { ...voltage, channel: 'm1' };
}

/** The series written with durable acknowledgement. */
export function durableSeries(plan: Plan): SeriesData {
  const [voltage] = meterChannels('durable', EPOCH.durable, plan.durableEntries, 0, 11);
  if (!voltage) throw new Error('no voltage channel');
  return { ...voltage, channel: 'd1' };
}

/** One of the tagged data points of the tag query: name and tags as key=value pairs. */
export interface TaggedPoint {
  channel: string;
  tags: Record<string, string>;
}

/** 10,000 data points spread over 100 feeders × 4 kinds × 3 phases; the query asks for one feeder and kind. */
export function taggedPoints(count: number): { points: TaggedPoint[]; query: Record<string, string>; expected: number } {
  const kinds = ['voltage', 'current', 'power', 'energy'];
  const points: TaggedPoint[] = [];
  for (let i = 0; i < count; i++) {
    points.push({
      channel: `dp${String(i).padStart(5, '0')}`,
      tags: { feeder: `f${String(i % 100).padStart(2, '0')}`, kind: kinds[Math.floor(i / 100) % 4] as string, phase: `L${(Math.floor(i / 400) % 3) + 1}` },
    });
  }
  const query = { feeder: 'f17', kind: 'power' };
  const expected = points.filter((p) => p.tags.feeder === query.feeder && p.tags.kind === query.kind).length;
  return { points, query, expected };
}
