// A RemoteTarget that does not copy a sealed file's bytes but writes its entries, as line
// protocol, into a time-series server (VictoriaMetrics, InfluxDB 1.x), then reads them back
// and compares. Writing is idempotent (same series and timestamp), so there is no temporary
// name to rename: a failed attempt is simply written again.

import type { SeriesColumns } from '../series/index.js';
import type { SealedFile, StoracleApi } from '../store/api.js';
import { escapeMeasurement, escapeTagValue, formatLines } from './line-protocol.js';
import type { LineProtocolServer } from './line-protocol-server.js';
import { describeError, RemoteTargetError, type FileFingerprint, type RemoteStage, type RemoteTarget, type RemoteVerification } from './target.js';

/** Reads the entries of a sealed file (e.g. through the store's `range`). */
export type EntryReader = (file: SealedFile) => SeriesColumns | Promise<SeriesColumns>;

/** The smallest double above `x` (x finite): the open end of a span that must include x. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] += x > 0 ? 1n : -1n;
  return new Float64Array(bits.buffer)[0];
}

/** An EntryReader over a store: `range(dataPoint, first, just above last)`. */
export function storeEntryReader(store: Pick<StoracleApi, 'range'>): EntryReader {
  return (file) => store.range(file.dataPoint, file.firstTimestampMs, nextUp(file.lastTimestampMs));
}

export interface LineProtocolTargetOptions {
  server: LineProtocolServer;
  readEntries: EntryReader;
  /** Default `storacle` (VictoriaMetrics metric `storacle_value`). */
  measurement?: string;
  /** Lines per POST (default 5,000, the batch size InfluxDB recommends). */
  linesPerBatch?: number;
  /** Told, per file written, how many entries were sent and how many (NaN, ±Infinity) skipped. */
  onSent?: (file: SealedFile, counts: { sent: number; skipped: number }) => void;
}

/** What a comparison of written and read-back entries found. */
export interface EntryComparison {
  /** Finite entries in the local file. */
  expected: number;
  /** Local entries with no remote entry at their timestamp. */
  missing: number;
  /** Local entries whose remote value differs beyond the server's tolerance. */
  differing: number;
  /** Remote timestamps in the span that the local file does not have. */
  extra: number;
  /** The first problem found, for the error message. */
  example?: string;
}

/**
 * Compares local entries with those read back. Non-finite local values were never written and
 * are ignored; duplicates of one remote timestamp (VictoriaMetrics keeps them unless
 * deduplication is on) count once.
 */
export function compareEntries(local: SeriesColumns, remote: SeriesColumns, relativeTolerance: number): EntryComparison {
  let maxAbs = 0;
  for (const v of local.values) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  const tolerance = relativeTolerance * maxAbs;
  const result: EntryComparison = { expected: 0, missing: 0, differing: 0, extra: 0 };
  let r = 0;
  for (let i = 0; i < local.timestamps.length; i++) {
    const value = local.values[i];
    if (!Number.isFinite(value)) continue;
    result.expected++;
    const t = Math.round(local.timestamps[i]);
    for (; r < remote.timestamps.length && remote.timestamps[r] < t; r++) {
      if (r === 0 || remote.timestamps[r - 1] !== remote.timestamps[r]) result.extra++;
    }
    if (r >= remote.timestamps.length || remote.timestamps[r] !== t) {
      result.missing++;
      result.example ??= `no entry at ${t}`;
      continue;
    }
    let matched = false;
    const got: number[] = [];
    for (; r < remote.timestamps.length && remote.timestamps[r] === t; r++) {
      got.push(remote.values[r]);
      if (Math.abs(remote.values[r] - value) <= tolerance) matched = true;
    }
    if (!matched) {
      result.differing++;
      result.example ??= `at ${t}: ${got.join(', ')} instead of ${value}`;
    }
  }
  for (; r < remote.timestamps.length; r++) {
    if (r === 0 || remote.timestamps[r - 1] !== remote.timestamps[r]) result.extra++;
  }
  return result;
}

export class LineProtocolTarget implements RemoteTarget {
  readonly name: string;
  private readonly measurement: string;

  constructor(private readonly options: LineProtocolTargetOptions) {
    this.measurement = options.measurement ?? 'storacle';
    this.name = `${options.server.name}/${this.measurement}`;
  }

  /** Writes the file's entries in batches, flushes, reads them back and compares. */
  async put(file: SealedFile, _fingerprint: FileFingerprint): Promise<void> {
    const server = this.options.server;
    const escaped = this.escapedName(file);
    const local = await this.step(file.relativePath, 'prepare', async () => this.options.readEntries(file));
    const seriesKey = `${escapeMeasurement(this.measurement)},data_point=${escaped}`;
    const { batches, sent, skipped } = formatLines(seriesKey, local, this.options.linesPerBatch ?? 5_000);
    let written = 0;
    for (const batch of batches) {
      await this.step(file.relativePath, 'upload', () => server.write(batch), () => ` after ${written} of ${sent} entries`);
      written += batch.split('\n').length - 1;
    }
    await this.step(file.relativePath, 'upload', () => server.flush());
    this.options.onSent?.(file, { sent, skipped });
    const outcome = await this.compare(file, local);
    if (!outcome.ok) throw new RemoteTargetError(this.name, file.relativePath, 'verify', outcome.reason);
  }

  async verify(file: SealedFile, _fingerprint: FileFingerprint): Promise<RemoteVerification> {
    this.escapedName(file);
    const local = await this.step(file.relativePath, 'prepare', async () => this.options.readEntries(file));
    return this.compare(file, local);
  }

  async exists(file: SealedFile): Promise<boolean> {
    this.escapedName(file);
    const remote = await this.step(file.relativePath, 'query', () =>
      this.options.server.readBack(this.measurement, file.dataPoint, file.firstTimestampMs, file.lastTimestampMs),
    );
    return remote.timestamps.length > 0;
  }

  async close(): Promise<void> {}

  /** The data point name as a tag value; a name the server could not store is refused at once. */
  private escapedName(file: SealedFile): string {
    const escaped = escapeTagValue(file.dataPoint, this.options.server.backslashes);
    if ('refused' in escaped) throw new RemoteTargetError(this.name, file.relativePath, 'prepare', `data point ${JSON.stringify(file.dataPoint)}: ${escaped.refused}`);
    return escaped.escaped;
  }

  private async compare(file: SealedFile, local: SeriesColumns): Promise<RemoteVerification> {
    const remote = await this.step(file.relativePath, 'query', () =>
      this.options.server.readBack(this.measurement, file.dataPoint, Math.round(file.firstTimestampMs), Math.round(file.lastTimestampMs)),
    );
    const c = compareEntries(local, remote, this.options.server.relativeValueTolerance);
    if (c.missing === 0 && c.differing === 0 && c.extra === 0) return { ok: true };
    return {
      ok: false,
      missing: c.missing === c.expected && c.expected > 0,
      reason: `data point ${JSON.stringify(file.dataPoint)} in [${file.firstTimestampMs}, ${file.lastTimestampMs}]: ${c.expected} entries expected, ${c.missing} missing, ${c.differing} with another value, ${c.extra} unexpected (${c.example ?? 'extra entries'})`,
    };
  }

  private async step<T>(relativePath: string, stage: RemoteStage, action: () => Promise<T>, context: () => string = () => ''): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof RemoteTargetError) throw error;
      throw new RemoteTargetError(this.name, relativePath, stage, `${describeError(error)}${context()}`, { cause: error });
    }
  }
}
