/**
 * The peer of row (b) of bench:dashboard: the naive way to chart a month —
 * every raw entry fetched as JSON, page by page (GetEntriesOfTimeSpan over
 * the bus, at most storage's 100,000 entries a page, each page asked from the
 * last timestamp of the previous one), collected in the browser and drawn by
 * the same uPlot. A small node:http server of the bench serves the page,
 * uPlot (from node_modules, like the dashboard) and the entries. The page
 * sets the same performance marks as the dashboard's chart: 'chart-request'
 * before the first request, 'chart-data' when every page is in, 'chart-drawn'
 * in uPlot's draw hook.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Bus } from '../../../core/bus/bus.js';
import { EntriesReply, GetEntriesOfTimeSpan } from '../../../schemas/generated/messages.js';

const require = createRequire(import.meta.url);

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>naive chart</title>
<link rel="stylesheet" href="/uplot.css"></head>
<body style="margin:0;font-family:system-ui,sans-serif"><div id="chart" data-test="chart" style="width:1000px;margin:16px"></div>
<script type="module" src="/naive.js"></script></body></html>`;

const SCRIPT = `import uPlot from '/uplot.mjs';
window.drawNaive = async (dataPoint, fromMs, toMs) => {
  performance.mark('chart-request');
  const timestamps = [];
  const values = [];
  let next = fromMs;
  for (;;) {
    const response = await fetch('/entries?dataPoint=' + encodeURIComponent(dataPoint) + '&from=' + next + '&to=' + toMs);
    if (!response.ok) throw new Error('HTTP ' + response.status + ': ' + (await response.text()));
    const page = await response.json();
    const entries = page.entries ?? [];
    for (const entry of entries) {
      timestamps.push(entry.timestampMs);
      values.push(entry.value);
    }
    if (!page.truncated || entries.length === 0) break;
    next = entries[entries.length - 1].timestampMs + 1;
  }
  performance.mark('chart-data');
  const host = document.getElementById('chart');
  await new Promise((resolve) => {
    const opts = {
      width: host.clientWidth, height: 300, ms: 1,
      scales: { x: { time: true } },
      series: [{}, { label: dataPoint, stroke: '#1f6feb', width: 1 }],
      hooks: { draw: [() => { performance.mark('chart-drawn'); resolve(); }] },
    };
    new uPlot(opts, [timestamps, values], host);
  });
  return timestamps.length;
};
document.body.dataset.ready = '1';
`;

export interface NaiveChartServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the naive chart page on a free loopback port; entries come from `role` over `bus`. */
export async function startNaiveChartServer(bus: Bus, role = 'storage'): Promise<NaiveChartServer> {
  const uplotDir = require.resolve('uplot/dist/uPlot.esm.js').replace(/uPlot\.esm\.js$/, '');
  const files: Record<string, { type: string; body: Buffer }> = {
    '/': { type: 'text/html; charset=utf-8', body: Buffer.from(PAGE) },
    '/naive.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(SCRIPT) },
    '/uplot.mjs': { type: 'text/javascript; charset=utf-8', body: readFileSync(`${uplotDir}uPlot.esm.js`) },
    '/uplot.css': { type: 'text/css; charset=utf-8', body: readFileSync(`${uplotDir}uPlot.min.css`) },
  };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const file = files[url.pathname];
    if (file !== undefined) {
      response.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length });
      response.end(file.body);
      return;
    }
    if (url.pathname !== '/entries') {
      response.writeHead(404).end();
      return;
    }
    const dataPoint = url.searchParams.get('dataPoint') ?? '';
    bus
      .request(role, GetEntriesOfTimeSpan, { dataPoint, fromMs: Number(url.searchParams.get('from')), toMs: Number(url.searchParams.get('to')), limit: 0 }, EntriesReply, { timeoutMs: 30_000 })
      .then((reply) => {
        const body = JSON.stringify(reply);
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        response.end(body);
      })
      .catch((error: unknown) => {
        response.writeHead(502, { 'Content-Type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
