/**
 * What bench:storacle needs from each system it compares: ours (Storacle),
 * SQLite, InfluxDB and VictoriaMetrics. The measurements (measure.ts) are
 * written once against this interface, so every system runs the same steps on
 * the same data.
 *
 * A series is addressed by its data set and channel (SeriesData.set/.channel);
 * each system maps that pair to its own naming (a data point "set/channel", a
 * measurement with a tag, a metric with a label, a row of a table).
 */
import type { Checksum, SeriesData, TaggedPoint } from './datasets.js';

/** Which acknowledgement a write waits for: the fast ('visible'/'processSafe'-like) or the durable one. */
export type WriteMode = 'fast' | 'durable';

export interface SeriesKey {
  set: string;
  channel: string;
}

export interface Columns {
  timestamps: Float64Array;
  values: Float64Array;
}

export interface SpanStatistics {
  count: number;
  mean: number;
  stdDeviation: number;
  min: number;
  max: number;
}

export interface System {
  /** What the write modes mean here, for the progress log. */
  readonly describeModes: Record<WriteMode, string>;
  /** True when size can be read per data set after one settle (false: sets are loaded and settled one by one). */
  readonly sizesPerSet: boolean;
  /**
   * Durable writes: 'own' (a mode of their own), 'same-as-fast' (InfluxDB fsyncs
   * every write, so the fast write's rate is its durable rate too) or 'none'
   * (VictoriaMetrics has no write-ahead log).
   */
  readonly durable: 'own' | 'same-as-fast' | 'none';

  /** CPU seconds used so far by whatever stores the data (the server process, or this one). */
  storingCpuSeconds(): number | undefined;

  /** Starts the system in a fresh temporary directory. */
  start(log: (message: string) => void): Promise<void>;
  /** Stops it and deletes its directory. */
  stop(): Promise<void>;

  /**
   * Prepares writing the series in batches (serialising payloads, creating data
   * points) and returns the function that does the timed writing.
   */
  prepareWrite(series: readonly SeriesData[], mode: WriteMode, batch: number, log: (message: string) => void): Promise<() => Promise<void>>;
  /** Brings the stored data to steady state (flush, compaction, merge, checkpoint). */
  settle(log: (message: string) => void): Promise<void>;
  /** Files and folders that hold one data set (when sizesPerSet) or everything stored. */
  sizePaths(set: string): string[];
  /** Count and sums of everything stored in a data set, read back. */
  checksum(set: string, series: readonly SeriesKey[]): Promise<Checksum>;

  /** fromMs <= t < toMs, as columns. */
  readRange(key: SeriesKey, fromMs: number, toMs: number): Promise<Columns>;
  statistics(key: SeriesKey, fromMs: number, toMs: number): Promise<SpanStatistics>;
  /** `nowMs`: the benchmark's present (the end of the written data), for systems that query relative to a time. */
  mostRecent(key: SeriesKey, nowMs: number): Promise<{ timestampMs: number; value: number }>;
  /** Rows written as CSV to `file` (header not counted). */
  exportCsv(key: SeriesKey, fromMs: number, toMs: number, file: string): Promise<number>;

  /** Creates the tagged data points (each with one entry where the system needs one to know a series). */
  createTagged(points: readonly TaggedPoint[], timestampMs: number, log: (message: string) => void): Promise<void>;
  /** How many data points carry every given tag (the query returns their names or series keys). */
  findTagged(query: Record<string, string>): Promise<number>;
}
