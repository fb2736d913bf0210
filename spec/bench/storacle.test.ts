/**
 * `npm run bench:storacle -- --quick --json` end to end: the compiled bench
 * (built by `npm test` before vitest runs) with our store in-process and real
 * influxd, victoria-metrics and SQLite. Checks the shape of the JSON, that
 * every row has a positive figure for ours and for every peer that measures
 * it, that every system read back what it was given, and that the servers'
 * temporary folders are gone afterwards. Never the speed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { findInfluxd } from '../../tools/bench/storacle/influxdb.js';
import { findVictoriaMetrics } from '../../tools/bench/storacle/victoriametrics.js';
import { benchEntry, runBench } from '../support/bench-cli.js';

const entry = benchEntry('storacle');

/** Metric labels, in table order; the spans of the query rows are shortened by --quick. */
const METRICS = [
  'bytes/record, IEEE EU LV 1-min load shapes',
  'bytes/record, 1 Hz V/I/P at 0.01, regular',
  'bytes/record, 1 Hz V/I/P at 0.01, ±3 ms jitter',
  'ingestion, fast ack',
  'ingestion, durable ack',
  'read 2 days of 1 Hz (172,800 entries)',
  'statistics of 2 days of 1 Hz (172,800 entries)',
  'most recent entry',
  'tag query, 2 tags (all) over 10,000 points',
  'CSV export of 2 days of 1 Hz (172,800 entries)',
];
const PEERS = ['influxdb', 'sqlite', 'victoriametrics'];
/** VictoriaMetrics has no durable write mode: it has no figure in that row at all. */
const NOT_MEASURED = new Map([['ingestion, durable ack', 'victoriametrics']]);

const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;
const benchFolders = (): string[] => readdirSync(tmpdir()).filter((name) => /^gridlink-bench-(storacle|influxdb|vm|sqlite|csv)-/.test(name));

describe('bench:storacle --quick --json', () => {
  it('prints one JSON object whose every row has positive figures for ours and each peer, from data read back intact', async () => {
    expect(existsSync(entry), `${entry} missing: run npm run build first`).toBe(true);
    const foldersBefore = new Set(benchFolders());
    const { code, stdout, stderr } = await runBench('storacle', ['--quick', '--json']);
    expect(code, stderr.slice(-3000)).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines, 'stdout must hold exactly one JSON object').toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['bench', 'machine', 'rows']);
    expect(report.bench).toBe('storacle');
    expect(report.machine).toEqual(expect.stringContaining(`cores, node ${process.version}`));

    const installed: Record<string, boolean> = {
      influxdb: findInfluxd() !== undefined,
      victoriametrics: findVictoriaMetrics() !== undefined,
      sqlite: true,
    };
    const rows = report.rows as Record<string, unknown>[];
    expect(rows.map((row) => row.metric)).toEqual(METRICS);
    for (const row of rows) {
      const metric = String(row.metric);
      expect(Object.keys(row).sort(), metric).toEqual(['better', 'goal', 'metric', 'ours', 'peers', 'unit']);
      expect(['higher', 'lower'], metric).toContain(row.better);
      expect(isPositive(row.ours), `${metric}: ours = ${String(row.ours)}`).toBe(true);
      expect(row.goal === null || isPositive(row.goal), `${metric}: goal = ${String(row.goal)}`).toBe(true);
      const peers = row.peers as Record<string, unknown>;
      const expected = PEERS.filter((p) => NOT_MEASURED.get(metric) !== p);
      expect(Object.keys(peers).sort(), metric).toEqual(expected);
      for (const peer of expected) {
        if (installed[peer]) expect(isPositive(peers[peer]), `${metric}: ${peer} = ${String(peers[peer])}`).toBe(true);
        else expect(peers[peer], `${metric}: ${peer} is not installed`).toBeNull();
      }
    }

    // Units: a compressed record is bytes, not kilobytes or bits; SQLite stores at least the 8-byte double.
    const bytes = rows.filter((row) => String(row.metric).startsWith('bytes/record'));
    for (const row of bytes) {
      expect(row.ours as number, String(row.metric)).toBeLessThan(20);
      expect((row.peers as Record<string, number>).sqlite, String(row.metric)).toBeGreaterThan(8);
    }
    expect(stderr).toContain('data checks: every system read back what it was given');
    expect(stderr).not.toContain('DATA CHECK FAILED');
    // Every server stopped and its temporary folder deleted.
    expect(benchFolders().filter((name) => !foldersBefore.has(name))).toEqual([]);
  }, 170_000);
});
