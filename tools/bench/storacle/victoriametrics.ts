/**
 * VictoriaMetrics 1.79 (Debian's victoria-metrics) as a bench:storacle peer,
 * started on loopback with its own temporary folder and the flags of tsdb.md
 * §4.4 (long retention, no response cache, long exports). Writes are Influx
 * line protocol over HTTP (`<set>,ch=<channel> v=...` becomes the metric
 * `<set>_v` with label ch); reads are /api/v1/export, MetricsQL and
 * /api/v1/series. VictoriaMetrics has no write-ahead log: an acknowledged write
 * sits in memory for up to a second or so.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, freeLoopbackPort, startProgram, type ProgramProcess } from '../harness.js';
import { addColumns, type Checksum, type SeriesData, type TaggedPoint } from './datasets.js';
import { filesFingerprint, tempFolder, type TempFolder } from './disk.js';
import { processCpuSeconds } from './cpu-time.js';
import { downloadLines, fetchBody, fetchOk, runPipelined } from './http.js';
import { lineProtocolBatches, taggedLineProtocol } from './line-protocol.js';
import { EPOCH } from './plan.js';
import type { Columns, SeriesKey, SpanStatistics, System, WriteMode } from './system.js';

export function findVictoriaMetrics(): string | undefined {
  return findExecutable('victoria-metrics', ['/usr/bin', '/usr/sbin', '/usr/local/bin']);
}

/** The whole time range the benchmark writes (seconds), for queries that need bounds. */
const ALL_START_S = (EPOCH.ieee - 86_400_000) / 1000;
const ALL_END_S = (EPOCH.tagged + 2 * 86_400_000) / 1000;

interface ExportLine {
  values: number[];
  timestamps: number[];
}
interface QueryResponse {
  status: string;
  error?: string;
  data?: { result?: { metric: Record<string, string>; value: [number, string] }[] };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const selector = (key: SeriesKey): string => `${key.set}_v{ch="${key.channel}"}`;

export class VictoriaMetricsSystem implements System {
  readonly describeModes = {
    fast: 'line protocol over HTTP, 5,000 lines per POST, 2 in flight (acknowledged before it reaches disk)',
    durable: 'none: VictoriaMetrics has no write-ahead log',
  };
  readonly sizesPerSet = false;
  readonly durable = 'none' as const;

  private dir = '';
  private folder: TempFolder | undefined;
  private base = '';
  private server: ProgramProcess | undefined;
  /** Records acknowledged by the server so far (to see when all of them are in part files). */
  private written = 0;

  async start(log: (message: string) => void): Promise<void> {
    const binary = findVictoriaMetrics();
    if (!binary) throw new Error('victoria-metrics not found');
    this.folder = tempFolder('gridlink-bench-vm-');
    this.dir = this.folder.path;
    const port = await freeLoopbackPort();
    this.base = `http://127.0.0.1:${port}`;
    this.server = await startProgram({
      command: binary,
      args: [
        `-storageDataPath=${join(this.dir, 'storage')}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=100y',
        '-search.disableCache',
        '-search.maxExportDuration=87600h',
        '-search.maxSamplesPerSeries=100000000',
        '-search.maxQueryDuration=300s',
        '-loggerLevel=ERROR',
      ],
      label: 'victoria-metrics',
      timeoutMs: 20_000,
      isReady: async () => {
        try {
          return (await fetchBody('GET', `${this.base}/health`)).status === 200;
        } catch {
          return false;
        }
      },
    });
    log(`victoria-metrics ${this.server.pid} on ${this.base}, data in ${this.dir}`);
  }

  storingCpuSeconds(): number | undefined {
    return this.server ? processCpuSeconds(this.server.pid) : undefined;
  }

  async stop(): Promise<void> {
    await this.server?.stop(5_000);
    this.server = undefined;
    this.written = 0;
    this.folder?.remove();
    this.folder = undefined;
  }

  private async writeBodies(bodies: readonly Buffer[], records: number): Promise<void> {
    const url = `${this.base}/write?precision=ms`;
    await runPipelined(
      bodies.map((body) => () => fetchOk('POST', url, body)),
      2,
    );
    this.written += records;
  }

  async prepareWrite(series: readonly SeriesData[], _mode: WriteMode, batch: number): Promise<() => Promise<void>> {
    const bodies = lineProtocolBatches(series, batch);
    const records = series.reduce((n, s) => n + s.values.length, 0);
    return () => this.writeBodies(bodies, records);
  }

  /**
   * Rows in part files on disk: a part folder's name starts with its row count
   * (`<rows>_<blocks>_<min>_<max>_<id>` in 1.79).
   */
  private rowsOnDisk(): number {
    let rows = 0;
    for (const size of ['small', 'big']) {
      const sizeDir = join(this.dir, 'storage', 'data', size);
      for (const partition of safeList(sizeDir)) {
        for (const part of safeList(join(sizeDir, partition))) {
          const match = /^(\d+)_\d+_/.exec(part);
          if (match) rows += Number(match[1]);
        }
      }
    }
    return rows;
  }

  private async activeMerges(): Promise<number> {
    const text = (await fetchOk('GET', `${this.base}/metrics`)).toString('utf8');
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('vm_active_merges')) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    }
    return total;
  }

  /**
   * Steady state: every acknowledged row in a part file (force_flush does not
   * flush the ingestion buffers of every CPU at once, so it is repeated until
   * the part folders' row counts add up), then force_merge of every partition,
   * then no merge running and the part files unchanged for a second.
   */
  async settle(log: (message: string) => void): Promise<void> {
    const started = Date.now();
    const deadline = started + 120_000;
    const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    while (this.rowsOnDisk() < this.written) {
      if (Date.now() > deadline) throw new Error(`VictoriaMetrics: ${this.rowsOnDisk()} of ${this.written} rows on disk after 120 s`);
      await fetchOk('GET', `${this.base}/internal/force_flush`);
      await wait(200);
    }
    await fetchOk('GET', `${this.base}/internal/force_merge`);
    let fingerprint = '';
    let stableSince = Date.now();
    for (;;) {
      if (Date.now() > deadline) throw new Error('VictoriaMetrics did not reach steady state within 120 s');
      await wait(200);
      const now = filesFingerprint(join(this.dir, 'storage'), /\.bin$/);
      if ((await this.activeMerges()) > 0 || now !== fingerprint || this.rowsOnDisk() !== this.written) {
        fingerprint = now;
        stableSince = Date.now();
        continue;
      }
      if (Date.now() - stableSince >= 1_000) break;
    }
    log(`VictoriaMetrics settled in ${((Date.now() - started) / 1000).toFixed(1)} s (${this.written} rows in part files, merged, unchanged for 1 s)`);
  }

  /** data/ and indexdb/ (caches and the lock file are not stored data). Sets are measured one after another. */
  sizePaths(): string[] {
    return [join(this.dir, 'storage', 'data'), join(this.dir, 'storage', 'indexdb')];
  }

  private async exportLines(match: string, startS: number, endS: number): Promise<ExportLine[]> {
    const url = `${this.base}/api/v1/export?match[]=${encodeURIComponent(match)}&start=${startS}&end=${endS}`;
    const text = (await fetchOk('GET', url)).toString('utf8');
    const lines: ExportLine[] = [];
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line) as ExportLine);
    return lines;
  }

  async checksum(set: string): Promise<Checksum> {
    await fetchOk('GET', `${this.base}/internal/force_flush`);
    const sum: Checksum = { count: 0, valueSum: 0, timestampSum: 0 };
    for (const line of await this.exportLines(`{__name__="${set}_v"}`, ALL_START_S, ALL_END_S)) addColumns(sum, line.timestamps, line.values);
    return sum;
  }

  async readRange(key: SeriesKey, fromMs: number, toMs: number): Promise<Columns> {
    // Export bounds are inclusive: [from, to - 1 ms].
    const lines = await this.exportLines(selector(key), fromMs / 1000, (toMs - 1) / 1000);
    let n = 0;
    for (const line of lines) n += line.values.length;
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    let at = 0;
    for (const line of lines) {
      timestamps.set(line.timestamps, at);
      values.set(line.values, at);
      at += line.values.length;
    }
    return { timestamps, values };
  }

  private async instant(query: string, timeS: number): Promise<QueryResponse> {
    const url = `${this.base}/api/v1/query?query=${encodeURIComponent(query)}&time=${timeS}`;
    const response = JSON.parse((await fetchOk('GET', url)).toString('utf8')) as QueryResponse;
    if (response.status !== 'success') throw new Error(`VictoriaMetrics: ${response.error ?? response.status}`);
    return response;
  }

  async statistics(key: SeriesKey, fromMs: number, toMs: number): Promise<SpanStatistics> {
    // One pass over the window (t - span, t] with t = to - 1 ms, i.e. [from, to).
    const window = `${toMs - fromMs}ms`;
    const functions = ['count_over_time', 'avg_over_time', 'stddev_over_time', 'min_over_time', 'max_over_time'];
    const q = `aggr_over_time((${functions.map((f) => `"${f}"`).join(',')}), ${selector(key)}[${window}])`;
    const result = (await this.instant(q, (toMs - 1) / 1000)).data?.result ?? [];
    const get = (name: string): number => {
      const found = result.find((r) => r.metric.rollup === name);
      if (!found) throw new Error(`VictoriaMetrics: no ${name} in the result`);
      return Number(found.value[1]);
    };
    return {
      count: get('count_over_time'),
      mean: get('avg_over_time'),
      stdDeviation: get('stddev_over_time'),
      min: get('min_over_time'),
      max: get('max_over_time'),
    };
  }

  async mostRecent(key: SeriesKey, nowMs: number): Promise<{ timestampMs: number; value: number }> {
    // The PromQL way: the last sample within a day before "now".
    const result = (await this.instant(`last_over_time(${selector(key)}[1d])`, nowMs / 1000)).data?.result?.[0];
    if (!result) throw new Error('VictoriaMetrics: no most recent entry');
    return { timestampMs: result.value[0] * 1000, value: Number(result.value[1]) };
  }

  async exportCsv(key: SeriesKey, fromMs: number, toMs: number, file: string): Promise<number> {
    const url =
      `${this.base}/api/v1/export/csv?format=__timestamp__:unix_ms,__value__` +
      `&match[]=${encodeURIComponent(selector(key))}&start=${fromMs / 1000}&end=${(toMs - 1) / 1000}`;
    return downloadLines(url, file);
  }

  async createTagged(points: readonly TaggedPoint[], timestampMs: number): Promise<void> {
    await this.writeBodies(taggedLineProtocol(points, timestampMs, 5_000), points.length);
    await fetchOk('GET', `${this.base}/internal/force_flush`);
  }

  async findTagged(query: Record<string, string>): Promise<number> {
    const matchers = Object.entries(query)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    const url =
      `${this.base}/api/v1/series?match[]=${encodeURIComponent(`tagged_v{${matchers}}`)}` +
      `&start=${EPOCH.tagged / 1000 - 3600}&end=${EPOCH.tagged / 1000 + 3600}`;
    const response = JSON.parse((await fetchOk('GET', url)).toString('utf8')) as { data?: unknown[] };
    return response.data?.length ?? 0;
  }
}
