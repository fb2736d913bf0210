/**
 * `npm run bench:provision -- --quick --json` end to end: the compiled bench
 * (built by `npm test` before vitest runs) installs and upgrades a chain of
 * four apps through a real AppManager under a real `gridlink up`, and by hand.
 * Checks the shape of the JSON and that both columns hold positive figures;
 * never the speed.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchEntry, runBench } from '../support/bench-cli.js';

const entry = benchEntry('provision');

const GOALS: Record<string, number> = { 'install chain of 4 p50': 2000, 'upgrade unavailable p50': 1000 };
const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('bench:provision --quick --json', () => {
  it('prints one JSON object with both rows, and positive figures for ours and by hand', async () => {
    expect(existsSync(entry), `${entry} missing: run npm run build first`).toBe(true);
    const { code, stdout, stderr } = await runBench('provision', ['--quick', '--json']);
    expect(code, stderr).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines, 'stdout must hold exactly one JSON object').toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(report.bench).toBe('provision');
    const rows = report.rows as Record<string, unknown>[];
    expect(rows.map((row) => row.metric)).toEqual(Object.keys(GOALS));
    for (const row of rows) {
      const metric = String(row.metric);
      expect(row.unit, metric).toBe('ms');
      expect(row.goal, metric).toBe(GOALS[metric]);
      expect(isPositive(row.ours), `${metric}: ours = ${String(row.ours)}\n${stderr}`).toBe(true);
      const peers = row.peers as Record<string, unknown>;
      expect(Object.keys(peers), metric).toEqual(['by hand']);
      expect(isPositive(peers['by hand']), `${metric}: by hand = ${String(peers['by hand'])}\n${stderr}`).toBe(true);
    }
  }, 180_000);
});
