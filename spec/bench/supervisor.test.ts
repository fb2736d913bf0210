/**
 * `npm run bench:supervisor -- --quick --json` end to end: the compiled bench
 * (built by `npm test` before vitest runs) SIGKILLs a module under a real
 * `gridlink up` and a bare `node -e` child under the spawn loop. Checks the
 * shape of the JSON and that both columns hold real positive figures; never
 * the speed.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchEntry, runBench } from '../support/bench-cli.js';

const entry = benchEntry('supervisor');

const METRICS = ['restart visible p50', 'restart visible p99', 'crash known p50', 'crash known p99'];
const GOALS: Record<string, number | null> = {
  'restart visible p50': 250,
  'restart visible p99': null,
  'crash known p50': 100,
  'crash known p99': 100,
};

const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('bench:supervisor --quick --json', () => {
  it('prints one JSON object with every row, and positive figures for gridlink up and the spawn loop', async () => {
    expect(existsSync(entry), `${entry} missing: run npm run build first`).toBe(true);
    const { code, stdout, stderr } = await runBench('supervisor', ['--quick', '--json']);
    expect(code, stderr).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines, 'stdout must hold exactly one JSON object').toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['bench', 'machine', 'rows']);
    expect(report.bench).toBe('supervisor');
    expect(report.machine).toEqual(expect.stringContaining(`cores, node ${process.version}`));

    const rows = report.rows as Record<string, unknown>[];
    expect(rows.map((row) => row.metric)).toEqual(METRICS);
    for (const row of rows) {
      const metric = String(row.metric);
      expect(Object.keys(row).sort(), metric).toEqual(['better', 'goal', 'metric', 'ours', 'peers', 'unit']);
      expect(row.unit, metric).toBe('ms');
      expect(row.better, metric).toBe('lower');
      expect(row.goal, metric).toBe(GOALS[metric]);
      const peers = row.peers as Record<string, unknown>;
      expect(Object.keys(peers), metric).toEqual(['spawn loop']);
      expect(isPositive(peers['spawn loop']), `${metric}: spawn loop = ${String(peers['spawn loop'])}\n${stderr}`).toBe(true);
      // `gridlink up` exists: a failure to measure it is a failure of this test.
      expect(isPositive(row.ours), `${metric}: ours = ${String(row.ours)}\n${stderr}`).toBe(true);
    }

    const figure = (metric: string, subject: 'ours' | 'spawn loop'): number => {
      const row = rows.find((r) => r.metric === metric);
      const value = subject === 'ours' ? row?.ours : (row?.peers as Record<string, unknown> | undefined)?.[subject];
      return typeof value === 'number' ? value : NaN;
    };
    for (const subject of ['ours', 'spawn loop'] as const) {
      expect(figure('restart visible p99', subject)).toBeGreaterThanOrEqual(figure('restart visible p50', subject));
      expect(figure('crash known p99', subject)).toBeGreaterThanOrEqual(figure('crash known p50', subject));
      // Milliseconds, not seconds or nanoseconds: a restart takes a Node start-up (tens of ms), well under a heartbeat timeout.
      expect(figure('restart visible p50', subject)).toBeGreaterThan(5);
      expect(figure('restart visible p50', subject)).toBeLessThan(10_000);
    }
  }, 120_000);
});
