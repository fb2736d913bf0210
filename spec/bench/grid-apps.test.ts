/**
 * `npm run bench:grid-apps -- --quick --json` end to end: the compiled
 * bench (built by `npm test` before vitest runs) assigns the IEEE European
 * LV feeder's 55 buildings and simulated feeders' buildings with all four
 * methods, runs the numpy peers on the same exported numbers, and checks
 * switch state detection and the naive baseline on simulated feeders with
 * flipped switches. Checks the report's shape and that every figure is a
 * real number in its range; never a goal, never the speed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../../tools/bench/grid-model/paths.js';
import { pythonUnavailable } from '../../tools/bench/grid-model/python.js';
import { benchEntry, runBench } from '../support/bench-cli.js';

const entry = benchEntry('grid-apps');
const METHODS = ['pearson', 'spearman', 'iterative', 'least-squares'];
/** The method each peer stands beside. */
const PEER_OF: Record<string, string> = { pearson: 'numpy-pearson', 'least-squares': 'numpy-lstsq' };

/** Metric → [unit, better, peers measuring it]; labels of --quick (its sizes). */
const ROWS: [string, string, string, string[]][] = [
  ...['1 min', '15 min'].flatMap((resolution) =>
    METHODS.map((method): [string, string, string, string[]] => [
      `IEEE LV, 6 MPs, 5 % noise, ${resolution}: ${method}`,
      '% correct',
      'higher',
      PEER_OF[method] ? [PEER_OF[method]!] : [],
    ]),
  ),
  ...METHODS.map((method): [string, string, string, string[]] => [
    `run time per assignment, 55 buildings × 1,440 slots, 54 MPs: ${method}`,
    'ms',
    'lower',
    PEER_OF[method] ? [PEER_OF[method]!] : [],
  ]),
  ...METHODS.map((method): [string, string, string, string[]] => [
    `2 simulated feeders × 60 buildings, 10 MPs, 1 day, 3 % noise: ${method}`,
    '% correct',
    'higher',
    PEER_OF[method] ? [PEER_OF[method]!] : [],
  ]),
  ["SSD detected (flagged, or among a flagged switch's equivalents), single flips, observable flips only (3 simulated feeders)", '%', 'higher', ['naive-ssd']],
  ['SSD detected (flagged or equivalent), two switches flipped (two singles or a tie + switch pair), observable only', '%', 'higher', ['naive-ssd']],
  ['SSD located exactly (the flipped switch itself flagged), single flips, observable only', '%', 'higher', ['naive-ssd']],
  ['SSD located exactly (the flipped switch itself flagged), two switches flipped, observable only', '%', 'higher', ['naive-ssd']],
  ['SSD flipped switches no MP can see (left out above)', 'switches', 'lower', ['naive-ssd']],
  ['SSD false alarms, runs without flips (share of switches flagged)', '%', 'lower', ['naive-ssd']],
  ['SSD false alarms, unflipped switches of flipped runs (flagged, with no flipped switch among its equivalents)', '%', 'lower', ['naive-ssd']],
  ['SSD run time per verification (median)', 'ms', 'lower', ['naive-ssd']],
];

const inRange = (value: unknown, unit: string): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && (unit.startsWith('%') ? value <= 100 : true);
const benchFolders = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('gridlink-bench-grid-apps-'));

describe('bench:grid-apps --quick --json', () => {
  it('prints one JSON object with every figure of ours and the peers in range', async () => {
    expect(existsSync(entry), `${entry} missing: run npm run build first`).toBe(true);
    expect(existsSync(join(sharedDataDir(), 'ieee_eu_lv', 'Lines.txt')), `no IEEE feeder in ${sharedDataDir()}`).toBe(true);
    const foldersBefore = new Set(benchFolders());
    const { code, stdout, stderr } = await runBench('grid-apps', ['--quick', '--json']);
    expect(code, stderr.slice(-3000)).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines, 'stdout must hold exactly one JSON object').toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['bench', 'machine', 'rows']);
    expect(report.bench).toBe('grid-apps');
    expect(report.machine).toEqual(expect.stringContaining(`cores, node ${process.version}`));

    const numpy = pythonUnavailable(['numpy']) === undefined;
    const rows = report.rows as Record<string, unknown>[];
    expect(rows.map((row) => row.metric)).toEqual(ROWS.map(([metric]) => metric));
    rows.forEach((row, i) => {
      const [metric, unit, better, peers] = ROWS[i]!;
      expect(Object.keys(row).sort(), metric).toEqual(['better', 'goal', 'metric', 'ours', 'peers', 'unit']);
      expect(row.unit, metric).toBe(unit);
      expect(row.better, metric).toBe(better);
      expect(inRange(row.ours, unit), `${metric}: ours = ${String(row.ours)}\n${stderr.slice(-2000)}`).toBe(true);
      const figures = row.peers as Record<string, unknown>;
      expect(Object.keys(figures), metric).toEqual(peers);
      for (const peer of peers) {
        if (peer.startsWith('numpy') && !numpy) expect(figures[peer], `${metric}: ${peer} without numpy`).toBeNull();
        else expect(inRange(figures[peer], unit), `${metric}: ${peer} = ${String(figures[peer])}`).toBe(true);
      }
    });
    // Time rows are real measurements, not a zero from a skipped step.
    for (const row of rows.filter((r) => r.unit === 'ms')) expect(row.ours as number, String(row.metric)).toBeGreaterThan(0);
    // The shares are of whole buildings: 55 per IEEE case, so a multiple of 100/55.
    const ieee = rows.filter((row) => String(row.metric).startsWith('IEEE LV'));
    for (const row of ieee) expect(Math.abs(((row.ours as number) * 55) / 100 - Math.round(((row.ours as number) * 55) / 100)), String(row.metric)).toBeLessThan(0.01);
    // The temporary folder with the exported profiles is gone.
    expect(benchFolders().filter((name) => !foldersBefore.has(name))).toEqual([]);
  }, 60_000);
});
