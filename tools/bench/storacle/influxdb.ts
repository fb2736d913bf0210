/**
 * InfluxDB 1.6 (Debian's influxd) as a bench:storacle peer: started on
 * loopback with its own temporary folders and a minimal configuration file
 * (tsdb.md §4.3), one database per data set so that sizes can be read per set
 * after one settle, line protocol over HTTP with two POSTs in flight, InfluxQL
 * for the queries. InfluxDB fsyncs its WAL before acknowledging every write.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, freeLoopbackPort, startProgram, type ProgramProcess } from '../harness.js';
import type { Checksum, SeriesData, TaggedPoint } from './datasets.js';
import { fileLengths, filesFingerprint, tempFolder, type TempFolder } from './disk.js';
import { processCpuSeconds } from './cpu-time.js';
import { downloadLines, fetchBody, fetchOk, runPipelined } from './http.js';
import { lineProtocolBatches, taggedLineProtocol } from './line-protocol.js';
import type { Columns, SeriesKey, SpanStatistics, System, WriteMode } from './system.js';

/** Seconds a shard must be idle before its cache is written to TSM / fully compacted (defaults 10 min and 4 h). */
const SNAPSHOT_COLD = '1s';
const COMPACT_COLD = '2s';
/** How long the TSM files must stay unchanged to count as compacted. */
const STABLE_MS = 3_000;

export function findInfluxd(): string | undefined {
  return findExecutable('influxd', ['/usr/bin', '/usr/sbin', '/usr/local/bin']);
}

interface InfluxSeries {
  name?: string;
  columns?: string[];
  values?: unknown[][];
}
interface InfluxResponse {
  results?: { statement_id?: number; series?: InfluxSeries[]; error?: string }[];
  error?: string;
}

function parseResponse(text: string): InfluxResponse {
  const parsed = JSON.parse(text) as InfluxResponse;
  const error = parsed.error ?? parsed.results?.find((r) => r.error !== undefined)?.error;
  if (error !== undefined) throw new Error(`InfluxDB: ${error}`);
  return parsed;
}

function firstRow(response: InfluxResponse): unknown[] {
  const row = response.results?.[0]?.series?.[0]?.values?.[0];
  if (!row) throw new Error('InfluxDB: empty result');
  return row;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '\\"')}"`;
const quoteString = (value: string): string => `'${value.replace(/'/g, "\\'")}'`;

export class InfluxSystem implements System {
  readonly describeModes = {
    fast: 'line protocol over HTTP, 5,000 lines per POST, 2 in flight (InfluxDB fsyncs each write)',
    durable: 'the same writes: InfluxDB fsyncs its WAL before every acknowledgement',
  };
  readonly sizesPerSet = true;
  readonly durable = 'same-as-fast' as const;

  private dir = '';
  private folder: TempFolder | undefined;
  private base = '';
  private server: ProgramProcess | undefined;
  private readonly databases = new Set<string>();

  async start(log: (message: string) => void): Promise<void> {
    const influxd = findInfluxd();
    if (!influxd) throw new Error('influxd not found');
    this.folder = tempFolder('gridlink-bench-influxdb-');
    this.dir = this.folder.path;
    const [httpPort, rpcPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const config = join(this.dir, 'influxdb.conf');
    writeFileSync(
      config,
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${rpcPort}"`,
        '[meta]',
        `  dir = "${join(this.dir, 'meta')}"`,
        '[data]',
        `  dir = "${join(this.dir, 'data')}"`,
        `  wal-dir = "${join(this.dir, 'wal')}"`,
        '  query-log-enabled = false',
        `  cache-snapshot-write-cold-duration = "${SNAPSHOT_COLD}"`,
        `  compact-full-write-cold-duration = "${COMPACT_COLD}"`,
        '  max-series-per-database = 0',
        '  max-values-per-tag = 0',
        '[http]',
        `  bind-address = "127.0.0.1:${httpPort}"`,
        '  log-enabled = false',
        '  max-row-limit = 0',
        '  max-body-size = 0',
        '[monitor]',
        '  store-enabled = false',
        '[continuous_queries]',
        '  enabled = false',
        '[subscriber]',
        '  enabled = false',
        '',
      ].join('\n'),
    );
    this.base = `http://127.0.0.1:${httpPort}`;
    this.server = await startProgram({
      command: influxd,
      args: ['run', '-config', config],
      label: 'influxd',
      timeoutMs: 20_000,
      isReady: async () => {
        try {
          return (await fetchBody('GET', `${this.base}/ping`)).status === 204;
        } catch {
          return false;
        }
      },
    });
    log(`influxd ${this.server.pid} on ${this.base}, data in ${this.dir}`);
  }

  storingCpuSeconds(): number | undefined {
    return this.server ? processCpuSeconds(this.server.pid) : undefined;
  }

  async stop(): Promise<void> {
    await this.server?.stop(5_000);
    this.server = undefined;
    this.databases.clear();
    this.folder?.remove();
    this.folder = undefined;
  }

  private async query(db: string, q: string, extra = ''): Promise<InfluxResponse> {
    const url = `${this.base}/query?db=${encodeURIComponent(db)}&epoch=ms${extra}&q=${encodeURIComponent(q)}`;
    return parseResponse((await fetchOk('GET', url)).toString('utf8'));
  }

  private async ensureDatabase(db: string): Promise<void> {
    if (this.databases.has(db)) return;
    // One shard for everything: a long shard duration, no retention.
    const q = `CREATE DATABASE ${quoteIdent(db)} WITH DURATION INF SHARD DURATION 520w`;
    parseResponse((await fetchOk('POST', `${this.base}/query?q=${encodeURIComponent(q)}`)).toString('utf8'));
    this.databases.add(db);
  }

  private writeBodies(db: string, bodies: readonly Buffer[]): Promise<void> {
    const url = `${this.base}/write?db=${encodeURIComponent(db)}&precision=ms`;
    return runPipelined(
      bodies.map((body) => () => fetchOk('POST', url, body)),
      2,
    );
  }

  async prepareWrite(series: readonly SeriesData[], _mode: WriteMode, batch: number): Promise<() => Promise<void>> {
    const sets = [...new Set(series.map((s) => s.set))];
    for (const set of sets) await this.ensureDatabase(set);
    const perSet = sets.map((set) => ({ set, bodies: lineProtocolBatches(series.filter((s) => s.set === set), batch) }));
    return async () => {
      for (const { set, bodies } of perSet) await this.writeBodies(set, bodies);
    };
  }

  /** Waits until every WAL is empty (cache written to TSM) and the TSM files stop changing (compaction done). */
  async settle(log: (message: string) => void): Promise<void> {
    const started = Date.now();
    const deadline = started + 120_000;
    let fingerprint = '';
    let stableSince = Date.now();
    for (;;) {
      if (Date.now() > deadline) throw new Error('InfluxDB did not reach steady state within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
      const walBytes = fileLengths(join(this.dir, 'wal'));
      const now = filesFingerprint(join(this.dir, 'data'), /\.(tsm|tmp)$/);
      if (walBytes > 0 || now !== fingerprint || now.includes('.tmp:')) {
        fingerprint = now;
        stableSince = Date.now();
        continue;
      }
      if (Date.now() - stableSince >= STABLE_MS) break;
    }
    log(`InfluxDB settled in ${((Date.now() - started) / 1000).toFixed(1)} s (WAL empty, TSM files unchanged for ${STABLE_MS / 1000} s)`);
  }

  sizePaths(set: string): string[] {
    return [join(this.dir, 'data', set), join(this.dir, 'wal', set)];
  }

  async checksum(set: string): Promise<Checksum> {
    const row = firstRow(await this.query(set, `SELECT count(v), sum(v) FROM ${quoteIdent(set)}`));
    return { count: Number(row[1]), valueSum: Number(row[2]) };
  }

  private where(key: SeriesKey, fromMs: number, toMs: number): string {
    return `ch = ${quoteString(key.channel)} AND time >= ${fromMs}ms AND time < ${toMs}ms`;
  }

  async readRange(key: SeriesKey, fromMs: number, toMs: number): Promise<Columns> {
    const q = `SELECT v FROM ${quoteIdent(key.set)} WHERE ${this.where(key, fromMs, toMs)}`;
    const url = `${this.base}/query?db=${encodeURIComponent(key.set)}&epoch=ms&chunked=true&chunk_size=100000&q=${encodeURIComponent(q)}`;
    const text = (await fetchOk('GET', url)).toString('utf8');
    // Chunked: one JSON object per line, each with up to chunk_size rows.
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      for (const result of parseResponse(line).results ?? []) {
        for (const s of result.series ?? []) {
          for (const row of s.values ?? []) {
            timestamps.push(row[0] as number);
            values.push(row[1] as number);
          }
        }
      }
    }
    return { timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
  }

  async statistics(key: SeriesKey, fromMs: number, toMs: number): Promise<SpanStatistics> {
    const q = `SELECT count(v), mean(v), stddev(v), min(v), max(v) FROM ${quoteIdent(key.set)} WHERE ${this.where(key, fromMs, toMs)}`;
    const row = firstRow(await this.query(key.set, q));
    return { count: Number(row[1]), mean: Number(row[2]), stdDeviation: Number(row[3]), min: Number(row[4]), max: Number(row[5]) };
  }

  async mostRecent(key: SeriesKey): Promise<{ timestampMs: number; value: number }> {
    const row = firstRow(await this.query(key.set, `SELECT last(v) FROM ${quoteIdent(key.set)} WHERE ch = ${quoteString(key.channel)}`));
    return { timestampMs: Number(row[0]), value: Number(row[1]) };
  }

  async exportCsv(key: SeriesKey, fromMs: number, toMs: number, file: string): Promise<number> {
    const q = `SELECT v FROM ${quoteIdent(key.set)} WHERE ${this.where(key, fromMs, toMs)}`;
    const url = `${this.base}/query?db=${encodeURIComponent(key.set)}&epoch=ms&q=${encodeURIComponent(q)}`;
    const lines = await downloadLines(url, file, { Accept: 'application/csv' });
    return Math.max(0, lines - 1);
  }

  async createTagged(points: readonly TaggedPoint[], timestampMs: number): Promise<void> {
    await this.ensureDatabase('tagged');
    await this.writeBodies('tagged', taggedLineProtocol(points, timestampMs, 5_000));
  }

  async findTagged(query: Record<string, string>): Promise<number> {
    const where = Object.entries(query)
      .map(([k, v]) => `${quoteIdent(k)} = ${quoteString(v)}`)
      .join(' AND ');
    const response = await this.query('tagged', `SHOW SERIES FROM "tagged" WHERE ${where}`);
    return response.results?.[0]?.series?.[0]?.values?.length ?? 0;
  }
}
