// InfluxDB 1.x as a line-protocol server: `POST /write?db=..&precision=ms` and read-back with
// an InfluxQL SELECT (chunked JSON). Writes of the same series and timestamp overwrite, so
// writing a file again is harmless.

import { httpText } from './http.js';
import { sortColumns, type LineProtocolServer } from './line-protocol-server.js';
import type { SeriesColumns } from '../series/index.js';

export interface InfluxDbOptions {
  /** e.g. `http://127.0.0.1:8086` */
  url: string;
  database: string;
  /** Retention policy; default the database's default. */
  retentionPolicy?: string;
  username?: string;
  password?: string;
  /** Every HTTP request fails after this long (default 10 s). */
  requestTimeoutMs?: number;
}

/** An InfluxQL string literal. */
function influxString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An InfluxQL identifier. */
function influxIdentifier(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** One chunk of a chunked /query answer. */
interface QueryChunk {
  results?: { error?: string; series?: { values?: [number, number | null][] }[] }[];
  error?: string;
}

export class InfluxDbServer implements LineProtocolServer {
  readonly name: string;
  readonly backslashes = 'literal' as const;
  readonly relativeValueTolerance = 0;
  private readonly timeoutMs: number;

  constructor(private readonly options: InfluxDbOptions) {
    this.name = `influxdb+${new URL(options.url).origin}/${options.database}`;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  private url(path: string, query: Record<string, string>): URL {
    const url = new URL(path, this.options.url);
    url.searchParams.set('db', this.options.database);
    if (this.options.username !== undefined) url.searchParams.set('u', this.options.username);
    if (this.options.password !== undefined) url.searchParams.set('p', this.options.password);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  /** CREATE DATABASE (does nothing if it exists). */
  async createDatabase(): Promise<void> {
    this.results(await this.query(`CREATE DATABASE ${influxIdentifier(this.options.database)}`, 'POST'));
  }

  async write(lines: string): Promise<void> {
    const query: Record<string, string> = { precision: 'ms' };
    if (this.options.retentionPolicy !== undefined) query.rp = this.options.retentionPolicy;
    await httpText({ method: 'POST', url: this.url('/write', query), body: lines, timeoutMs: this.timeoutMs });
  }

  /** A write is queryable once it is acknowledged (WAL and cache): nothing to flush. */
  async flush(): Promise<void> {}

  async readBack(measurement: string, dataPoint: string, fromMs: number, toMs: number): Promise<SeriesColumns> {
    const from = influxIdentifier(measurement);
    const source = this.options.retentionPolicy !== undefined ? `${influxIdentifier(this.options.database)}.${influxIdentifier(this.options.retentionPolicy)}.${from}` : from;
    const text = await this.query(
      `SELECT "value" FROM ${source} WHERE "data_point" = ${influxString(dataPoint)} AND time >= ${Math.round(fromMs)}ms AND time <= ${Math.round(toMs)}ms`,
      'GET',
    );
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const chunk of this.results(text)) {
      for (const result of chunk.results ?? []) {
        for (const series of result.series ?? []) {
          for (const [t, v] of series.values ?? []) {
            timestamps.push(t);
            values.push(v ?? Number.NaN);
          }
        }
      }
    }
    return sortColumns(timestamps, values);
  }

  /**
   * The chunks of a /query answer. InfluxDB sends its status line before it runs the
   * statements, so a failed statement is an `error` in a 200 answer: it is thrown here.
   */
  private results(text: string): QueryChunk[] {
    const chunks = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as QueryChunk);
    for (const chunk of chunks) {
      const error = chunk.error ?? chunk.results?.find((r) => r.error !== undefined)?.error;
      if (error !== undefined) throw new Error(`${this.name}: query failed: ${error}`);
    }
    return chunks;
  }

  private query(q: string, method: 'GET' | 'POST'): Promise<string> {
    return httpText({ method, url: this.url('/query', { q, epoch: 'ms', chunked: 'true', chunk_size: '10000' }), timeoutMs: this.timeoutMs });
  }
}
