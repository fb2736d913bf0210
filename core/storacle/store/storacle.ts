/**
 * Storacle: the embedded time-series store (contract and semantics: ./api.ts).
 *
 * In RAM: the catalogue (./catalogue.ts) and per data point a Series (sorted head + sealed
 * chunks) with its on-line statistics. With a dataDir, the disk tier (./disk-tier.ts) adds the
 * write-ahead log, the segment files of sealed chunks, checkpoints, recovery and retention.
 */
import * as path from 'node:path';
import { OnlineStatistics } from '../statistics/index.js';
import type { HistogramConfig, StatisticsSnapshot } from '../statistics/index.js';
import { Series, SeriesAppendError } from '../series/index.js';
import type { ChunkLoader, DownsampledColumns, LimitedColumns, SeriesColumns, SeriesPoint } from '../series/index.js';
import { StoreError } from './api.js';
import type {
  AckMode,
  CorruptionReport,
  DataPointInfo,
  DataPointOptions,
  RangeResult,
  SealedFile,
  StoracleApi,
  StoracleOptions,
  TagChange,
  TagMatch,
  TagUpdateMode,
} from './api.js';
import { Catalogue } from './catalogue.js';
import type { CatalogueEntry, CatalogueRecord } from './catalogue.js';
import { writeCsv } from './csv-export.js';
import { TopologyStore } from './topology-store.js';
import { DiskTier } from './disk-tier.js';
import type { DataPointState } from './data-point-state.js';
import type { MetaRecord } from './meta-record.js';

const MAX_NAME_LENGTH = 1024;

/** Folders of the stores open in this process. */
const openDataDirs = new Set<string>();

// Settled promises shared by every call that resolves at once: append() allocates nothing for them.
const APPENDED: Promise<'appended'> = Promise.resolve('appended');
const DUPLICATE: Promise<'duplicate'> = Promise.resolve('duplicate');

function invalid(message: string, dataPoint?: string): StoreError {
  return new StoreError('InvalidArgument', message, dataPoint);
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw invalid('a data point name must be a non-empty string');
  if (name.length > MAX_NAME_LENGTH) throw invalid(`a data point name is at most ${MAX_NAME_LENGTH} characters`, name);
}

function checkTags(tags: readonly string[]): void {
  for (const t of tags) {
    if (typeof t !== 'string' || t.length === 0) throw invalid('tags must be non-empty strings');
  }
}

function checkHistogram(config: HistogramConfig | undefined, dataPoint?: string): void {
  if (config === undefined) return;
  try {
    new OnlineStatistics({ histogram: config });
  } catch (e) {
    throw invalid(`bad histogram configuration: ${(e as Error).message}`, dataPoint);
  }
}

function checkSpan(fromMs: number, toMs: number, dataPoint: string): void {
  if (typeof fromMs !== 'number' || typeof toMs !== 'number' || Number.isNaN(fromMs) || Number.isNaN(toMs)) {
    throw invalid(`span bounds must be numbers, got [${fromMs}, ${toMs})`, dataPoint);
  }
  if (fromMs > toMs) throw invalid(`span start ${fromMs} is after its end ${toMs}`, dataPoint);
}

export class Storacle implements StoracleApi {
  readonly dataDir: string | undefined;
  private readonly reports: CorruptionReport[] = [];
  private readonly catalogue = new Catalogue();
  private readonly points = new Map<string, DataPointState>();
  private readonly chunkSize: number;
  private readonly ack: AckMode;
  private closed = false;
  private closing: Promise<void> | undefined;

  /** Set once, by open, for a store with a dataDir. */
  private disk: DiskTier | undefined;

  private constructor(
    private readonly options: StoracleOptions,
    private readonly topology: TopologyStore,
  ) {
    this.dataDir = options.dataDir;
    this.chunkSize = options.chunkSize ?? 4096;
    this.ack = options.dataDir === undefined ? 'visible' : options.ack ?? 'durable';
  }

  /** Opens a store; with a dataDir, recovers what the folder holds (snapshot, segments, log). */
  static async open(options: StoracleOptions = {}): Promise<Storacle> {
    const chunkSize = options.chunkSize ?? 4096;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 1 << 22) {
      throw invalid(`chunkSize must be an integer in 1..${1 << 22}, got ${chunkSize}`);
    }
    if (options.ack !== undefined && !['visible', 'processSafe', 'durable'].includes(options.ack)) {
      throw invalid(`unknown ack mode ${String(options.ack)}`);
    }
    if (options.dataDir === undefined) {
      return new Storacle(options, await TopologyStore.open(undefined));
    }
    const dir = path.resolve(options.dataDir);
    // Two stores on one folder would interleave their logs and segment files. Other processes
    // are not detected (no portable file lock in Node); this catches the in-process mistake.
    if (openDataDirs.has(dir)) throw new StoreError('Unavailable', `${dir} is already open in this process`);
    openDataDirs.add(dir);
    try {
      const store = new Storacle(options, await TopologyStore.open(path.join(dir, 'topology')));
      store.disk = await DiskTier.open(options.dataDir, options, {
        report: (r) => store.report(r),
        catalogue: store.catalogue,
        points: store.points,
        createState: (entry, restored, loader) => store.newState(entry, restored, loader),
      });
      return store;
    } catch (e) {
      openDataDirs.delete(dir);
      throw e;
    }
  }

  get corruptions(): readonly CorruptionReport[] {
    return this.reports;
  }

  private report(r: CorruptionReport): void {
    this.reports.push(r);
    try {
      this.options.onCorruption?.(r);
    } catch {
      // A throwing callback must not break recovery or a query; the report is kept anyway.
    }
  }

  private newState(entry: CatalogueEntry, restored: OnlineStatistics | undefined, loader: ChunkLoader | undefined): DataPointState {
    const statistics = entry.histogram === undefined ? {} : { histogram: entry.histogram };
    const series = new Series({
      chunkSize: this.chunkSize,
      statistics,
      restoredStatistics: restored,
      loader,
    });
    const state: DataPointState = { entry, series };
    this.points.set(entry.name, state);
    return state;
  }

  private open(): void {
    if (this.closed) throw new StoreError('Unavailable', 'the store is closed');
  }

  private state(name: string): DataPointState {
    this.open();
    const s = this.points.get(name);
    if (s === undefined) {
      if (typeof name !== 'string') throw invalid('a data point name must be a string');
      throw new StoreError('NotFound', `no data point named ${name}`, name);
    }
    return s;
  }

  private logMeta(record: MetaRecord): void {
    this.disk?.logMeta(record);
  }

  private infoOf(s: DataPointState): DataPointInfo {
    const { entry, series } = s;
    const info: DataPointInfo = {
      name: entry.name,
      tags: [...entry.tags],
      createdMs: entry.createdMs,
      entryCount: series.count,
    };
    if (entry.unit !== undefined) info.unit = entry.unit;
    if (entry.description !== undefined) info.description = entry.description;
    const first = series.firstTimestamp;
    const last = series.lastTimestamp;
    if (first !== undefined) info.firstTimestampMs = first;
    if (last !== undefined) info.lastTimestampMs = last;
    return info;
  }

  // ---- Catalogue ----

  createDataPoint(name: string, options: DataPointOptions = {}, existOk = false): { created: boolean; info: DataPointInfo } {
    this.open();
    checkName(name);
    const existing = this.points.get(name);
    if (existing !== undefined) {
      if (existOk) return { created: false, info: this.infoOf(existing) };
      throw new StoreError('AlreadyExists', `data point ${name} exists`, name);
    }
    const tags = options.tags ?? [];
    checkTags(tags);
    checkHistogram(options.histogram, name);
    const record: CatalogueRecord = { id: this.catalogue.allocateId(), name, tags: [...tags], createdMs: Date.now() };
    if (options.unit !== undefined) record.unit = options.unit;
    if (options.description !== undefined) record.description = options.description;
    if (options.histogram !== undefined) record.histogram = { ...options.histogram };
    const entry = this.catalogue.add(record);
    const state = this.newState(entry, undefined, this.disk?.loaderFor(entry));
    this.logMeta({ op: 'create', record: Catalogue.toRecord(entry) });
    return { created: true, info: this.infoOf(state) };
  }

  exists(name: string): boolean {
    this.open();
    return this.points.has(name);
  }

  info(name: string): DataPointInfo {
    return this.infoOf(this.state(name));
  }

  dataPoints(tags?: readonly string[], match: TagMatch = 'any'): DataPointInfo[] {
    this.open();
    if (match !== 'any' && match !== 'all') throw invalid(`tag match must be any or all, got ${String(match)}`);
    return this.catalogue.match(tags, match).map((n) => this.infoOf(this.points.get(n) as DataPointState));
  }

  tags(name?: string): string[] {
    this.open();
    if (name === undefined) return this.catalogue.allTags();
    return [...this.state(name).entry.tags];
  }

  updateTags(name: string, tags: readonly string[], mode: TagUpdateMode): TagChange {
    const s = this.state(name);
    if (mode !== 'add' && mode !== 'remove' && mode !== 'replace') throw invalid(`unknown tag update mode ${String(mode)}`, name);
    checkTags(tags);
    const change = this.catalogue.updateTags(s.entry, tags, mode);
    // The log keeps the resulting set, so replaying the record twice gives the same tags.
    this.logMeta({ op: 'tags', name, tags: change.tags });
    return change;
  }

  updateMetadata(name: string, options: Omit<DataPointOptions, 'tags'>): DataPointInfo {
    const s = this.state(name);
    checkHistogram(options.histogram, name);
    if (options.unit !== undefined) s.entry.unit = options.unit;
    if (options.description !== undefined) s.entry.description = options.description;
    // The on-line histogram keeps the configuration it was created with (its bins cannot be
    // re-cut without the data); the new one is used for statistics over a span.
    if (options.histogram !== undefined) s.entry.histogram = { ...options.histogram };
    this.logMeta({ op: 'update', record: Catalogue.toRecord(s.entry) });
    return this.infoOf(s);
  }

  // ---- Entries ----

  append(name: string, timestampMs: number, value: number, arrivalMs?: number): Promise<'appended' | 'duplicate'> {
    const s = this.state(name);
    if (typeof timestampMs !== 'number' || typeof value !== 'number') throw invalid('timestamp and value must be numbers', name);
    const arrival = arrivalMs ?? Date.now();
    let result: 'appended' | 'duplicate';
    try {
      result = s.series.append(timestampMs, value, arrival);
    } catch (e) {
      if (e instanceof SeriesAppendError || e instanceof RangeError) throw invalid(e.message, name);
      throw e;
    }
    if (this.disk === undefined || this.ack === 'visible') {
      if (result === 'appended') this.disk?.logEntry(s.entry.id, timestampMs, value, arrival);
      return result === 'appended' ? APPENDED : DUPLICATE;
    }
    if (result === 'duplicate') return this.disk.ackDuplicate();
    return this.disk.ackAppended(this.disk.logEntry(s.entry.id, timestampMs, value, arrival));
  }

  appendMany(name: string, timestamps: Float64Array, values: Float64Array): Promise<{ appended: number; duplicates: number }> {
    const s = this.state(name);
    if (!(timestamps instanceof Float64Array) || !(values instanceof Float64Array)) {
      throw invalid('timestamps and values must be Float64Arrays', name);
    }
    let result: { appended: number; duplicates: number };
    let last: Promise<void> | undefined;
    const disk = this.disk;
    const id = s.entry.id;
    const arrival = Date.now();
    try {
      result = s.series.appendMany(
        timestamps,
        values,
        arrival,
        disk === undefined ? undefined : (t, v) => {
          last = disk.logEntry(id, t, v, arrival);
        },
      );
    } catch (e) {
      if (e instanceof SeriesAppendError || e instanceof RangeError) throw invalid(e.message, name);
      throw e;
    }
    // Log records are written in order, so the last one's group commit covers all of them.
    if (disk === undefined || this.ack === 'visible') return Promise.resolve(result);
    const acknowledged: Promise<unknown> | undefined = last ?? (result.duplicates > 0 ? disk.ackDuplicate() : undefined);
    return acknowledged === undefined ? Promise.resolve(result) : acknowledged.then(() => result);
  }

  // ---- Queries ----

  mostRecent(name: string): SeriesPoint | undefined {
    return this.state(name).series.mostRecent();
  }

  range(name: string, fromMs: number, toMs: number, limit = 0): RangeResult {
    const s = this.state(name);
    checkSpan(fromMs, toMs, name);
    if (!Number.isInteger(limit) || limit < 0) throw invalid(`limit must be a non-negative integer, got ${limit}`, name);
    return this.readRange(s, fromMs, toMs, limit);
  }

  private readRange(s: DataPointState, fromMs: number, toMs: number, limit: number): LimitedColumns {
    const result = s.series.rangeLimited(fromMs, toMs, limit);
    this.disk?.afterQuery(s);
    return result;
  }

  statistics(name: string, fromMs?: number, toMs?: number, histogram?: HistogramConfig): StatisticsSnapshot {
    const s = this.state(name);
    if (fromMs === undefined && toMs === undefined) return s.series.statistics.snapshot();
    const from = fromMs ?? Number.NEGATIVE_INFINITY;
    const to = toMs ?? Number.POSITIVE_INFINITY;
    checkSpan(from, to, name);
    const config = histogram ?? s.entry.histogram;
    checkHistogram(config, name);
    const stats = new OnlineStatistics(config === undefined ? {} : { histogram: config });
    const { timestamps, values } = this.readRange(s, from, to, 0);
    stats.addMany(timestamps, values);
    return stats.snapshot();
  }

  m4(name: string, fromMs: number, toMs: number, pixels: number): DownsampledColumns {
    const s = this.state(name);
    checkSpan(fromMs, toMs, name);
    try {
      return s.series.m4(fromMs, toMs, pixels);
    } catch (e) {
      if (e instanceof RangeError) throw invalid(e.message, name);
      throw e;
    } finally {
      this.disk?.afterQuery(s);
    }
  }

  async exportCsv(names: readonly string[], fromMs: number, toMs: number, out: NodeJS.WritableStream): Promise<number> {
    this.open();
    const sorted = [...new Set(names)].sort();
    for (const n of sorted) this.state(n);
    checkSpan(fromMs, toMs, sorted[0] ?? '');
    return writeCsv(sorted, fromMs, toMs, (n, from, to, limit) => this.readRange(this.state(n), from, to, limit), out);
  }

  // ---- Topology ----

  async putTopology(name: string, content: Uint8Array): Promise<void> {
    this.open();
    if (!(content instanceof Uint8Array)) throw invalid('topology content must be a Uint8Array');
    await this.topology.put(name, content);
  }

  getTopology(name: string): Uint8Array {
    this.open();
    return this.topology.get(name);
  }

  topologyNames(): string[] {
    this.open();
    return this.topology.names();
  }

  // ---- Disk tier ----

  sealedFiles(): SealedFile[] {
    this.open();
    return this.disk?.sealedFiles() ?? [];
  }

  async releaseLocal(relativePath: string): Promise<void> {
    this.open();
    if (this.disk === undefined) throw new StoreError('NotFound', `a RAM-only store has no file ${relativePath}`);
    await this.disk.releaseLocal(relativePath);
  }

  unsealedEntries(): number {
    this.open();
    let count = 0;
    for (const s of this.points.values()) count += s.series.headLength;
    return count;
  }

  async checkpoint(): Promise<void> {
    this.open();
    if (this.disk === undefined) {
      for (const s of this.points.values()) s.series.seal();
      return;
    }
    await this.disk.checkpoint();
  }

  async close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.open();
    this.closing = (async () => {
      try {
        if (this.disk !== undefined) await this.disk.close();
      } finally {
        this.closed = true;
        if (this.dataDir !== undefined) openDataDirs.delete(path.resolve(this.dataDir));
      }
    })();
    return this.closing;
  }
}
