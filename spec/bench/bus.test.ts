/**
 * `npm run bench:bus -- --quick --json` end to end: the compiled bench (built
 * by `npm test` before vitest runs) between real processes, against real
 * zeromq.js sockets and a real nats-server. Checks the shape of the JSON and
 * that the peers' figures are real positive numbers; never the speed.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findNatsServer } from '../../tools/bench/bus/nats.js';
import { benchEntry, runBench } from '../support/bench-cli.js';

const entry = benchEntry('bus');

const METRICS = [
  'publish throughput',
  'send throughput',
  'request round trip p50',
  'request round trip p99',
  'requests, 10 in flight',
  'requests, 100 in flight',
  'idle module RSS',
];
/** Rows NATS has a counterpart for. */
const NATS_METRICS = new Set(['publish throughput', 'request round trip p50', 'request round trip p99', 'requests, 10 in flight', 'requests, 100 in flight']);

const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('bench:bus --quick --json', () => {
  it('prints one JSON object with every row, and positive raw zeromq.js and NATS figures', async () => {
    expect(existsSync(entry), `${entry} missing: run npm run build first`).toBe(true);
    const { code, stdout, stderr } = await runBench('bus', ['--quick', '--json']);
    expect(code, stderr).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines, 'stdout must hold exactly one JSON object').toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['bench', 'machine', 'rows']);
    expect(report.bench).toBe('bus');
    expect(report.machine).toEqual(expect.stringContaining(`cores, node ${process.version}`));

    const rows = report.rows as Record<string, unknown>[];
    expect(rows.map((row) => row.metric)).toEqual(METRICS);
    const natsInstalled = findNatsServer() !== undefined;
    for (const row of rows) {
      const metric = String(row.metric);
      expect(Object.keys(row).sort(), metric).toEqual(['better', 'goal', 'metric', 'ours', 'peers', 'unit']);
      expect(['higher', 'lower'], metric).toContain(row.better);
      expect(typeof row.unit).toBe('string');
      // ours: a figure once the bus is wired, null (n/a) until then; never zero or negative.
      expect(row.ours === null || isPositive(row.ours), `${metric}: ours = ${String(row.ours)}`).toBe(true);
      expect(row.goal === null || isPositive(row.goal), `${metric}: goal = ${String(row.goal)}`).toBe(true);

      const peers = row.peers as Record<string, unknown>;
      expect(isPositive(peers['zeromq.js']), `${metric}: zeromq.js = ${String(peers['zeromq.js'])}`).toBe(true);
      if (NATS_METRICS.has(metric)) {
        expect(Object.keys(peers).sort(), metric).toEqual(['nats', 'zeromq.js']);
        if (natsInstalled) expect(isPositive(peers.nats), `${metric}: nats = ${String(peers.nats)}`).toBe(true);
        else expect(peers.nats, metric).toBeNull();
      } else {
        expect(Object.keys(peers), metric).toEqual(['zeromq.js']);
      }
    }

    const byMetric = new Map(rows.map((row) => [row.metric, row.peers as Record<string, number>]));
    const p50 = byMetric.get('request round trip p50')?.['zeromq.js'] ?? NaN;
    const p99 = byMetric.get('request round trip p99')?.['zeromq.js'] ?? NaN;
    expect(p99).toBeGreaterThanOrEqual(p50);
    // A Node process with four sockets: tens of MB, not bytes or gigabytes (unit check).
    const rss = byMetric.get('idle module RSS')?.['zeromq.js'] ?? NaN;
    expect(rss).toBeGreaterThan(5);
    expect(rss).toBeLessThan(1000);
  }, 120_000);
});
