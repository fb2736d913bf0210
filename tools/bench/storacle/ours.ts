/**
 * Our store (core/storacle, `Storacle.open`) as bench:storacle measures it:
 * in-process, one store and data folder per data set (so sizes can be read
 * per set after one checkpoint), data point `<set>/<channel>`, appendMany in
 * batches awaited one after another. Fast writes use ack 'processSafe' (the
 * entry is in the write-ahead log: survives kill -9), durable ones ack
 * 'durable' (group commit with fdatasync: survives power loss).
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { AckMode, StoracleApi } from '../../../core/storacle/store/api.js';
import { Storacle } from '../../../core/storacle/store/storacle.js';
import { ownCpuSeconds } from './cpu-time.js';
import { tempFolder, type TempFolder } from './disk.js';
import type { Checksum, SeriesData, TaggedPoint } from './datasets.js';
import { addColumns } from './datasets.js';
import type { Columns, SeriesKey, SpanStatistics, System, WriteMode } from './system.js';

const nameOf = (key: SeriesKey): string => `${key.set}/${key.channel}`;

export class OursSystem implements System {
  readonly describeModes = {
    fast: "in-process appendMany, 5,000 entries per call, ack 'processSafe' (in the write-ahead log)",
    durable: "in-process appendMany, 5,000 entries per call, ack 'durable' (group commit, fdatasync)",
  };
  readonly sizesPerSet = true;
  readonly durable = 'own' as const;

  private dir = '';
  private folder: TempFolder | undefined;
  private readonly stores = new Map<string, StoracleApi>();

  async start(log: (message: string) => void): Promise<void> {
    this.folder = tempFolder('gridlink-bench-storacle-');
    this.dir = this.folder.path;
    log(`Storacle, data folders in ${this.dir}`);
  }

  storingCpuSeconds(): number {
    return ownCpuSeconds();
  }

  async stop(): Promise<void> {
    for (const store of this.stores.values()) await store.close();
    this.stores.clear();
    this.folder?.remove();
    this.folder = undefined;
  }

  /** The data set's store, opened on first use with the ack mode of that first write. */
  private async open(set: string, ack: AckMode): Promise<StoracleApi> {
    let store = this.stores.get(set);
    if (!store) {
      store = await Storacle.open({ dataDir: join(this.dir, set), ack });
      this.stores.set(set, store);
    }
    return store;
  }

  private storeOf(set: string): StoracleApi {
    const store = this.stores.get(set);
    if (!store) throw new Error(`no store for data set ${set}`);
    return store;
  }

  async prepareWrite(series: readonly SeriesData[], mode: WriteMode, batch: number): Promise<() => Promise<void>> {
    const jobs: { store: StoracleApi; name: string; series: SeriesData }[] = [];
    for (const s of series) {
      const store = await this.open(s.set, mode === 'durable' ? 'durable' : 'processSafe');
      const name = nameOf(s);
      store.createDataPoint(name, s.set === 'ieee' ? { unit: 'kW' } : {}, true);
      jobs.push({ store, name, series: s });
    }
    return async () => {
      for (const { store, name, series: s } of jobs) {
        for (let from = 0; from < s.values.length; from += batch) {
          const to = Math.min(s.values.length, from + batch);
          await store.appendMany(name, s.timestamps.subarray(from, to), s.values.subarray(from, to));
        }
      }
    };
  }

  /** checkpoint(): heads sealed into chunks, chunks and statistics on disk, the log trimmed. */
  async settle(): Promise<void> {
    for (const store of this.stores.values()) await store.checkpoint();
  }

  sizePaths(set: string): string[] {
    return [join(this.dir, set)];
  }

  async checksum(set: string, series: readonly SeriesKey[]): Promise<Checksum> {
    const store = this.storeOf(set);
    const sum: Checksum = { count: 0, valueSum: 0, timestampSum: 0 };
    for (const key of series) {
      const columns = store.range(nameOf(key), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      addColumns(sum, columns.timestamps, columns.values);
    }
    return sum;
  }

  async readRange(key: SeriesKey, fromMs: number, toMs: number): Promise<Columns> {
    const { timestamps, values } = this.storeOf(key.set).range(nameOf(key), fromMs, toMs);
    return { timestamps, values };
  }

  async statistics(key: SeriesKey, fromMs: number, toMs: number): Promise<SpanStatistics> {
    const s = this.storeOf(key.set).statistics(nameOf(key), fromMs, toMs);
    return { count: s.count, mean: s.mean ?? NaN, stdDeviation: s.stdDeviation ?? NaN, min: s.min ?? NaN, max: s.max ?? NaN };
  }

  async mostRecent(key: SeriesKey): Promise<{ timestampMs: number; value: number }> {
    const point = this.storeOf(key.set).mostRecent(nameOf(key));
    if (!point) throw new Error(`no entry in ${nameOf(key)}`);
    return point;
  }

  async exportCsv(key: SeriesKey, fromMs: number, toMs: number, file: string): Promise<number> {
    const out = createWriteStream(file);
    const rows = await this.storeOf(key.set).exportCsv([nameOf(key)], fromMs, toMs, out);
    // Counted until the file is written, as for the peers.
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      if (out.writableFinished) resolve();
      else {
        out.once('finish', () => resolve());
        if (!out.writableEnded) out.end();
      }
    });
    return rows;
  }

  async createTagged(points: readonly TaggedPoint[]): Promise<void> {
    const store = await this.open('tagged', 'processSafe');
    for (const p of points) {
      const tags = Object.entries(p.tags).map(([k, v]) => `${k}=${v}`);
      store.createDataPoint(`tagged/${p.channel}`, { tags }, true);
    }
  }

  async findTagged(query: Record<string, string>): Promise<number> {
    const tags = Object.entries(query).map(([k, v]) => `${k}=${v}`);
    return this.storeOf('tagged').dataPoints(tags, 'all').length;
  }
}
