/**
 * The measurements of bench:storacle, written once against `System` so that
 * ours and every peer run the same steps on the same data. Each one checks
 * what it reads back against what was written; a mismatch does not hide the
 * figure but is logged and collected (`dataCheckFailures`), and main.ts
 * repeats the list under the table.
 */
import { join } from 'node:path';
import { median, type Measurement, type RunContext } from '../harness.js';
import {
  checksumMismatch,
  checksumOf,
  durableSeries,
  ieeeProfiles,
  monthSeries,
  syntheticHalf,
  taggedPoints,
  type SeriesData,
} from './datasets.js';
import { allocatedSize, apparentSize, tempFolder } from './disk.js';
import { EPOCH, monthSpan, planOf, type Plan } from './plan.js';
import type { SeriesKey, System } from './system.js';

export type Row =
  | 'bytesIeee'
  | 'bytesRegular'
  | 'bytesJitter'
  | 'ingestFast'
  | 'ingestDurable'
  | 'read'
  | 'statistics'
  | 'latest'
  | 'tags'
  | 'csv';

const dataCheckFailures: string[] = [];

/** Every read-back that did not match, as "<subject>: <what>" (for the summary after the table). */
export function failedDataChecks(): readonly string[] {
  return dataCheckFailures;
}

function check(subject: string, ctx: RunContext, problem: string | undefined): void {
  if (problem === undefined) return;
  const line = `${subject}: ${problem}`;
  dataCheckFailures.push(line);
  ctx.log(`DATA CHECK FAILED (figure kept, marked here): ${problem}`);
}

/** Data shared by all subjects of a run, built on first use. */
const cache = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

type BytesSet = 'ieee' | 'regular' | 'jitter';
const BYTES_ROW: Record<BytesSet, Row> = { ieee: 'bytesIeee', regular: 'bytesRegular', jitter: 'bytesJitter' };

function bytesHalves(plan: Plan): Record<BytesSet, [SeriesData[], SeriesData[]]> {
  return once(`bytes-${plan.syntheticDaysPerHalf}`, () => {
    const profiles = ieeeProfiles();
    const middle = Math.ceil(profiles.length / 2);
    return {
      ieee: [profiles.slice(0, middle), profiles.slice(middle)],
      regular: [syntheticHalf(plan, 0, false), syntheticHalf(plan, 1, false)],
      jitter: [syntheticHalf(plan, 0, true), syntheticHalf(plan, 1, true)],
    };
  });
}

const records = (series: readonly SeriesData[]): number => series.reduce((n, s) => n + s.values.length, 0);
/** The distinct series of a list (the synthetic halves are the same series twice). */
function keysOf(series: readonly SeriesData[]): SeriesKey[] {
  const seen = new Map<string, SeriesKey>();
  for (const { set, channel } of series) seen.set(`${set}/${channel}`, { set, channel });
  return [...seen.values()];
}

/**
 * Marginal bytes per record (tsdb.md §4.2): the first half of a data set is
 * written and brought to steady state, its size B1 read; then the second half,
 * B2. (B2 − B1) / records of the second half leaves out every fixed cost
 * (empty files, preallocated index segments, headers) and keeps what the data
 * itself costs. IEEE: the halves are profiles 1–50 and 51–100 (so per-series
 * costs count); synthetic: the halves are consecutive days of the same series.
 */
async function measureBytes(subject: string, system: System, ctx: RunContext): Promise<Partial<Record<Row, number>>> {
  const plan = planOf(ctx.quick);
  const halves = bytesHalves(plan);
  const sets = Object.keys(halves) as BytesSet[];
  // Apparent size (du -sb) makes the row; allocated blocks (du -s) go to the log for comparison.
  const size: Record<BytesSet, number[]> = { ieee: [], regular: [], jitter: [] };
  const allocated: Record<BytesSet, number[]> = { ieee: [], regular: [], jitter: [] };
  const measureSize = (set: BytesSet): void => {
    const paths = system.sizePaths(set);
    size[set].push(paths.reduce((n, p) => n + apparentSize(p), 0));
    allocated[set].push(paths.reduce((n, p) => n + allocatedSize(p), 0));
  };
  const writeHalf = async (set: BytesSet, half: 0 | 1): Promise<void> => {
    const write = await system.prepareWrite(halves[set][half], 'fast', plan.batch, ctx.log);
    await write();
  };
  if (system.sizesPerSet) {
    for (const half of [0, 1] as const) {
      for (const set of sets) await writeHalf(set, half);
      await system.settle(ctx.log);
      for (const set of sets) measureSize(set);
    }
  } else {
    for (const set of sets) {
      for (const half of [0, 1] as const) {
        await writeHalf(set, half);
        await system.settle(ctx.log);
        measureSize(set);
      }
    }
  }
  const result: Partial<Record<Row, number>> = {};
  for (const set of sets) {
    const [first, second] = halves[set];
    const all = [...first, ...second];
    check(subject, ctx, checksumMismatch(checksumOf(all), await system.checksum(set, keysOf(all)), `${set} data set`));
    const [b1 = NaN, b2 = NaN] = size[set];
    const [a1 = NaN, a2 = NaN] = allocated[set];
    ctx.log(
      `${set}: ${b1} B after ${records(first)} records, ${b2} B after ${records(all)}; ` +
        `marginal ${((b2 - b1) / records(second)).toFixed(3)} B/record (allocated blocks: ${((a2 - a1) / records(second)).toFixed(3)}); ` +
        `total/records ${(b2 / records(all)).toFixed(3)}`,
    );
    result[BYTES_ROW[set]] = (b2 - b1) / records(second);
  }
  return result;
}

/** Runs a prepared write; returns records/s of wall time and logs records per CPU-second of the storing process. */
async function timedWrite(system: System, ctx: RunContext, write: () => Promise<void>, count: number): Promise<number> {
  const cpuBefore = system.storingCpuSeconds();
  const started = performance.now();
  await write();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = system.storingCpuSeconds();
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  ctx.log(
    `${count} records in ${seconds.toFixed(2)} s` +
      (cpu !== undefined && cpu > 0 ? `; storing process used ${cpu.toFixed(2)} CPU-s (${Math.round(count / cpu).toLocaleString('en-US')} records per CPU-second)` : ''),
  );
  return count / seconds;
}

/** Ingestion of the long 1 Hz series in batches; the query rows then read it. */
async function measureIngestFast(subject: string, system: System, ctx: RunContext): Promise<Partial<Record<Row, number>>> {
  const plan = planOf(ctx.quick);
  const month = once(`month-${plan.monthDays}`, () => monthSeries(plan));
  const write = await system.prepareWrite([month], 'fast', plan.batch, ctx.log);
  ctx.log(`writing ${month.values.length} entries, ${system.describeModes.fast}`);
  const rate = await timedWrite(system, ctx, write, month.values.length);
  check(subject, ctx, checksumMismatch(checksumOf([month]), await system.checksum(month.set, keysOf([month])), 'ingested series'));
  return system.durable === 'same-as-fast' ? { ingestFast: rate, ingestDurable: rate } : { ingestFast: rate };
}

async function measureIngestDurable(subject: string, system: System, ctx: RunContext): Promise<Partial<Record<Row, number>>> {
  const plan = planOf(ctx.quick);
  const series = once(`durable-${plan.durableEntries}`, () => durableSeries(plan));
  const write = await system.prepareWrite([series], 'durable', plan.batch, ctx.log);
  ctx.log(`writing ${series.values.length} entries, ${system.describeModes.durable}`);
  const rate = await timedWrite(system, ctx, write, series.values.length);
  check(subject, ctx, checksumMismatch(checksumOf([series]), await system.checksum(series.set, keysOf([series])), 'durably ingested series'));
  return { ingestDurable: rate };
}

/**
 * Median wall time (ms) of `fn`: `warmup` untimed calls, then up to `runs`
 * timed ones, fewer when `budgetMs` is spent (at least one). `inspect` sees
 * the first result (for the data checks).
 */
async function timeRepeated<T>(
  fn: () => Promise<T>,
  options: { warmup: number; runs: number; budgetMs: number },
  inspect: (result: T) => void,
): Promise<number> {
  let first = true;
  for (let i = 0; i < Math.max(1, options.warmup); i++) {
    const result = await fn();
    if (first) inspect(result);
    first = false;
  }
  const times: number[] = [];
  const deadline = performance.now() + options.budgetMs;
  while (times.length < options.runs && (times.length === 0 || performance.now() < deadline)) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Month read, statistics, most recent entry and CSV export of the ingested series, warm. */
async function measureQueries(subject: string, system: System, ctx: RunContext): Promise<Partial<Record<Row, number>>> {
  const plan = planOf(ctx.quick);
  const month = once(`month-${plan.monthDays}`, () => monthSeries(plan));
  const { fromMs, toMs, entries } = monthSpan(plan);
  const key: SeriesKey = { set: month.set, channel: month.channel };
  await system.settle(ctx.log);
  const expected = checksumOf([month]);
  const slow = { warmup: 1, runs: Math.min(10, plan.queryRuns), budgetMs: plan.queryBudgetMs };
  const fast = { warmup: 5, runs: plan.queryRuns * 20, budgetMs: plan.queryBudgetMs / 3 };

  const read = await timeRepeated(() => system.readRange(key, fromMs, toMs), slow, (columns) => {
    const actual = checksumOf([{ ...key, ...columns }]);
    check(subject, ctx, checksumMismatch(expected, actual, 'range read'));
  });
  const statistics = await timeRepeated(() => system.statistics(key, fromMs, toMs), slow, (stats) => {
    if (stats.count !== entries) check(subject, ctx, `statistics count ${stats.count} instead of ${entries}`);
    const mean = expected.valueSum / expected.count;
    if (!(Math.abs(stats.mean - mean) < 1e-6 * Math.abs(mean))) check(subject, ctx, `statistics mean ${stats.mean} instead of ${mean}`);
  });
  const lastValue = month.values[month.values.length - 1];
  const latestMs = await timeRepeated(() => system.mostRecent(key, toMs), fast, (latest) => {
    if (latest.value !== lastValue) check(subject, ctx, `most recent value ${latest.value} instead of ${lastValue}`);
  });
  const folder = tempFolder('gridlink-bench-csv-');
  try {
    const file = join(folder.path, 'export.csv');
    const csvMs = await timeRepeated(() => system.exportCsv(key, fromMs, toMs, file), { ...slow, runs: 3 }, (rows) => {
      if (rows !== entries) check(subject, ctx, `CSV export wrote ${rows} rows instead of ${entries}`);
    });
    return { read, statistics, latest: latestMs * 1000, csv: entries / (csvMs / 1000) };
  } finally {
    folder.remove();
  }
}

async function measureTags(subject: string, system: System, ctx: RunContext): Promise<Partial<Record<Row, number>>> {
  const plan = planOf(ctx.quick);
  const { points, query, expected } = once(`tags-${plan.taggedDataPoints}`, () => taggedPoints(plan.taggedDataPoints));
  await system.createTagged(points, EPOCH.tagged, ctx.log);
  const fast = { warmup: 3, runs: plan.queryRuns, budgetMs: plan.queryBudgetMs / 3 };
  const tags = await timeRepeated(() => system.findTagged(query), fast, (found) => {
    if (found !== expected) check(subject, ctx, `tag query found ${found} data points instead of ${expected}`);
  });
  return { tags };
}

/** The measurements of one subject, in the order they must run (queries read what ingestion wrote). */
export function measurementsOf(subject: string, system: System): Measurement<Row>[] {
  const timeoutMs = (quick: boolean): number => planOf(quick).timeoutMs;
  const list: Measurement<Row>[] = [
    {
      name: 'bytes/record (marginal, after steady state)',
      rows: ['bytesIeee', 'bytesRegular', 'bytesJitter'],
      timeoutMs,
      run: (ctx) => measureBytes(subject, system, ctx),
    },
    {
      name: 'ingestion, fast acknowledgement',
      rows: system.durable === 'same-as-fast' ? ['ingestFast', 'ingestDurable'] : ['ingestFast'],
      timeoutMs,
      run: (ctx) => measureIngestFast(subject, system, ctx),
    },
  ];
  if (system.durable === 'own') {
    list.push({ name: 'ingestion, durable acknowledgement', rows: ['ingestDurable'], timeoutMs, run: (ctx) => measureIngestDurable(subject, system, ctx) });
  }
  list.push(
    { name: 'queries on the ingested series', rows: ['read', 'statistics', 'latest', 'csv'], timeoutMs, run: (ctx) => measureQueries(subject, system, ctx) },
    { name: 'tag query', rows: ['tags'], timeoutMs, run: (ctx) => measureTags(subject, system, ctx) },
  );
  return list;
}
