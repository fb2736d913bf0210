/**
 * The SSD module as a real `gridlink run` process on the bus: VerifyTopology with the grid data of
 * a simulated feeder (60 buildings, one day at 1 min) is answered with the same grid data and the
 * verdict — consistent for the recorded = actual states, the flipped switch named otherwise, with
 * an info log line each, and the switches it cannot tell apart as a flagged switch's equivalents;
 * bad grid data is refused with a GridErrorReply and the process lives on.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridData, VerifyTopology } from '../../schemas/generated/messages.js';
import { distPath, killAll } from '../support/processes.js';
import { domainFlags, logLine, removeTempDirs, startGridlink, tempDir, TestPeer, writeConfig, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { ask, askError } from '../grm/helpers.js';
import { simulatedCase, type SimulatedCase } from '../grid/ssd/simulated.js';
import { gridDataOf } from './grid-data.js';
import type { LineProcess } from '../support/processes.js';

let domain: Domain;
let peer: TestPeer;
let ssd: LineProcess;
let normal: SimulatedCase;
let flipped: SimulatedCase;

beforeAll(async () => {
  [normal, flipped] = await Promise.all([simulatedCase(4), simulatedCase(3, { count: 1 })]);
  domain = await newDomain('ssd-module');
  peer = await TestPeer.start(domain);
  const dir = tempDir('ssd');
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { maxFlips: 2, relativeNoise: 0.03 } });
  ssd = startGridlink(['run', distPath('actors/ssd/module.js'), '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'ssd' });
  await Promise.race([
    peer.module('ssd', ssd.pid, 30_000, ssd),
    ssd.exited.then(({ code, signal }) => {
      throw new Error(`ssd ended early (${signal ?? `exit code ${code}`}):\n${ssd.stderr.join('\n')}`);
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('the ssd module', () => {
  it('answers VerifyTopology with the grid data unchanged and a consistent verdict', async () => {
    const grid = gridDataOf(normal.recorded, normal.profiles, 7);
    const reply = await ask(peer, 'ssd', VerifyTopology, { grid }, 20_000);
    expect(reply.verdict?.consistent).toBe(true);
    expect(reply.verdict?.slots).toBe(1440);
    expect(reply.verdict?.switches).toHaveLength(normal.recorded.elements.filter((element) => element.kind === 'switch').length);
    expect(reply.verdict?.switches?.every((finding) => finding.consistent)).toBe(true);
    // The grid comes back as it was sent (compared in its encoded form).
    expect(Buffer.from(GridData.encode(reply.grid!)).equals(Buffer.from(GridData.encode(grid)))).toBe(true);
    await logLine(ssd, /topology consistent/);
  }, 30_000);

  it('names the flipped switch with the state the data supports', async () => {
    const reply = await ask(peer, 'ssd', VerifyTopology, { grid: gridDataOf(flipped.recorded, flipped.profiles, 8) }, 20_000);
    const flip = flipped.flips[0]!;
    expect(reply.verdict?.consistent).toBe(false);
    const wrong = reply.verdict?.switches?.filter((finding) => !finding.consistent) ?? [];
    expect(wrong.map((finding) => [finding.switchId, finding.recordedOpen, finding.supportedOpen])).toEqual([[flip.switchId, flip.recordedOpen, flip.actualOpen]]);
    expect(wrong[0]!.confidence).toBeGreaterThan(0.9);
    expect(reply.verdict?.scoreBest).toBeLessThan(reply.verdict!.scoreRecorded);
    expect(reply.verdict?.explanation).toContain(flip.name);
    const line = await logLine(ssd, /topology inconsistent/);
    expect(line).toContain(flip.name);
  }, 30_000);

  it('names the switches it cannot tell from the flagged one (equivalent) on the wire', async () => {
    // The bench's seed 60 (10 MPs): Switch 2 actually open, another switch on its path with no MP between.
    const series = await simulatedCase(60, { switchNames: ['Switch 2'] }, { monitoringPoints: 10 });
    const flip = series.flips[0]!;
    const reply = await ask(peer, 'ssd', VerifyTopology, { grid: gridDataOf(series.recorded, series.profiles, 9) }, 20_000);
    expect(reply.verdict?.consistent).toBe(false);
    const wrong = reply.verdict?.switches?.filter((finding) => !finding.consistent) ?? [];
    expect(wrong).toHaveLength(1);
    const named = [wrong[0]!.switchId, ...(wrong[0]!.equivalent ?? [])];
    expect(named).toContain(flip.switchId);
    expect(named.length).toBeGreaterThan(1);
    expect(reply.verdict?.explanation).toMatch(/which the monitoring points cannot tell from it/);
  }, 30_000);

  it('refuses grid data it cannot use and keeps serving', async () => {
    const grid = gridDataOf(normal.recorded, normal.profiles);
    const noProfiles = await askError(peer, 'ssd', VerifyTopology, { grid: { ...grid, profiles: [] } });
    expect(noProfiles).toMatchObject({ code: 'InvalidArgument' });
    expect(noProfiles.message).toMatch(/no profiles/);
    const badLink = await askError(peer, 'ssd', VerifyTopology, { grid: { ...grid, linkEquipment: [...grid.linkEquipment!.slice(1), 999_999] } });
    expect(badLink.message).toMatch(/outside the/);
    const shifted = grid.profiles!.map((profile, i) => (i === 1 ? { ...profile, startMs: profile.startMs + 60_000 } : profile));
    const offGrid = await askError(peer, 'ssd', VerifyTopology, { grid: { ...grid, profiles: shifted } });
    expect(offGrid).toMatchObject({ code: 'InvalidArgument', subject: grid.profiles![1]!.id });
    expect(await askError(peer, 'ssd', VerifyTopology, {})).toMatchObject({ code: 'InvalidArgument', message: 'VerifyTopology carries no grid' });
    const again = await ask(peer, 'ssd', VerifyTopology, { grid }, 20_000);
    expect(again.verdict?.consistent).toBe(true);
    const stillRunning = await Promise.race([ssd.exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 200))]);
    expect(stillRunning).toBe(true);
  }, 30_000);

  it('does not start with settings it cannot use, and says which', async () => {
    const dir = tempDir('ssd-bad');
    const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { maxFlips: 3, margin: 'big' } });
    const bad = startGridlink(['run', distPath('actors/ssd/module.js'), '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'ssd-bad' });
    const { code } = await bad.exited;
    expect(code).not.toBe(0);
    const output = [...bad.stderr, ...bad.events.map((event) => JSON.stringify(event))].join('\n');
    expect(output).toMatch(/margin/);
  }, 30_000);
});
