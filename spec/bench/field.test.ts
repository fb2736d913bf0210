/**
 * `npm run bench:field -- --quick --json` end to end: the compiled bench (built by `npm test`
 * before vitest runs) with the RTU in the bench process, the iec104-gateway and storage as real
 * processes, scapy, tshark and SQLite. Checks the shape of the JSON, that every row has a
 * positive figure for ours and for each peer that measures it (a figure is only given when the
 * run's checks held: storage holds every measurement sent, every decoder read the values that
 * were encoded, every alarm evaluator made the same raises and clears, both Modbus clients read
 * the registers the server holds), and that the temporary folders are gone. Never the speed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { findTshark, scapyUnavailable } from '../../tools/bench/field/decode.js';
import { pymodbusUnavailable } from '../../tools/bench/field/modbus-rows.js';
import { benchEntry, runBench } from '../support/bench-cli.js';

const entry = benchEntry('field');

const METRICS = [
  'IEC 104 RTU → gateway → storage, M_ME_TF_1 × 10/ASDU',
  'IEC 104 RTU → gateway → storage, M_ME_NC_1 × 1/ASDU',
  'IEC 104 decode only, M_ME_TF_1 × 10/ASDU',
  'IEC 104 decode only, M_ME_NC_1 × 1/ASDU',
  'alarm rules, 1,000 points, threshold + rate',
  'Modbus TCP FC3 × 100 registers, pymodbus 3.0 server',
  'Modbus TCP FC3 × 1 register, pymodbus 3.0 server',
  'Modbus TCP FC3 × 100 registers, in-process responder',
  'Modbus TCP FC3 × 1 register, in-process responder',
];
const DECODE_PEERS = ['scapy', 'tshark'];
const ALARM_PEERS = ['js-closures', 'sqlite-triggers'];
const MODBUS_PEERS = ['pymodbus'];

/** The Modbus lines of one subject: "<server>, ×<quantity>" → "<reads> reads, checksum <n>" (only logged when it matched the server's registers). */
function modbusChecksums(stderr: string, subject: string): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = new RegExp(`\\] ${subject}: Modbus FC3 reads, (pymodbus server|in-process responder): ×(\\d+): ([\\d,]+) reads, .* checksum (\\d+) \\(as the server holds\\)`, 'g');
  for (const match of stderr.matchAll(pattern)) found.set(`${match[1]}, ×${match[2]}`, `${match[3]} reads, checksum ${match[4]}`);
  return found;
}

const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;
const benchFolders = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('gridlink-bench-field-'));

describe('bench:field --quick --json', () => {
  it('prints one JSON object whose every row has positive figures for ours and each peer, from checked runs', async () => {
    expect(existsSync(entry), `${entry} missing: run npm run build first`).toBe(true);
    const foldersBefore = new Set(benchFolders());
    const { code, stdout, stderr } = await runBench('field', ['--quick', '--json']);
    expect(code, stderr.slice(-3000)).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines, 'stdout must hold exactly one JSON object').toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['bench', 'machine', 'rows']);
    expect(report.bench).toBe('field');

    const hasPymodbus = pymodbusUnavailable() === undefined;
    const installed: Record<string, boolean> = {
      scapy: scapyUnavailable() === undefined,
      tshark: findTshark() !== undefined,
      'js-closures': true,
      'sqlite-triggers': true,
      pymodbus: hasPymodbus,
    };
    const rows = report.rows as Record<string, unknown>[];
    expect(rows.map((row) => row.metric)).toEqual(METRICS);
    for (const row of rows) {
      const metric = String(row.metric);
      expect(Object.keys(row).sort(), metric).toEqual(['better', 'goal', 'metric', 'ours', 'peers', 'unit']);
      expect(row.better, metric).toBe('higher');
      // Ours needs the pymodbus server for its rows against it; the in-process responder is always there.
      if (metric.endsWith('pymodbus 3.0 server') && !hasPymodbus) expect(row.ours, `${metric}: pymodbus is not installed`).toBeNull();
      else expect(isPositive(row.ours), `${metric}: ours = ${String(row.ours)}`).toBe(true);
      const peers = row.peers as Record<string, unknown>;
      const expected = metric.startsWith('alarm') ? ALARM_PEERS : metric.startsWith('Modbus') ? MODBUS_PEERS : DECODE_PEERS;
      expect(Object.keys(peers).sort(), metric).toEqual(expected);
      for (const peer of expected) {
        if (installed[peer]) expect(isPositive(peers[peer]), `${metric}: ${peer} = ${String(peers[peer])}`).toBe(true);
        else expect(peers[peer], `${metric}: ${peer} is not installed`).toBeNull();
      }
    }
    expect(rows[0]?.goal).toBe(20_000);
    expect(rows[4]?.goal).toBe(200_000);
    // The end-to-end runs stored everything (else ours would be null) and said so.
    expect(stderr).toMatch(/batched: 40000 measurements in 4000 ASDUs stored in/);
    expect(stderr).toMatch(/single: 40000 measurements in 40000 ASDUs stored in/);
    expect(stderr).toMatch(/raises and clears \(same as core\/alarms\)/);
    expect(rows.slice(5).map((row) => row.goal)).toEqual([null, null, null, null]);
    // Both Modbus clients made the same reads per row and read the same registers (each checksum
    // is only logged when it equals the one of the server's registers).
    const shapes = ['in-process responder, ×100', 'in-process responder, ×1', ...(hasPymodbus ? ['pymodbus server, ×100', 'pymodbus server, ×1'] : [])].sort();
    const ours = modbusChecksums(stderr, 'ours');
    expect([...ours.keys()].sort()).toEqual(shapes);
    if (hasPymodbus) {
      expect(stderr).toMatch(/the server answers pipelined requests: ours keeps 16 in flight/);
      expect(modbusChecksums(stderr, 'pymodbus')).toEqual(ours);
    }
    expect(benchFolders().filter((name) => !foldersBefore.has(name))).toEqual([]);
  }, 120_000);
});
