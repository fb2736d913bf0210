/**
 * `gridlink simulate` as the built CLI (node bin/gridlink.js): CSV output with
 * its summary, --help and bad options, and --storage against a real storage
 * module process, checked with GetDataPoints and GetEntriesOfTimeSpan.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetDataPoints, GetEntriesOfTimeSpan } from '../../schemas/generated/messages.js';
import { parseProfileCsv } from '../../tools/simulate/csv-sink.js';
import { removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { ask, newDomain, startStorage } from '../storage/helpers.js';
import { killAll } from '../support/processes.js';
import { assertCliBuilt, jsonLines, runCli } from './helpers.js';

let root: string;
beforeAll(() => {
  assertCliBuilt();
  root = mkdtempSync(join(tmpdir(), 'gridlink-cli-simulate-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('gridlink simulate (CSV)', () => {
  it('writes the CIM files, feeder.json and one CSV per data point, and prints a summary', async () => {
    const out = join(root, 'csv');
    const run = await runCli(['simulate', '--out', out, '--buildings', '20', '--days', '1'], {}, 30_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/20 buildings/);
    expect(run.stdout).toContain(join(out, 'feeder_EQ.xml'));
    expect(run.stderr).toMatch(/simulate: profiles \d+\/\d+/);
    for (const file of ['feeder_EQ.xml', 'feeder_SSH.xml', 'feeder.json']) expect(existsSync(join(out, file)), file).toBe(true);
    const truth = JSON.parse(readFileSync(join(out, 'feeder.json'), 'utf8')) as { buildings: unknown[]; monitoringPoints: { dataPoint: string }[] };
    expect(truth.buildings).toHaveLength(20);
    const csv = readdirSync(join(out, 'profiles'));
    expect(csv).toHaveLength(20 + truth.monitoringPoints.length);
    const mp = parseProfileCsv(readFileSync(join(out, 'profiles', `${truth.monitoringPoints[0]!.dataPoint}.csv`), 'utf8'));
    expect(mp.values.length).toBe(1440);
  });

  it('prints the summary as JSON with --json and nothing on stderr with --quiet', async () => {
    const out = join(root, 'json');
    const run = await runCli(['simulate', '--out', out, '--buildings', '6', '--days', '0.5', '--step-s', '900', '--gap-rate', '0.1', '--seed', '77', '--json', '--quiet'], {}, 30_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const [summary] = jsonLines(run.stdout) as { seed: number; buildings: number; samplesPerProfile: number; entries: number; files: string[] }[];
    expect(summary).toMatchObject({ seed: 77, buildings: 6, samplesPerProfile: 48 });
    expect(summary!.entries).toBe((summary!.files.length - 3) * Math.round(48 * 0.9));
    expect(summary!.files.some((file) => file.endsWith('feeder77.building6.p.csv'))).toBe(true);
  });

  it('explains itself with --help and refuses bad options with exit code 2', async () => {
    const help = await runCli(['simulate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/--monitoring-points/);
    expect(help.stdout).toMatch(/--storage/);
    for (const args of [['--buildings', '0'], ['--gap-rate', '2'], ['--days', '-1'], ['--pv-share', 'x']]) {
      const bad = await runCli(['simulate', '--out', join(root, 'bad'), ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(new RegExp(args[0]!));
    }
    const missing = await runCli(['simulate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--out/);
  });
});

describe('gridlink simulate --storage', () => {
  let domain: Domain;
  let peer: TestPeer;

  beforeAll(async () => {
    domain = await newDomain('cli-simulate');
    peer = await TestPeer.start(domain);
    await startStorage(peer, domain, { inMemory: true });
  }, 30_000);

  afterAll(async () => {
    await killAll();
    await peer?.close();
    removeTempDirs();
  });

  it('creates the data points with their tags and adds every entry', async () => {
    const out = join(root, 'storage');
    const run = await runCli(
      ['simulate', '--out', out, '--buildings', '4', '--switches', '2', '--monitoring-points', '2', '--days', '1', '--step-s', '300', '--gap-rate', '0.05', '--seed', '31', '--storage', '--window', '64', '--port', String(domain.port), '--cluster', domain.cluster, '--json', '--quiet'],
      {},
      30_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const [summary] = jsonLines(run.stdout) as { entries: number; buildings: number; monitoringPoints: number }[];
    expect(summary).toMatchObject({ buildings: 4, monitoringPoints: 2, entries: 6 * Math.round(288 * 0.95) });
    expect(existsSync(join(out, 'profiles'))).toBe(false);

    const points = await ask(peer, GetDataPoints, { tags: ['feeder:31'], match: 'Any' });
    const names = (points.dataPoints ?? []).map((point) => point.name);
    expect(names).toEqual(['feeder31.building1.p', 'feeder31.building2.p', 'feeder31.building3.p', 'feeder31.building4.p', 'feeder31.mp1.p', 'feeder31.mp2.p']);
    const mps = await ask(peer, GetDataPoints, { tags: ['mp', 'feeder:31'], match: 'All' });
    expect((mps.dataPoints ?? []).map((point) => point.name)).toEqual(['feeder31.mp1.p', 'feeder31.mp2.p']);
    for (const point of points.dataPoints ?? []) {
      expect(Number(point.entryCount), point.name).toBe(Math.round(288 * 0.95));
      expect(point.unit).toBe('kW');
    }

    // The entries are those the same run writes as CSV.
    const csvOut = join(root, 'storage-csv');
    const csvRun = await runCli(['simulate', '--out', csvOut, '--buildings', '4', '--switches', '2', '--monitoring-points', '2', '--days', '1', '--step-s', '300', '--gap-rate', '0.05', '--seed', '31', '--quiet'], {}, 30_000);
    expect(csvRun.code, csvRun.stderr).toBe(0);
    for (const name of ['feeder31.building2.p', 'feeder31.mp1.p']) {
      const reply = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: name, limit: 0 });
      const csv = parseProfileCsv(readFileSync(join(csvOut, 'profiles', `${name}.csv`), 'utf8'));
      expect((reply.entries ?? []).map((entry) => entry.timestampMs)).toEqual([...csv.timestamps]);
      expect((reply.entries ?? []).map((entry) => entry.value)).toEqual([...csv.values]);
    }
  }, 60_000);

  it('fails with exit code 1 when no storage module answers', async () => {
    const run = await runCli(['simulate', '--out', join(root, 'nobody'), '--buildings', '2', '--days', '0.1', '--storage', '--port', String(domain.port), '--cluster', `${domain.cluster}-empty`, '--discover-ms', '500', '--quiet'], {}, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no running module holds role "storage"/);
  });
});
