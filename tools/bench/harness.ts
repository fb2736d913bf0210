/**
 * The one benchmark harness (DESIGN.md, "Benchmarks"). A benchmark declares
 * its rows and, for "ours" and each peer, measurement functions; the harness
 * parses the command line (--quick, --json, --runs, --only, --help), runs every
 * measurement (repeating and taking the median if asked), and prints one
 * aligned table, or with --json exactly one JSON object on stdout:
 *
 *   {"bench": "<name>", "machine": "<cpu model, cores, node version>",
 *    "rows": [{"metric", "unit", "better", "ours", "peers": {"<peer>": n}, "goal"}]}
 *
 * Progress and errors go to stderr. A measurement that throws shows as "n/a"
 * (its error on stderr) and the table still prints. In JSON, a figure that
 * could not be measured is null; a peer that has no such measurement at all
 * is absent from "peers"; a row without a goal has "goal": null.
 *
 *   const bench = defineBenchmark({
 *     name: 'codec',
 *     description: 'envelope encode rate',
 *     rows: { encode: { metric: 'encode rate', unit: 'msg/s', better: 'higher', goal: 200_000 } },
 *     ours: { measurements: [{ name: 'encode', rows: ['encode'], run: async (ctx) => ({ encode: 1 }) }] },
 *     peers: [{ name: 'json', measurements: [...] }],
 *   });
 *   await runBenchmarkCli(bench);
 */
import { cpus } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { killProcessesSince, processMark } from './child.js';
import { median } from './stats.js';

export * from './child.js';
export * from './stats.js';
export { numberField, stringField, type WireData, type WireValue } from './wire.js';

/** Which direction of a figure is good. */
export type Better = 'higher' | 'lower';

/** The figures of one row that a goal may depend on (absent: the peer does not measure this row; null: it failed). */
export type PeerFigures = Readonly<Record<string, number | null>>;

/** One row of the table. */
export interface RowSpec {
  metric: string;
  unit: string;
  better: Better;
  /**
   * The goal for "ours": a fixed number, or computed from the peers' figures
   * of the same run (return undefined when it cannot be computed).
   */
  goal?: number | ((peers: PeerFigures) => number | undefined);
  /** How the goal is set, in words (printed under the table and in --help), e.g. "≤ 1.3× zeromq.js and < nats". */
  goalText?: string;
}

/** What a measurement function gets. */
export interface RunContext {
  /** --quick: small counts for CI. */
  readonly quick: boolean;
  /** 1-based index of the current repetition (see --runs). */
  readonly run: number;
  /** Writes a progress line to stderr. */
  log(message: string): void;
}

/** A function that measures one or more rows in one go (e.g. p50 and p99 from one latency run). */
export interface Measurement<K extends string> {
  /** Short name for progress and error lines, e.g. "request/reply sequential". */
  name: string;
  /** The rows this measurement provides; it must return a finite number for each. */
  rows: readonly K[];
  run(ctx: RunContext): Promise<Partial<Record<K, number>>>;
  /** Time limit (default 120 s, or 60 s with --quick); on expiry the processes it started are killed. */
  timeoutMs?: number | ((quick: boolean) => number);
}

/** "ours" or one peer: what is measured, with optional setup/teardown around all its measurements. */
export interface Subject<K extends string> {
  /**
   * Returns why this subject cannot be measured on this machine (e.g. a
   * missing server binary), or undefined when it can. Its cells then show n/a.
   */
  unavailable?(): string | undefined | Promise<string | undefined>;
  setup?(ctx: RunContext): Promise<void>;
  teardown?(ctx: RunContext): Promise<void>;
  measurements: readonly Measurement<K>[];
}

/** A peer: a subject with a name (the column header and the key in JSON "peers"). */
export interface Peer<K extends string> extends Subject<K> {
  name: string;
  /** One line on what the peer is, for --help. */
  description?: string;
}

/** A benchmark declaration. Row order in `rows` is the table order. */
export interface Benchmark<K extends string> {
  /** "bus" for `npm run bench:bus`. */
  name: string;
  description: string;
  rows: Record<K, RowSpec>;
  ours: Subject<K>;
  peers: readonly Peer<K>[];
  /** Repetitions per measurement (median taken); defaults 1 quick / 1 full, overridable by --runs. */
  runs?: { quick: number; full: number };
}

/** One row of the report (the JSON shape). */
export interface ReportRow {
  metric: string;
  unit: string;
  better: Better;
  ours: number | null;
  peers: Record<string, number | null>;
  goal: number | null;
}

/** The report (the JSON shape of --json). */
export interface BenchReport {
  bench: string;
  machine: string;
  rows: ReportRow[];
}

/** What `runBenchmark` returns: the report, and notes on what could not be measured (for the table). */
export interface BenchOutcome {
  report: BenchReport;
  /** One line per subject left out or measurement failed, e.g. "nats: not measured (nats-server not found ...)". */
  notes: string[];
}

/** Options of `runBenchmark`. */
export interface RunOptions {
  quick: boolean;
  /** Repetitions per measurement; undefined: the benchmark's default. */
  runs?: number;
  /** Subject names to measure ("ours" and/or peer names); undefined: all. Others show n/a. */
  only?: readonly string[];
  /** Progress sink (default: stderr). */
  log?: (message: string) => void;
}

/** Identity helper that checks a benchmark declaration and keeps its row keys typed. */
export function defineBenchmark<K extends string>(benchmark: Benchmark<K>): Benchmark<K> {
  const keys = Object.keys(benchmark.rows);
  const names = ['ours', ...benchmark.peers.map((p) => p.name)];
  if (new Set(names).size !== names.length) throw new Error(`benchmark ${benchmark.name}: duplicate subject names`);
  for (const subject of [benchmark.ours, ...benchmark.peers]) {
    for (const m of subject.measurements) {
      for (const row of m.rows) {
        if (!keys.includes(row)) throw new Error(`benchmark ${benchmark.name}: measurement "${m.name}" names unknown row "${row}"`);
      }
    }
  }
  return benchmark;
}

/** "AMD EPYC, 2 cores, node v20.20.2" */
export function describeMachine(): string {
  const list = cpus();
  const model = (list[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim();
  return `${model}, ${list.length} cores, node ${process.version}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function timeoutOf<K extends string>(m: Measurement<K>, quick: boolean): number {
  if (typeof m.timeoutMs === 'function') return m.timeoutMs(quick);
  return m.timeoutMs ?? (quick ? 60_000 : 120_000);
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Per row, the figures of one subject over the runs (a row it does not measure is absent). */
type Samples<K extends string> = Map<K, number[]>;

/** Why a subject is not measured in this run, or undefined when it is. */
async function reasonToSkip<K extends string>(subject: Subject<K>, skip: string | undefined): Promise<string | undefined> {
  if (skip !== undefined || !subject.unavailable) return skip;
  try {
    return await subject.unavailable();
  } catch (error) {
    return errorText(error);
  }
}

/**
 * One run of one subject: setup, every measurement, teardown. Figures are
 * appended to `samples`; a failing measurement adds nothing (its error goes
 * to the log). Processes it started are killed when it is done or fails.
 */
async function runSubjectOnce<K extends string>(
  label: string,
  subject: Subject<K>,
  samples: Samples<K>,
  options: { quick: boolean; run: number; runs: number; log: (m: string) => void; note: (m: string) => void },
): Promise<void> {
  const { log, note, quick, run, runs } = options;
  const runTag = runs > 1 ? ` (run ${run}/${runs})` : '';
  const setupCtx: RunContext = { quick, run, log: (message) => log(`${label}: ${message}`) };
  const mark = processMark();
  try {
    if (subject.setup) {
      try {
        await subject.setup(setupCtx);
      } catch (error) {
        log(`${label}: setup failed${runTag}: ${errorText(error)}; its figures of this run are missing`);
        note(`${label}: setup failed: ${errorText(error)}`);
        return;
      }
    }
    for (const m of subject.measurements) {
      const tag = `${label}: ${m.name}${runTag}`;
      log(`${tag} ...`);
      const ctx: RunContext = { quick, run, log: (message) => log(`${tag}: ${message}`) };
      const measurementMark = processMark();
      const started = Date.now();
      try {
        const result = await withDeadline(m.run(ctx), timeoutOf(m, quick), tag);
        const parts: string[] = [];
        for (const row of m.rows) {
          const value = result[row];
          if (typeof value === 'number' && Number.isFinite(value)) {
            samples.get(row)?.push(value);
            parts.push(`${row}=${formatNumber(value)}`);
          } else {
            log(`${tag}: gave no figure for row "${row}"`);
          }
        }
        log(`${tag}: ${parts.join(' ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (error) {
        log(`${tag}: FAILED: ${errorText(error)}`);
        note(`${label}: ${m.name}: ${errorText(error)}`);
      } finally {
        await killProcessesSince(measurementMark);
      }
    }
  } finally {
    if (subject.teardown) {
      try {
        await subject.teardown(setupCtx);
      } catch (error) {
        log(`${label}: teardown failed: ${errorText(error)}`);
      }
    }
    await killProcessesSince(mark);
  }
}

/** Runs a benchmark and returns its report (nothing printed to stdout). */
export async function runBenchmark<K extends string>(benchmark: Benchmark<K>, options: RunOptions): Promise<BenchOutcome> {
  const notes: string[] = [];
  const note = (line: string): void => {
    if (!notes.includes(line)) notes.push(line);
  };
  const log = options.log ?? ((message: string) => process.stderr.write(`[bench:${benchmark.name}] ${message}\n`));
  const defaults = benchmark.runs ?? { quick: 1, full: 1 };
  const runs = options.runs ?? (options.quick ? defaults.quick : defaults.full);
  const only = options.only;
  if (only) {
    const known = ['ours', ...benchmark.peers.map((p) => p.name)];
    for (const name of only) if (!known.includes(name)) throw new Error(`--only: unknown subject "${name}" (known: ${known.join(', ')})`);
  }
  const skipReason = (name: string): string | undefined =>
    only === undefined || only.includes(name) ? undefined : 'left out by --only';

  log(`${options.quick ? 'quick' : 'full'} mode, ${runs} run(s) per measurement, on ${describeMachine()}`);
  const subjects: { label: string; subject: Subject<K>; samples: Samples<K>; skip: string | undefined }[] = [];
  for (const [label, subject] of [['ours', benchmark.ours] as const, ...benchmark.peers.map((p) => [p.name, p] as const)]) {
    const samples: Samples<K> = new Map();
    for (const m of subject.measurements) for (const row of m.rows) samples.set(row, []);
    const skip = await reasonToSkip(subject, skipReason(label));
    if (skip !== undefined) {
      log(`${label}: not measured (${skip}); its column shows n/a`);
      note(`${label}: ${skip}`);
    }
    subjects.push({ label, subject, samples, skip });
  }
  // Runs interleave the subjects, so a slow phase of the machine hits them all alike.
  for (let run = 1; run <= runs; run++) {
    for (const { label, subject, samples, skip } of subjects) {
      if (skip === undefined) await runSubjectOnce(label, subject, samples, { quick: options.quick, run, runs, log, note });
    }
  }
  const figuresOf = (samples: Samples<K>): Map<K, number | null> =>
    new Map([...samples].map(([row, list]) => [row, list.length > 0 ? median(list) : null]));
  const ours = figuresOf(subjects[0]?.samples ?? new Map());
  const peerFigures = new Map<string, Map<K, number | null>>(subjects.slice(1).map((s) => [s.label, figuresOf(s.samples)]));

  const rows: ReportRow[] = [];
  for (const key of Object.keys(benchmark.rows) as K[]) {
    const spec = benchmark.rows[key];
    const peers: Record<string, number | null> = {};
    for (const peer of benchmark.peers) {
      const figures = peerFigures.get(peer.name);
      if (figures?.has(key)) peers[peer.name] = figures.get(key) ?? null;
    }
    let goal: number | null = null;
    if (typeof spec.goal === 'number') goal = spec.goal;
    else if (typeof spec.goal === 'function') {
      const computed = spec.goal(peers);
      goal = computed !== undefined && Number.isFinite(computed) ? computed : null;
    }
    rows.push({
      metric: spec.metric,
      unit: spec.unit,
      better: spec.better,
      ours: ours.get(key) ?? null,
      peers,
      goal,
    });
  }
  return { report: { bench: benchmark.name, machine: describeMachine(), rows }, notes };
}

/** The best peer figure of a row by its direction, or undefined. */
export function bestPeer(row: ReportRow): { name: string; value: number } | undefined {
  let best: { name: string; value: number } | undefined;
  for (const [name, value] of Object.entries(row.peers)) {
    if (value === null) continue;
    if (best === undefined || (row.better === 'higher' ? value > best.value : value < best.value)) best = { name, value };
  }
  return best;
}

/** ours ÷ best peer (for "lower" rows a ratio below 1 is better), or null. */
export function ratioToBestPeer(row: ReportRow): number | null {
  const best = bestPeer(row);
  if (row.ours === null || best === undefined || best.value === 0) return null;
  return row.ours / best.value;
}

/** Whether ours meets the goal: true/false, or null when either is missing. */
export function goalMet(row: ReportRow): boolean | null {
  if (row.ours === null || row.goal === null) return null;
  return row.better === 'higher' ? row.ours >= row.goal : row.ours <= row.goal;
}

/** 1,234,567 / 128 / 45.3 / 2.05 */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Renders the report as an aligned text table, with a legend of the goal rules and the notes. */
export function renderTable<K extends string>(benchmark: Benchmark<K>, report: BenchReport, notes: readonly string[] = []): string {
  const peerNames = benchmark.peers.map((p) => p.name);
  const header = ['metric', 'unit', 'ours', ...peerNames, 'goal', 'ours/best peer', 'met?'];
  const body: string[][] = report.rows.map((row) => {
    const ratio = ratioToBestPeer(row);
    const met = goalMet(row);
    const best = bestPeer(row);
    return [
      row.metric,
      `${row.unit} ${row.better === 'higher' ? '↑' : '↓'}`,
      row.ours === null ? 'n/a' : formatNumber(row.ours),
      ...peerNames.map((name) => {
        if (!(name in row.peers)) return '—';
        const value = row.peers[name];
        return value === null || value === undefined ? 'n/a' : formatNumber(value);
      }),
      row.goal === null ? '—' : formatNumber(row.goal),
      ratio === null ? '—' : `${ratio.toFixed(2)}× ${best?.name ?? ''}`.trim(),
      met === null ? '—' : met ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const numeric = (i: number): boolean => i >= 2 && i < header.length - 2;
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (numeric(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    `bench:${report.bench} — ${report.machine}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    '↑ higher is better, ↓ lower is better; ours/best peer = ours ÷ the best peer figure of the row.',
    'n/a: could not be measured in this run (see stderr); —: not applicable.',
  ];
  const goals = (Object.keys(benchmark.rows) as K[])
    .map((key) => benchmark.rows[key])
    .filter((spec) => spec.goalText !== undefined)
    .map((spec) => `  ${spec.metric}: ${spec.goalText}`);
  if (goals.length > 0) out.push('Goals:', ...goals);
  if (notes.length > 0) out.push('Not measured:', ...notes.map((line) => `  ${line}`));
  return out.join('\n') + '\n';
}

/** Rounds figures for the JSON output (3 decimals; big rates to integers are still exact enough). */
function roundForJson(report: BenchReport): BenchReport {
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    ...report,
    rows: report.rows.map((row) => ({
      ...row,
      ours: r(row.ours),
      peers: Object.fromEntries(Object.entries(row.peers).map(([k, v]) => [k, r(v)])),
      goal: r(row.goal),
    })),
  };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/**
 * The command line of every `npm run bench:<name>`: parses the arguments,
 * runs the benchmark and prints the table or the JSON object. Sets
 * process.exitCode to 1 (and prints the reason) when the harness itself
 * fails; failed measurements only show as n/a.
 */
export async function runBenchmarkCli<K extends string>(benchmark: Benchmark<K>, argv: readonly string[] = process.argv): Promise<void> {
  const rowsHelp = (Object.keys(benchmark.rows) as K[])
    .map((key) => {
      const spec = benchmark.rows[key];
      return `  ${spec.metric} [${spec.unit}, ${spec.better} is better]${spec.goalText ? ` — goal: ${spec.goalText}` : ''}`;
    })
    .join('\n');
  const peersHelp = benchmark.peers.map((p) => `  ${p.name}${p.description ? ` — ${p.description}` : ''}`).join('\n');
  const program = new Command(`bench:${benchmark.name}`)
    .description(benchmark.description)
    .option('--quick', 'small counts for CI: a run of well under a minute', false)
    .option('--json', 'print exactly one JSON object on stdout instead of the table', false)
    .option('--runs <n>', 'repeat every measurement n times and report the median', positiveInt)
    .option('--only <subjects>', 'measure only these, comma-separated ("ours" or peer names); the rest show n/a')
    .addHelpText('after', `\nRows:\n${rowsHelp}\n\nPeers (measured in the same run):\n${peersHelp}\n`)
    .showHelpAfterError();
  program.parse(argv as string[]);
  const opts = program.opts<{ quick: boolean; json: boolean; runs?: number; only?: string }>();

  try {
    const { report, notes } = await runBenchmark(benchmark, {
      quick: opts.quick,
      runs: opts.runs,
      only: opts.only?.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    });
    process.stdout.write(opts.json ? `${JSON.stringify(roundForJson(report))}\n` : `\n${renderTable(benchmark, report, notes)}`);
  } catch (error) {
    process.stderr.write(`bench:${benchmark.name}: ${errorText(error)}\n`);
    process.exitCode = 1;
  } finally {
    await killProcessesSince(0);
  }
}
