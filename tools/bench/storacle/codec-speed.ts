/**
 * Ad-hoc measurement of the Storacle chunk codec and the statistics bulk update on one
 * month of 1 Hz data (2,592,000 entries in chunks of 4096, as a Series seals them), and of
 * the IEEE EU LV 1-minute load shapes. Prints records/s (best of several runs, so the
 * other processes sharing the machine disturb it less) and bytes per record.
 *
 *   npx tsc -p tsconfig.build.json && node dist/tools/bench/storacle/codec-speed.js [runs]
 *
 * Not a test: nothing is asserted, the figures go to core/storacle/codec/README.md.
 */
import { readFileSync } from 'node:fs';
import * as codec from '../../../core/storacle/codec/index.js';
import { OnlineStatistics } from '../../../core/storacle/statistics/index.js';
import { prng } from '../prng.js';
import { ieeeProfiles, meterChannels } from './datasets.js';
import type { SeriesData } from './datasets.js';

const MONTH = 2_592_000;
const CHUNK = 4096;
const T0 = Date.UTC(2026, 10, 1);
const IEEE_DIR = '/work/shared/data/ieee_eu_lv/Daily_1min_100profiles';

/** A 0.01 V random walk that stays near 230 V (as the codec tests generate it). */
function voltage(n: number, seed: number): Float64Array {
  const rnd = prng(seed);
  const v = new Float64Array(n);
  let units = 23_000;
  for (let i = 0; i < n; i++) {
    units += Math.round((rnd() * 2 - 1) * 2);
    units += Math.round((23_000 - units) * 0.001);
    v[i] = units / 100;
  }
  return v;
}

function timestamps(n: number, stepMs: number, jitterMs: number, seed: number): Float64Array {
  const rnd = prng(seed);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = T0 + i * stepMs + Math.round((rnd() * 2 - 1) * jitterMs);
  return t;
}

function ieeeShapes(): Float64Array {
  const parts: number[] = [];
  for (let k = 1; k <= 100; k++) {
    const text = readFileSync(`${IEEE_DIR}/load_profile_${k}.txt`, 'utf8');
    for (const line of text.split('\n')) if (line.trim() !== '') parts.push(Number(line.trim()));
  }
  return Float64Array.from(parts);
}

interface Case {
  name: string;
  ts: Float64Array;
  vs: Float64Array;
}

/**
 * Best time in ms of `runs` calls: wall time, or with CODEC_SPEED_CLOCK=cpu the process's
 * CPU time (user + system), which other processes competing for the cores disturb less.
 */
function best(runs: number, f: () => void): number {
  const cpu = process.env['CODEC_SPEED_CLOCK'] === 'cpu';
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    f();
    const used = process.cpuUsage(startCpu);
    const ms = cpu ? (used.user + used.system) / 1000 : Number(process.hrtime.bigint() - start) / 1e6;
    if (ms < min) min = ms;
  }
  return min;
}

function mrps(records: number, ms: number): string {
  return `${(records / ms / 1000).toFixed(1)} M rec/s (${ms.toFixed(1)} ms)`;
}

function measure(c: Case, runs: number): void {
  const n = c.ts.length;
  const chunks: Uint8Array[] = [];
  const encodeMs = best(Math.max(1, Math.ceil(runs / 3)), () => {
    chunks.length = 0;
    for (let at = 0; at < n; at += CHUNK) {
      const end = Math.min(n, at + CHUNK);
      chunks.push(codec.encodeChunk(c.ts.subarray(at, end), c.vs.subarray(at, end)));
    }
  });
  const bytes = chunks.reduce((s, b) => s + b.length, 0);
  const decodeMs = best(runs, () => {
    for (const b of chunks) codec.decodeChunk(b);
  });
  let line = `${c.name}: ${(bytes / n).toFixed(3)} B/record; encode ${mrps(n, encodeMs)}; decodeChunk ${mrps(n, decodeMs)}`;
  // decodeChunkInto arrived with the fast decoder; the baseline run has no such export.
  const into = (codec as Record<string, unknown>)['decodeChunkInto'] as
    | ((bytes: Uint8Array, t: Float64Array, v: Float64Array, offset: number) => number)
    | undefined;
  if (into !== undefined) {
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    const intoMs = best(runs, () => {
      let at = 0;
      for (const b of chunks) at += into(b, t, v, at);
    });
    line += `; decodeChunkInto ${mrps(n, intoMs)}`;
  }
  console.log(line);
}

const runs = Number(process.argv[2] ?? 9);
const cases: Case[] = [
  { name: '1 Hz regular, 0.01 V walk, month', ts: timestamps(MONTH, 1000, 0, 1), vs: voltage(MONTH, 2) },
  { name: '1 Hz ±3 ms jitter, 0.01 V walk, month', ts: timestamps(MONTH, 1000, 3, 3), vs: voltage(MONTH, 4) },
];
const shapes = ieeeShapes();
cases.push({ name: 'IEEE EU LV 1-min shapes (100 × 1440)', ts: timestamps(shapes.length, 60_000, 0, 5), vs: shapes });
for (const c of cases) measure(c, runs);

const month = cases[0];
const arrival = month.ts.map((t) => t + 40);
for (const binWidth of [1, 0.1]) {
  const statsMs = best(runs, () => {
    const s = new OnlineStatistics({ histogram: { binWidth, origin: 0 } });
    s.addMany(month.ts, month.vs);
    s.snapshot();
  });
  console.log(`OnlineStatistics.addMany, month, bin width ${binWidth}: ${mrps(MONTH, statsMs)}`);
  const statsArrMs = best(runs, () => {
    const s = new OnlineStatistics({ histogram: { binWidth, origin: 0 } });
    s.addMany(month.ts, month.vs, arrival);
    s.snapshot();
  });
  console.log(`  with arrival times: ${mrps(MONTH, statsArrMs)}`);
}

/**
 * Bytes per record of the bench's own data sets (the ones bench:storacle compares with
 * VictoriaMetrics), each series cut into chunks of 4096, with both stream variants
 * allowed (the default) and with the bit-packed streams only (the version-1 encoder).
 */
function benchSizes(name: string, series: readonly SeriesData[]): void {
  const totals = { smallest: 0, 'bit-packed': 0 } as Record<codec.StreamChoice, number>;
  let records = 0;
  for (const s of series) {
    const ts = Float64Array.from(s.timestamps);
    const vs = Float64Array.from(s.values);
    records += ts.length;
    for (let at = 0; at < ts.length; at += CHUNK) {
      const end = Math.min(ts.length, at + CHUNK);
      for (const streams of ['smallest', 'bit-packed'] as const) {
        totals[streams] += codec.encodeChunk(ts.subarray(at, end), vs.subarray(at, end), { streams }).length;
      }
    }
  }
  console.log(
    `bench data ${name}: ${(totals.smallest / records).toFixed(3)} B/record ` +
      `(bit-packed only ${(totals['bit-packed'] / records).toFixed(3)})`,
  );
}
if ((codec as Record<string, unknown>)['TS_ENTROPY'] !== undefined) {
  benchSizes('IEEE EU LV 1-min profiles', ieeeProfiles());
  benchSizes('meter V/I/P 1 Hz regular, 2 days', meterChannels('m', Date.UTC(2026, 0, 1), 2 * 86_400, 0, 7));
  benchSizes('meter V/I/P 1 Hz ±3 ms jitter, 2 days', meterChannels('m', Date.UTC(2026, 0, 1), 2 * 86_400, 3, 7));
}
