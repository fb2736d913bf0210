/**
 * `gridlink assess` as the built CLI on the output of `gridlink simulate`: a feeder whose
 * recorded switch states are right is verified and every building assigned (least squares
 * finds the simulator's ground truth); a feeder with one switch recorded in the wrong state is
 * refused with SSD's verdict naming that switch (exit 3, nothing assigned); --buildings and
 * --mp-map; errors name the file and line of a bad CSV row, a missing folder, a bad option.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './helpers.js';

interface Report {
  monitoringPoints: { id: string; name: string; dataPoint: string; subBranches: string[] }[];
  skippedMonitoringPoints: string[];
  buildings: number;
  slots: number;
  stepMs: number;
  verdict: { consistent: boolean; switches: { switchId: string; name: string; consistent: boolean; recordedOpen: boolean; supportedOpen: boolean }[] };
  assigned: boolean;
  results: { method: string; accuracy?: { judged: number; correct: number; share: number }; assignments: { building: string; monitoringPoint?: string; assigned: boolean; runnerUp?: string }[] }[];
  truth?: { flips: { switchId: string; name: string }[]; flipsCaught: number };
}

// Seed 2 at 60 buildings: a feeder where one flipped switch is visible to the monitoring points.
const FEEDER = ['--buildings', '60', '--seed', '2', '--switches', '8', '--monitoring-points', '6', '--days', '1', '--quiet'];

let root: string;
let good: string;
let flipped: string;

beforeAll(async () => {
  assertCliBuilt();
  root = mkdtempSync(join(tmpdir(), 'gridlink-cli-assess-'));
  good = join(root, 'good');
  flipped = join(root, 'flipped');
  const [a, b] = await Promise.all([runCli(['simulate', '--out', good, ...FEEDER], {}, 30_000), runCli(['simulate', '--out', flipped, ...FEEDER, '--flip', '1'], {}, 30_000)]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function parse(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

describe('gridlink assess', () => {
  it('verifies a correctly recorded feeder and assigns every building to its ground-truth point (least squares)', async () => {
    const run = await runCli(['assess', good, '--profiles', join(good, 'profiles'), '--truth', join(good, 'feeder.json'), '--method', 'least-squares,iterative', '--json'], {}, 30_000);
    expect(run.code, run.stderr).toBe(0);
    const report = parse(run.stdout);
    const truth = JSON.parse(readFileSync(join(good, 'feeder.json'), 'utf8')) as { monitoringPoints: { id: string }[] };
    expect(report.monitoringPoints.map((point) => point.id)).toEqual(truth.monitoringPoints.map((point) => point.id));
    expect(report.buildings).toBe(60);
    expect(report.slots).toBe(1440);
    expect(report.verdict.consistent).toBe(true);
    expect(report.verdict.switches).toHaveLength(8);
    expect(report.assigned).toBe(true);
    expect(report.results.map((result) => result.method)).toEqual(['least-squares', 'iterative']);
    const [leastSquares, iterative] = report.results;
    expect(leastSquares!.assignments).toHaveLength(60);
    expect(leastSquares!.accuracy!.judged).toBe(60);
    expect(leastSquares!.accuracy!.share).toBeGreaterThanOrEqual(0.95);
    expect(iterative!.accuracy!.share).toBeGreaterThan(0.5);
    expect(report.truth).toEqual({ flips: [], flipsCaught: 0 });
  });

  it('prints a readable report with the verdict per switch and the accuracy', async () => {
    const run = await runCli(['assess', good, '--profiles', join(good, 'profiles'), '--truth', join(good, 'feeder.json'), '--method', 'least-squares'], {}, 30_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/6 monitoring points, 60 buildings, 1440 slots of 60 s from 2026-01-05T00:00:00\.000Z/);
    expect(run.stdout).toMatch(/SSD: the recorded switch states are CONSISTENT/);
    expect(run.stdout).toMatch(/^Switch 1 +(open|closed) +(open|closed) +yes/m);
    expect(run.stdout).toMatch(/assignment \(least-squares, \d+ ms\): \d+ of 60 buildings correct/);
  });

  it('refuses a feeder with a switch recorded in the wrong state: the verdict names it, exit 3, nothing assigned', async () => {
    const run = await runCli(['assess', flipped, '--profiles', join(flipped, 'profiles'), '--truth', join(flipped, 'feeder.json'), '--json'], {}, 30_000);
    expect(run.code, run.stderr).toBe(3);
    const report = parse(run.stdout);
    expect(report.verdict.consistent).toBe(false);
    expect(report.assigned).toBe(false);
    expect(report.results).toEqual([]);
    expect(report.truth!.flips).toHaveLength(1);
    expect(report.truth!.flipsCaught).toBe(1);
    const flip = report.truth!.flips[0]!;
    const flagged = report.verdict.switches.filter((one) => !one.consistent);
    expect(flagged.map((one) => one.switchId)).toEqual([flip.switchId]);
    expect(flagged[0]!.supportedOpen).toBe(!flagged[0]!.recordedOpen);

    const text = await runCli(['assess', flipped, '--profiles', join(flipped, 'profiles')], {}, 30_000);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`SSD: the recorded switch states are INCONSISTENT`);
    expect(text.stdout).toMatch(new RegExp(`^${flip.name} .* NO `, 'm'));
    expect(text.stdout).toMatch(/no assignment: only a verified topology is used/);

    const forced = parse((await runCli(['assess', flipped, '--profiles', join(flipped, 'profiles'), '--force', '--json'], {}, 30_000)).stdout);
    expect(forced.assigned).toBe(true);
    expect(forced.results[0]!.assignments).toHaveLength(60);
  });

  it('takes the buildings from --buildings and monitoring points renamed by --mp-map', async () => {
    // The profiles of one monitoring point under another name, mapped back by --mp-map.
    const profiles = join(root, 'renamed');
    cpSync(join(good, 'profiles'), profiles, { recursive: true });
    const truth = JSON.parse(readFileSync(join(good, 'feeder.json'), 'utf8')) as { monitoringPoints: { id: string; dataPoint: string }[] };
    const mp = truth.monitoringPoints[1]!;
    cpSync(join(profiles, `${mp.dataPoint}.csv`), join(profiles, 'meter-x.csv'));
    rmSync(join(profiles, `${mp.dataPoint}.csv`));
    const map = join(root, 'mps.json');
    writeFileSync(map, JSON.stringify({ [mp.id]: 'meter-x' }));
    const run = await runCli(['assess', good, '--profiles', profiles, '--mp-map', map, '--buildings', 'feeder2.building1*.p,feeder2.building2.p', '--method', 'least-squares', '--json'], {}, 30_000);
    expect(run.code, run.stderr).toBe(0);
    const report = parse(run.stdout);
    expect(report.monitoringPoints.find((point) => point.id === mp.id)?.dataPoint).toBe('meter-x');
    expect(report.skippedMonitoringPoints).toEqual([]);
    // building1, building10..19 and building2.
    expect(report.buildings).toBe(12);
    expect(report.results[0]!.assignments.map((one) => one.building).sort()).toContain('feeder2.building2.p');

    // Without the map, that point has no profile file: it is left out and said so.
    const unmapped = parse((await runCli(['assess', good, '--profiles', profiles, '--buildings', 'feeder2.building*', '--json'], {}, 30_000)).stdout);
    expect(unmapped.skippedMonitoringPoints).toEqual([expect.stringContaining(`no profile file ${mp.dataPoint}.csv`)]);
  });

  it('names the file and line of a bad CSV row, a missing folder, a bad option', async () => {
    const profiles = join(root, 'bad');
    cpSync(join(good, 'profiles'), profiles, { recursive: true });
    const file = join(profiles, 'feeder2.building7.p.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[5] = '1767571440000;0.5';
    writeFileSync(file, lines.join('\n'));
    const bad = await runCli(['assess', good, '--profiles', profiles], {}, 30_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${file}:6: expected "timestamp_ms,value", got "1767571440000;0.5"`);

    const missing = await runCli(['assess', good, '--profiles', join(root, 'nothing-here')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--profiles .*nothing-here: no such folder/);

    const noCim = await runCli(['assess', join(root, 'no-cim'), '--profiles', join(good, 'profiles')]);
    expect(noCim.code).toBe(1);
    expect(noCim.stderr).toMatch(/no-cim/);

    const method = await runCli(['assess', good, '--profiles', join(good, 'profiles'), '--method', 'guess']);
    expect(method.code).toBe(2);
    expect(method.stderr).toMatch(/unknown method "guess"/);

    const help = await runCli(['assess', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/gridlink assess sim\/ --profiles sim\/profiles --truth sim\/feeder\.json/);
    expect(help.stdout).toMatch(/Exit codes: 0 verified and assigned; 3/);
  });
});
