/**
 * The benchmark harness in-process: a measurement that throws shows as n/a
 * while the rest of the table still prints, goals and ratios follow the
 * row's direction, and percentiles use the nearest rank.
 */
import { describe, expect, it } from 'vitest';
import { defineBenchmark, percentileOfSorted, renderTable, runBenchmark } from '../../tools/bench/harness.js';

const bench = defineBenchmark<'rate' | 'latency'>({
  name: 'selftest',
  description: 'harness self-test',
  rows: {
    rate: { metric: 'rate', unit: 'msg/s', better: 'higher', goal: (peers) => 2 * (peers.slow ?? 0), goalText: '2× slow' },
    latency: { metric: 'latency', unit: 'µs', better: 'lower', goal: 50 },
  },
  ours: {
    measurements: [
      { name: 'rate', rows: ['rate'], run: async () => ({ rate: 300 }) },
      {
        name: 'latency',
        rows: ['latency'],
        run: async () => {
          throw new Error('not wired');
        },
      },
    ],
  },
  peers: [
    { name: 'slow', measurements: [{ name: 'rate', rows: ['rate'], run: async () => ({ rate: 100 }) }] },
    {
      name: 'fast',
      measurements: [{ name: 'both', rows: ['rate', 'latency'], run: async (ctx) => ({ rate: 200 + ctx.run, latency: 40 }) }],
    },
  ],
});

describe('bench harness', () => {
  it('reports n/a for a throwing measurement and computes goals, ratios and medians', async () => {
    const lines: string[] = [];
    const { report, notes } = await runBenchmark(bench, { quick: true, runs: 3, log: (line) => lines.push(line) });
    expect(report.bench).toBe('selftest');
    expect(report.rows).toEqual([
      { metric: 'rate', unit: 'msg/s', better: 'higher', ours: 300, peers: { slow: 100, fast: 202 }, goal: 200 },
      { metric: 'latency', unit: 'µs', better: 'lower', ours: null, peers: { fast: 40 }, goal: 50 },
    ]);
    expect(notes).toEqual(['ours: latency: not wired']);
    expect(lines.some((line) => line.includes('FAILED: not wired'))).toBe(true);

    const table = renderTable(bench, report, notes);
    const rate = table.split('\n').find((line) => line.startsWith('rate')) ?? '';
    expect(rate).toMatch(/300\s+100\s+202\s+200\s+1\.49× fast\s+yes$/);
    const latency = table.split('\n').find((line) => line.startsWith('latency')) ?? '';
    expect(latency).toMatch(/n\/a\s+—\s+40\.0\s+50\.0\s+—\s+—$/);
  });

  it('leaves out subjects by --only and rejects unknown names', async () => {
    const { report } = await runBenchmark(bench, { quick: true, only: ['slow'], log: () => {} });
    expect(report.rows[0]?.ours).toBeNull();
    expect(report.rows[0]?.peers).toEqual({ slow: 100, fast: null });
    await expect(runBenchmark(bench, { quick: true, only: ['nobody'], log: () => {} })).rejects.toThrow(/unknown subject/);
  });

  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileOfSorted(sorted, 50)).toBe(50);
    expect(percentileOfSorted(sorted, 99)).toBe(99);
    expect(percentileOfSorted(sorted, 100)).toBe(100);
    expect(percentileOfSorted([7], 0)).toBe(7);
    expect(() => percentileOfSorted([], 50)).toThrow();
  });
});
