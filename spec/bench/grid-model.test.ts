/**
 * `npm run bench:grid-model -- --quick --json` end to end: the compiled
 * bench (built by `npm test` before vitest runs) imports the public CIM
 * files and a simulated feeder, builds the adjacency matrix, switches,
 * computes residual profiles, and runs the python3 peers (lxml, networkx,
 * numpy) on the same data. Checks the shape of the JSON, that every figure
 * is a real positive number, and that the peers computed the same answers
 * as ours; never the speed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../../tools/bench/grid-model/paths.js';
import { pythonUnavailable } from '../../tools/bench/grid-model/python.js';
import { benchEntry, runBench } from '../support/bench-cli.js';

const entry = benchEntry('grid-model');

/** Metric → [unit, better, the one peer measuring it]; labels of --quick (its sizes). */
const ROWS: [string, string, string, string][] = [
  ['CIM parse, SimBench + cimpy + simulated ~1,000-element feeder', 'MB/s', 'higher', 'lxml'],
  ['CIM parse, public files only (SimBench 2.4.15 + 3.0, cimpy)', 'MB/s', 'higher', 'lxml'],
  ['adjacency matrix, ~1,000 elements (build + dense)', 'ms', 'lower', 'networkx'],
  ['adjacency, ~1,000 elements (build + 100,000 pair queries)', 'ms', 'lower', 'networkx'],
  ['switch change, ~1,000 elements, dense matrix kept current', 'ms/change', 'lower', 'networkx'],
  ['residuals, 10 profiles × 43,200 1-min slots (align + subtract)', 'ms', 'lower', 'numpy'],
];

const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;
const benchFolders = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('gridlink-bench-grid-model-'));

describe('bench:grid-model --quick --json', () => {
  it('prints one JSON object with positive figures for ours and each peer, the peers agreeing with ours', async () => {
    expect(existsSync(entry), `${entry} missing: run npm run build first`).toBe(true);
    const foldersBefore = new Set(benchFolders());
    const { code, stdout, stderr } = await runBench('grid-model', ['--quick', '--json']);
    expect(code, stderr.slice(-3000)).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines, 'stdout must hold exactly one JSON object').toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['bench', 'machine', 'rows']);
    expect(report.bench).toBe('grid-model');
    expect(report.machine).toEqual(expect.stringContaining(`cores, node ${process.version}`));

    const installed: Record<string, boolean> = {
      lxml: pythonUnavailable(['xml.etree.ElementTree']) === undefined,
      networkx: pythonUnavailable(['networkx']) === undefined,
      numpy: pythonUnavailable(['numpy']) === undefined,
    };
    // The same lookup as the bench (GRIDLINK_SHARED_DATA, else ../shared/data beside the repository).
    const publicData = existsSync(`${sharedDataDir()}/simbench_lv_rural1_cim`);
    const rows = report.rows as Record<string, unknown>[];
    expect(rows.map((row) => row.metric)).toEqual(ROWS.map(([metric]) => metric));
    rows.forEach((row, i) => {
      const [metric, unit, better, peer] = ROWS[i]!;
      expect(Object.keys(row).sort(), metric).toEqual(['better', 'goal', 'metric', 'ours', 'peers', 'unit']);
      expect(row.unit, metric).toBe(unit);
      expect(row.better, metric).toBe(better);
      const peers = row.peers as Record<string, unknown>;
      expect(Object.keys(peers), metric).toEqual([peer]);
      const measurable = metric.includes('public files only') ? publicData : true;
      if (measurable) expect(isPositive(row.ours), `${metric}: ours = ${String(row.ours)}\n${stderr.slice(-2000)}`).toBe(true);
      else expect(row.ours, `${metric}: no public CIM files in ${sharedDataDir()}`).toBeNull();
      if (installed[peer] && measurable) expect(isPositive(peers[peer]), `${metric}: ${peer} = ${String(peers[peer])}`).toBe(true);
      else expect(peers[peer], `${metric}: ${peer} not measurable here`).toBeNull();
      // Rows with a goal compare with the fixed goal or the peers; either way a positive number when a peer ran.
      if (installed[peer] && measurable) expect(isPositive(row.goal), `${metric}: goal = ${String(row.goal)}`).toBe(true);
    });

    // Same answers: networkx's connected pairs and pair distances, numpy's residual sums and quality counts.
    if (installed.networkx) {
      expect(stderr).toMatch(/connected ordered pairs, the same as ours/);
      expect(stderr).toMatch(/distance sum -?\d+, the same as ours/);
    }
    if (installed.numpy) expect(stderr).toMatch(/interpolated slots; the same as ours/);
    expect(stderr).not.toContain('DIFFERS');
    // The temporary folder with the simulated CIM and the peers' inputs is gone.
    expect(benchFolders().filter((name) => !foldersBefore.has(name))).toEqual([]);
  }, 90_000);
});
