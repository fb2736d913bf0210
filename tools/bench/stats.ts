/**
 * Small statistics and process-memory helpers shared by every benchmark.
 * Node built-ins only, so a worker process can import this without
 * inflating its own resident set.
 */
import { readFileSync } from 'node:fs';

/**
 * The p-th percentile (0..100) of values already sorted ascending, by the
 * nearest-rank method: the smallest sample such that at least p % of the
 * samples are less than or equal to it. Throws on an empty sample.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Summary of a latency sample. */
export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Sorts a copy of the samples and returns the usual percentiles (same unit as the input). */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  return {
    count: sorted.length,
    min: percentileOfSorted(sorted, 0),
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: sorted[sorted.length - 1] as number,
    mean: sum / sorted.length,
  };
}

/** The median of a non-empty list of numbers (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Resident set size of a process in bytes, read from the VmRSS line of
 * /proc/<pid>/status (Linux). Returns undefined when the process is gone or
 * the file has no such line (e.g. a zombie).
 */
export function readRssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Result of sampling a process's RSS over a time window. */
export interface RssSample {
  /** Largest VmRSS seen, in bytes. */
  maxBytes: number;
  /** Median VmRSS, in bytes. */
  medianBytes: number;
  /** Every reading, in bytes, in order. */
  readings: number[];
}

/**
 * Reads VmRSS of `pid` every `intervalMs` for `durationMs` (at least one
 * reading). Throws when the process disappears before a single reading.
 */
export async function sampleRss(
  pid: number,
  options: { durationMs: number; intervalMs?: number },
): Promise<RssSample> {
  const intervalMs = options.intervalMs ?? 100;
  const readings: number[] = [];
  const end = Date.now() + options.durationMs;
  for (;;) {
    const rss = readRssBytes(pid);
    if (rss === undefined) break;
    readings.push(rss);
    if (Date.now() + intervalMs > end) break;
    await sleep(intervalMs);
  }
  if (readings.length === 0) throw new Error(`no VmRSS reading for pid ${pid} (process gone or not Linux)`);
  return { maxBytes: Math.max(...readings), medianBytes: median(readings), readings };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Monotonic clock in nanoseconds as a JS number: exact for about 104 days of
 * uptime (2^53 ns), off by a few nanoseconds after that.
 */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}
