// VictoriaMetrics (single-node, 1.79) as a line-protocol server: `POST /write?precision=ms`,
// `GET /internal/force_flush`, and read-back through `/api/v1/export` (raw samples).
// The metric of measurement `m` and field `value` is `m_value`, with the tag as a label.

import { httpText } from './http.js';
import { sortColumns, type LineProtocolServer } from './line-protocol-server.js';
import type { SeriesColumns } from '../series/index.js';

export interface VictoriaMetricsOptions {
  /** e.g. `http://127.0.0.1:8428` */
  url: string;
  /** Extra request headers, e.g. `authorization` for a server behind vmauth. */
  headers?: Record<string, string>;
  /** Every HTTP request fails after this long (default 10 s). */
  requestTimeoutMs?: number;
  /**
   * Longest span one export request asks for; VictoriaMetrics refuses spans longer than its
   * `-search.maxExportDuration` (default 30 days). Default 7 days.
   */
  exportWindowMs?: number;
}

/** One JSON line of /api/v1/export. */
interface ExportLine {
  values: (number | string | null)[];
  timestamps: number[];
}

export class VictoriaMetricsServer implements LineProtocolServer {
  readonly name: string;
  readonly backslashes = 'escapable' as const;
  // VictoriaMetrics stores a block of values as decimals with one exponent: values keep about
  // 10 significant digits of the block's largest magnitude (3.141592653589793 reads back as
  // 3.1415926535; 1.5 next to 1e21 reads back as 0).
  readonly relativeValueTolerance = 1e-9;
  private readonly timeoutMs: number;

  constructor(private readonly options: VictoriaMetricsOptions) {
    this.name = `victoriametrics+${new URL(options.url).origin}`;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  private url(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(path, this.options.url);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  async write(lines: string): Promise<void> {
    await httpText({ method: 'POST', url: this.url('/write', { precision: 'ms' }), body: lines, headers: this.options.headers, timeoutMs: this.timeoutMs });
  }

  async flush(): Promise<void> {
    await httpText({ method: 'GET', url: this.url('/internal/force_flush'), headers: this.options.headers, timeoutMs: this.timeoutMs });
  }

  async readBack(measurement: string, dataPoint: string, fromMs: number, toMs: number): Promise<SeriesColumns> {
    // A MetricsQL string literal takes the escapes of a JSON string.
    const selector = `{__name__=${JSON.stringify(`${measurement}_value`)},data_point=${JSON.stringify(dataPoint)}}`;
    const window = this.options.exportWindowMs ?? 7 * 86_400_000;
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let start = fromMs; start <= toMs; start += window) {
      const end = Math.min(toMs, start + window - 1);
      const text = await httpText({
        method: 'GET',
        url: this.url('/api/v1/export', { 'match[]': selector, start: (start / 1000).toFixed(3), end: (end / 1000).toFixed(3) }),
        headers: this.options.headers,
        timeoutMs: this.timeoutMs,
      });
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const series = JSON.parse(line) as ExportLine;
        series.timestamps.forEach((t, i) => {
          if (t < start || t > end) return;
          timestamps.push(t);
          values.push(Number(series.values[i]));
        });
      }
    }
    return sortColumns(timestamps, values);
  }
}
