/**
 * Our store (core/storacle, `Storacle.open`) as bench:storacle measures it:
 * in-process, one store and data folder per data set (so sizes can be read
 * per set after one checkpoint), data point `<set>/<channel>`, appendMany in
 * batches awaited one after another. Fast writes use ack 'processSafe' (the
 * entry is in the write-ahead log: survives kill -9), durable ones ack
 * 'durable' (group commit with fdatasync: survives power loss).
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AckMode, StoracleApi, StoracleOptions } from '../../../core/storacle/store/api.js';
import type { Checksum, SeriesData, TaggedPoint } from './datasets.js';
import { addColumns } from './datasets.js';
import { apparentSize } from './disk.js';
import type { Columns, SeriesKey, SpanStatistics, System, WriteMode } from './system.js';

interface StoracleModule {
  Storacle: { open(options: StoracleOptions): Promise<StoracleApi> };
}

// Loaded at run time: the bench builds and reports "n/a" for ours while the store is still missing.
const STORE_MODULE = '../../../core/storacle/store/storacle.js';

async function loadStoracle(): Promise<StoracleModule['Storacle']> {
  const module = (await import(STORE_MODULE)) as Partial<StoracleModule>;
  if (typeof module.Storacle?.open !== 'function') throw new Error(`${STORE_MODULE} has no Storacle.open`);
  return module.Storacle;
}

export async function oursUnavailable(): Promise<string | undefined> {
  try {
    await loadStoracle();
    return undefined;
  } catch (error) {
    return `the store cannot be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const nameOf = (key: SeriesKey): string => `${key.set}/${key.channel}`;

export class OursSystem implements System {
  get describeModes(): Record<WriteMode, string> {
    return {
      fast: this.ramOnly
        ? "in-process appendMany, 5,000 entries per call, RAM-only store (ack 'visible')"
        : "in-process appendMany, 5,000 entries per call, ack 'processSafe' (in the write-ahead log)",
      durable: "in-process appendMany, 5,000 entries per call, ack 'durable' (group commit, fdatasync)",
    };
  }
  readonly sizesPerSet = true;
  readonly durable = 'own' as const;

  private dir = '';
  /** undefined: not known yet; false: the disk tier works; a string: why the stores are RAM-only. */
  private ramOnly: string | false | undefined;
  private readonly stores = new Map<string, StoracleApi>();

  async start(log: (message: string) => void): Promise<void> {
    await loadStoracle();
    this.dir = mkdtempSync(join(tmpdir(), 'gridlink-bench-storacle-'));
    log(`Storacle, data folders in ${this.dir}`);
  }

  async stop(): Promise<void> {
    for (const store of this.stores.values()) await store.close();
    this.stores.clear();
    this.ramOnly = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Opens the data set's store. Until the disk tier exists (Storacle.open
   * refuses a dataDir), fast writes and queries fall back to a RAM-only store
   * (ack 'visible', said on stderr); sizes and durable writes then fail, so
   * their cells show n/a instead of a figure that measures something else.
   */
  private async open(set: string, ack: AckMode, log: (message: string) => void): Promise<StoracleApi> {
    let store = this.stores.get(set);
    if (store) return store;
    const Storacle = await loadStoracle();
    if (this.ramOnly === undefined) {
      try {
        store = await Storacle.open({ dataDir: join(this.dir, set), ack });
        this.ramOnly = false;
      } catch (error) {
        this.ramOnly = `the store refuses a dataDir (${error instanceof Error ? error.message : String(error)})`;
        log(`${this.ramOnly}: RAM-only store, ack 'visible'; no bytes or durable figures for ours`);
      }
    } else if (this.ramOnly === false) {
      store = await Storacle.open({ dataDir: join(this.dir, set), ack });
    }
    if (store === undefined) {
      if (ack === 'durable') throw new Error(`no durable writes: ${String(this.ramOnly)}`);
      store = await Storacle.open({});
    }
    this.stores.set(set, store);
    return store;
  }

  private storeOf(set: string): StoracleApi {
    const store = this.stores.get(set);
    if (!store) throw new Error(`no store for data set ${set}`);
    return store;
  }

  async prepareWrite(series: readonly SeriesData[], mode: WriteMode, batch: number, log: (message: string) => void): Promise<() => Promise<void>> {
    const jobs: { store: StoracleApi; name: string; series: SeriesData }[] = [];
    for (const s of series) {
      const store = await this.open(s.set, mode === 'durable' ? 'durable' : 'processSafe', log);
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

  async sizeBytes(set: string): Promise<number> {
    if (this.ramOnly) throw new Error(`no size on disk: ${this.ramOnly}`);
    return apparentSize(join(this.dir, set));
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

  async createTagged(points: readonly TaggedPoint[], _timestampMs: number, log: (message: string) => void): Promise<void> {
    const store = await this.open('tagged', 'processSafe', log);
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
