/**
 * `gridlink storacle info|check|export <dataDir>`: looks into a Storacle data folder offline,
 * while no storage module holds it (the module's lock file, actors/storage/data-dir-lock.ts, is
 * taken for the time of the command). The store is opened as the module opens it: recovery may
 * replay the write-ahead log and close() checkpoints, so the folder is read "read-only-ish".
 */
import { closeSync, createWriteStream, existsSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Command } from '../commander.js';
import { InvalidArgumentError } from '../commander.js';
import type { DataDirLock as DataDirLockType } from '../../../actors/storage/data-dir-lock.js';
import type { CorruptionReport, DataPointInfo, SealedFile, StoracleApi } from '../../../core/storacle/store/api.js';
import { decodeFrameHeader, FRAME_HEADER_BYTES } from '../../../core/storacle/segments/frame.js';
import { parsePeriodDirectory, parseSegmentName, periodStart } from '../../../core/storacle/segments/layout.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../cli-error.js';
import { printJson, textTable } from '../output.js';

/** The store's default (core/storacle/store/disk-tier.ts); the period is not recorded in the folder. */
const DEFAULT_SEGMENT_PERIOD_MS = 7 * 24 * 3600_000;
/** Entries read per range call while checking: bounds the memory of a check of a long series. */
const CHECK_PAGE_ENTRIES = 100_000;

interface StoreOptions {
  segmentPeriodMs: number;
}

function parseMs(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError(`expected a number of milliseconds, not "${value}".`);
  return number;
}

function parsePeriod(value: string): number {
  const number = parseMs(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError(`expected a positive whole number of milliseconds, not "${value}".`);
  return number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Sizes of the files in a folder (recursively), 0 when it does not exist. */
function folderBytes(folder: string, accept: (name: string) => boolean = () => true): number {
  if (!existsSync(folder)) return 0;
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) total += folderBytes(path, accept);
    else if (entry.isFile() && accept(entry.name)) total += statSync(path).size;
  }
  return total;
}

/**
 * Segment files are named by the start of their period, and a chunk goes to the file of its first
 * entry's period. The store does not record its period, and opening a folder with another one
 * would add files of a second period size beside the old ones; so each file's name and its first
 * chunk's first timestamp are checked against the period in use, and a mismatch is refused.
 */
function checkPeriod(dataDir: string, periodMs: number): void {
  const chunks = join(dataDir, 'chunks');
  if (!existsSync(chunks)) return;
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  for (const folder of readdirSync(chunks, { withFileTypes: true })) {
    const period = folder.isDirectory() ? parsePeriodDirectory(folder.name) : undefined;
    if (period === undefined) continue;
    for (const name of readdirSync(join(chunks, folder.name))) {
      if (parseSegmentName(name) === undefined) continue;
      const mismatch = (): CliError =>
        new CliError(`chunks/${folder.name}/${name} was written with another segment period than ${periodMs} ms; give the folder's --segment-period-ms (the storage setting segmentPeriodMs)`, EXIT_USAGE);
      if (period % periodMs !== 0) throw mismatch();
      const fd = openSync(join(chunks, folder.name, name), 'r');
      let read: number;
      try {
        read = readSync(fd, header, 0, FRAME_HEADER_BYTES, 0);
      } finally {
        closeSync(fd);
      }
      // A damaged first frame is for `check` to report, not a period mismatch.
      const first = read > 0 ? decodeFrameHeader(header.subarray(0, read)) : undefined;
      if (first !== undefined && periodStart(first.firstTs, periodMs) !== period) throw mismatch();
    }
  }
}

/** Opens the data folder under its lock, runs `work`, closes the store and releases the lock. */
async function withStore<T>(dataDirArgument: string, options: StoreOptions, work: (store: StoracleApi, dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = resolve(dataDirArgument);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new CliError(`${dataDir} is not a folder`, EXIT_USAGE);
  // Storacle.open would make an empty store in any folder: a mistyped path must not become one.
  if (!['snapshot.bin', 'wal', 'chunks'].some((name) => existsSync(join(dataDir, name)))) {
    throw new CliError(`${dataDir} is not a Storacle data folder (no snapshot.bin, wal/ or chunks/)`, EXIT_USAGE);
  }
  checkPeriod(dataDir, options.segmentPeriodMs);
  const [{ DataDirLock }, { Storacle }] = await Promise.all([import('../../../actors/storage/data-dir-lock.js'), import('../../../core/storacle/store/storacle.js')]);
  let lock: DataDirLockType;
  try {
    lock = DataDirLock.acquire(dataDir);
  } catch (error) {
    throw new CliError(`${messageOf(error)}; stop that storage module first`, EXIT_FAILURE);
  }
  try {
    let store: StoracleApi;
    try {
      // No periodic checkpoints and no appends: the command only reads.
      store = await Storacle.open({ dataDir, ack: 'visible', checkpointIntervalMs: 0, checkpointEntries: 0, segmentPeriodMs: options.segmentPeriodMs });
    } catch (error) {
      throw new CliError(`cannot open the store in ${dataDir}: ${messageOf(error)}`, EXIT_FAILURE);
    }
    try {
      return await work(store, dataDir);
    } finally {
      await store.close();
    }
  } finally {
    lock.release();
  }
}

function iso(ms: number | undefined): string {
  if (ms === undefined) return '';
  // Dates end at ±8.64e15 ms; a timestamp beyond is shown as the number it is.
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

interface DataPointSummary {
  name: string;
  entryCount: number;
  firstTimestampMs?: number;
  lastTimestampMs?: number;
  sealedFiles: number;
  sealedBytes: number;
  /** Bytes of the data point's segment files and their indexes, after the close. */
  bytesOnDisk?: number;
}

function summarise(points: readonly DataPointInfo[], sealed: readonly SealedFile[]): DataPointSummary[] {
  return points.map((point) => {
    const files = sealed.filter((file) => file.dataPoint === point.name);
    const summary: DataPointSummary = { name: point.name, entryCount: point.entryCount, sealedFiles: files.length, sealedBytes: files.reduce((sum, file) => sum + file.sizeBytes, 0) };
    if (point.firstTimestampMs !== undefined) summary.firstTimestampMs = point.firstTimestampMs;
    if (point.lastTimestampMs !== undefined) summary.lastTimestampMs = point.lastTimestampMs;
    return summary;
  });
}

async function info(dataDirArgument: string, options: StoreOptions & { json: boolean }): Promise<void> {
  const dataDir = resolve(dataDirArgument);
  // The log as found: what the last storage module left to replay (the open below may trim it).
  const walBytes = folderBytes(join(dataDir, 'wal'));
  const report = await withStore(dataDirArgument, options, async (store) => {
    const points = summarise(store.dataPoints(), store.sealedFiles());
    return { dataDir, dataPoints: points, topologyFiles: store.topologyNames(), walBytes, corruptions: store.corruptions.length };
  });
  // Measured after the close, which wrote every entry into segment files and committed a
  // snapshot naming every data point's id (its files are chunks/<period>/<id>.seg and .idx).
  const segmentBytes = folderBytes(join(dataDir, 'chunks'));
  const bytesById = new Map<number, number>();
  const chunks = join(dataDir, 'chunks');
  for (const folder of existsSync(chunks) ? readdirSync(chunks, { withFileTypes: true }) : []) {
    if (!folder.isDirectory() || parsePeriodDirectory(folder.name) === undefined) continue;
    for (const file of readdirSync(join(chunks, folder.name), { withFileTypes: true })) {
      const id = file.isFile() ? parseSegmentName(file.name.replace(/\.idx$/, '.seg')) : undefined;
      if (id !== undefined) bytesById.set(id, (bytesById.get(id) ?? 0) + statSync(join(chunks, folder.name, file.name)).size);
    }
  }
  const { readSnapshot, SNAPSHOT_FILE } = await import('../../../core/storacle/store/snapshot.js');
  const snapshot = await readSnapshot(join(dataDir, SNAPSHOT_FILE));
  const ids = new Map((snapshot?.points ?? []).map((point) => [point.record.name, point.record.id]));
  for (const point of report.dataPoints) {
    const id = ids.get(point.name);
    if (id !== undefined) point.bytesOnDisk = bytesById.get(id) ?? 0;
  }
  const result = { ...report, segmentBytes };
  if (options.json) {
    printJson(result);
    return;
  }
  const rows = result.dataPoints.map((p) => [p.name, String(p.entryCount), iso(p.firstTimestampMs), iso(p.lastTimestampMs), String(p.bytesOnDisk ?? '?'), String(p.sealedFiles), String(p.sealedBytes)]);
  process.stdout.write(
    `${textTable(['DATA POINT', 'ENTRIES', 'FIRST', 'LAST', 'BYTES', 'SEALED FILES', 'SEALED BYTES'], rows)}\n\n` +
      `data folder ${dataDir}: ${result.dataPoints.length} data points, segment files ${segmentBytes} bytes, write-ahead log ${walBytes} bytes (as found), ` +
      `${result.topologyFiles.length} topology files${result.corruptions > 0 ? `, ${result.corruptions} corrupt pieces (run \`gridlink storacle check\`)` : ''}\n`,
  );
}

/** Reads every entry of every data point, so that every chunk's CRC is checked. */
async function check(dataDirArgument: string, options: StoreOptions): Promise<void> {
  const found: CorruptionReport[] = [];
  const summary = await withStore(dataDirArgument, options, async (store, dataDir) => {
    let entries = 0;
    const points = store.dataPoints();
    for (const point of points) {
      if (point.firstTimestampMs === undefined || point.lastTimestampMs === undefined) continue;
      let from = point.firstTimestampMs;
      for (;;) {
        const page = store.range(point.name, from, Infinity, CHECK_PAGE_ENTRIES);
        entries += page.timestamps.length;
        if (!page.truncated || page.timestamps.length === 0) break;
        // The span is half-open: continue just after the last timestamp read.
        from = nextAfter(page.timestamps[page.timestamps.length - 1]);
      }
    }
    found.push(...store.corruptions);
    return { dataDir, dataPoints: points.length, entriesRead: entries };
  });
  for (const report of found) {
    printJson({ corrupt: relative(summary.dataDir, report.file) || report.file, offset: report.offset, length: report.length, reason: report.reason, dataPoint: report.dataPoint }, false);
  }
  printJson({ ...summary, corruptions: found.length }, false);
  if (found.length > 0) process.exitCode = EXIT_FAILURE;
  else process.exitCode = EXIT_OK;
}

/** The smallest double above `t` (range bounds are doubles, not whole milliseconds). */
function nextAfter(t: number): number {
  if (t === 0) return Number.MIN_VALUE;
  const bits = new Float64Array([t]);
  const view = new BigInt64Array(bits.buffer);
  view[0] = view[0] + (t > 0 ? 1n : -1n);
  return bits[0];
}

async function exportRows(dataDirArgument: string, names: string[], options: StoreOptions & { out: string; from?: number; to?: number }): Promise<void> {
  const out = resolve(options.out);
  if (existsSync(out)) throw new CliError(`${out} exists; the export never replaces a file`, EXIT_USAGE);
  if (!existsSync(dirname(out))) throw new CliError(`the folder of ${out} does not exist`, EXIT_USAGE);
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  if (from > to) throw new CliError(`--from ${from} is after --to ${to}`, EXIT_USAGE);
  // Written under a hidden name that becomes the final one only when every row is in.
  const part = join(dirname(out), `.${basename(out)}.part`);
  const rows = await withStore(dataDirArgument, options, async (store) => {
    const unknown = names.filter((name) => !store.exists(name));
    if (unknown.length > 0) throw new CliError(`no data point ${unknown.join(', ')} in this folder`, EXIT_USAGE);
    const selected = names.length > 0 ? names : store.dataPoints().map((point) => point.name);
    const stream = createWriteStream(part, { flags: 'wx' });
    try {
      const count = await store.exportCsv(selected, from, to, stream);
      stream.end();
      await finished(stream);
      return count;
    } catch (error) {
      stream.destroy();
      if (existsSync(part)) unlinkSync(part);
      throw error instanceof CliError ? error : new CliError(`export failed: ${messageOf(error)}`, EXIT_FAILURE);
    }
  });
  renameSync(part, out);
  printJson({ file: out, rows }, false);
}

export function registerStoracleCommand(program: Command): void {
  const storacle = program
    .command('storacle')
    .summary('look into a Storacle data folder (offline): info, check, export')
    .description(
      'Inspect a Storacle data folder while no storage module uses it: the command takes the folder\'s lock (<dataDir>.lock) and refuses while a live storage module holds it. Opening the store replays its write-ahead log and closing it writes a checkpoint, as a storage module start and stop would.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ npx gridlink storacle info .gridlink/state/storacle
  $ npx gridlink storacle check .gridlink/state/storacle
  $ npx gridlink storacle export .gridlink/state/storacle meterA.u1 --out meterA.csv
  $ npx gridlink storacle <command> --help

Exit codes: 0 done (check: intact); 1 check found corruption, the folder is in
use by a live storage module, or the store could not be opened; 2 bad input.`,
    );
  const periodOption = (command: Command): Command =>
    command.option('--segment-period-ms <ms>', 'the segmentPeriodMs the folder was written with (storage setting)', parsePeriod, DEFAULT_SEGMENT_PERIOD_MS);

  periodOption(
    storacle
      .command('info')
      .summary('data points, entry counts, time spans, sealed files, bytes on disk')
      .description('Print per data point the entry count, first and last timestamp, sealed files and their bytes; and for the folder the bytes of segment files and of the write-ahead log.')
      .argument('<dataDir>', 'the data folder (storage setting dataDir, default .gridlink/state/storacle)')
      .option('--json', 'print one JSON document', false),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ npx gridlink storacle info .gridlink/state/storacle
  $ npx gridlink storacle info /var/lib/gridlink/storacle --json | jq '.dataPoints[] | {name, entryCount}'`,
    )
    .action((dataDir: string, options: StoreOptions & { json: boolean }) => info(dataDir, options));

  periodOption(
    storacle
      .command('check')
      .summary('read every chunk, report every corrupt piece; exit code 1 if any')
      .description('Open the store, read every entry of every data point (each chunk\'s CRC is checked) and print one JSON line per corrupt piece: file (relative to the folder), byte offset, length, reason, data point; then a summary line. Exit code 0: intact; 1: corruption found (the store skips those pieces and serves the rest); 2: bad input.')
      .argument('<dataDir>', 'the data folder'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ npx gridlink storacle check .gridlink/state/storacle && echo intact
  $ npx gridlink storacle check /var/lib/gridlink/storacle | jq -c 'select(.corrupt)'`,
    )
    .action((dataDir: string, options: StoreOptions) => check(dataDir, options));

  periodOption(
    storacle
      .command('export')
      .summary('write data_point,timestamp_ms,value rows to a CSV file')
      .description('Write the entries of the given data points (default: all) with from <= timestamp < to as CSV rows (data_point,timestamp_ms,value; sorted by data point, then time) to a new file. An existing file is never replaced.')
      .argument('<dataDir>', 'the data folder')
      .argument('[dataPoints...]', 'data point names (default: every data point)')
      .requiredOption('--out <file>', 'the CSV file to write')
      .option('--from <ms>', 'first timestamp (inclusive), Unix ms', parseMs)
      .option('--to <ms>', 'end of the span (exclusive), Unix ms', parseMs),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ npx gridlink storacle export .gridlink/state/storacle --out all.csv
  $ npx gridlink storacle export .gridlink/state/storacle meterA.u1 meterA.u2 --from 1764300000000 --to 1764386400000 --out meterA.csv`,
    )
    .action((dataDir: string, names: string[], options: StoreOptions & { out: string; from?: number; to?: number }) => exportRows(dataDir, names, options));
}
