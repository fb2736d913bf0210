/**
 * GRM's GetVerifiedGrid without SSD on the bus: a simulated feeder in a real storage module, the
 * GRM asked for the verified grid over the simulated day. With requireVerification (the
 * default) it passes on nothing: valid=false, a reason naming SSD, empty profile lists, and a
 * GridVerified on grm/events saying the same. With requireVerification false it passes the
 * topology on unverified, with the aligned profiles and the residuals GetGridProfiles serves.
 * The branches where SSD answers are in spec/scda/sequence.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetGridProfiles, GetGridTopology, GetVerifiedGrid, GridVerified, type GridTopologyReply } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage } from '../storage/helpers.js';
import { ask, askError, simulateToStorage, startGridModule } from '../grm/helpers.js';

const SIMULATION = ['--buildings', '16', '--days', '1', '--seed', '11'];
const SSD_TIMEOUT_MS = 1500;

let domain: Domain;
let peer: TestPeer;
let simDir: string;
let fromMs: number;
let toMs: number;
const verified: GridVerified[] = [];

beforeAll(async () => {
  domain = await newDomain('scda-grm');
  peer = await TestPeer.start(domain);
  peer.bus.subscribe('grm/events', (delivery) => {
    if (delivery.type === GridVerified.name) verified.push(GridVerified.decode(delivery.body));
  });
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  simDir = await simulateToStorage(domain, SIMULATION);
  const grid = (JSON.parse(readFileSync(join(simDir, 'feeder.json'), 'utf8')) as { grid: { startMs: number; stepMs: number; samples: number } }).grid;
  fromMs = grid.startMs;
  toMs = grid.startMs + grid.samples * grid.stepMs;
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('GetVerifiedGrid without SSD', () => {
  it('passes on no topology when verification is required, saying SSD is unavailable', async () => {
    await startGridModule(peer, domain, 'grm', { cimFiles: simDir, ssdTimeoutMs: SSD_TIMEOUT_MS });
    const topology: GridTopologyReply = await ask(peer, 'grm', GetGridTopology, { summaryOnly: true });
    const reply = await ask(peer, 'grm', GetVerifiedGrid, { fromMs, toMs, stepMs: 0, maxInterpolateMs: -1 });
    expect(reply.valid).toBe(false);
    expect(reply.reason).toMatch(/^SSD unavailable: no module holds role ssd/);
    expect(reply.reason).toMatch(/requireVerification/);
    expect(reply.profiles ?? []).toEqual([]);
    expect(reply.residuals ?? []).toEqual([]);
    expect(reply.verdict).toBeUndefined();
    expect(reply.version).toBe(topology.version);
    expect((reply.monitoringPoints ?? []).map((point) => point.id)).toEqual((topology.monitoringPoints ?? []).map((point) => point.id));
    const event = await until(() => verified.find((one) => !one.valid), 'GridVerified valid=false on grm/events');
    expect(event).toMatchObject({ version: topology.version, valid: false, fromMs, toMs, reason: reply.reason });
    expect(event.inconsistentSwitches ?? []).toEqual([]);
  });

  it('refuses a bad span with InvalidArgument before asking anyone', async () => {
    const error = await askError(peer, 'grm', GetVerifiedGrid, { fromMs: toMs, toMs: fromMs, stepMs: 0, maxInterpolateMs: -1 });
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toMatch(/inverted/);
  });

  it('passes the topology on unverified, with profiles and residuals, when verification is not required', { timeout: 60_000 }, async () => {
    // A second substation of its own, so the first GRM (which requires verification) answers nobody here.
    await killAll();
    await peer.close();
    verified.length = 0;
    domain = await newDomain('scda-grm-unverified');
    peer = await TestPeer.start(domain);
    peer.bus.subscribe('grm/events', (delivery) => {
      if (delivery.type === GridVerified.name) verified.push(GridVerified.decode(delivery.body));
    });
    await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
    await simulateToStorage(domain, SIMULATION);
    await startGridModule(peer, domain, 'grm', { cimFiles: simDir, ssdTimeoutMs: SSD_TIMEOUT_MS, requireVerification: false });
    const reply = await ask(peer, 'grm', GetVerifiedGrid, { fromMs, toMs, stepMs: 900_000, maxInterpolateMs: -1 });
    expect(reply.valid).toBe(true);
    expect(reply.reason).toMatch(/^SSD unavailable: .*UNVERIFIED because requireVerification is false$/);
    const request = { fromMs, toMs, stepMs: 900_000, maxInterpolateMs: -1, residual: false };
    const aligned = (await ask(peer, 'grm', GetGridProfiles, request)).profiles ?? [];
    const residuals = (await ask(peer, 'grm', GetGridProfiles, { ...request, residual: true })).profiles ?? [];
    expect(aligned.length).toBeGreaterThan(1);
    expect(reply.profiles).toEqual(aligned);
    expect((reply.residuals ?? []).map((one) => one.id)).toEqual(residuals.map((one) => one.id));
    for (const [i, residual] of (reply.residuals ?? []).entries()) {
      const expected = residuals[i]!;
      expect([...(residual.quality ?? [])]).toEqual([...(expected.quality ?? [])]);
      (residual.values ?? []).forEach((value, k) => expect(Math.abs(value - expected.values![k]!), `${residual.id} slot ${k}`).toBeLessThan(1e-9));
    }
    // At least one residual differs from its profile: a point with measured sub-branches.
    expect((reply.residuals ?? []).some((residual, i) => residual.values!.some((value, k) => Math.abs(value - aligned[i]!.values![k]!) > 1e-6))).toBe(true);
    const event = await until(() => verified[0], 'GridVerified on grm/events');
    expect(event.valid).toBe(true);
  });
});
