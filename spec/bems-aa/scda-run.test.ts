/**
 * BEMS-AA as a real process on a simulated feeder (20 buildings, one day at 1 min) in a real
 * storage module, with real GRM and BRM processes. First GRM requires SSD's verification and no
 * SSD runs: RunAssignment is refused (valid_topology=false with GRM's reason), the events say
 * so, and nothing is stored (storage's topology file list is unchanged). Then GRM is reconfigured
 * at run time to pass the topology on unverified: the assignment is computed in the worker thread,
 * GetAssignment is answered while the run is under way, and the result is stored as the JSON
 * file of actors/bems-aa/README.md, agreeing with the simulator's ground truth.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignmentEvent, GetAssignment, GetGridTopology, GetTopology, GetVerifiedGrid, SetSwitchState, RunAssignment, type AssignmentReply } from '../../schemas/generated/messages.js';
import { distPath, killAll, type LineProcess } from '../support/processes.js';
import { removeTempDirs, replaceFile, startGridlink, tempDir, TestPeer, until, writeConfig, domainFlags, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage } from '../storage/helpers.js';
import { ask, askError, simulateToStorage, startGridModule, type RunningModule, type SimulatedTruth } from '../grm/helpers.js';

const SIMULATION = ['--buildings', '20', '--days', '1', '--seed', '5'];

let domain: Domain;
let peer: TestPeer;
let truth: SimulatedTruth;
let fromMs: number;
let toMs: number;
let grm: RunningModule;
let simDir: string;
let bemsAa: LineProcess;
const events: AssignmentEvent[] = [];

async function storedFiles(): Promise<string[]> {
  const reply = await peer.bus.request('storage', GetTopology, { tags: [], match: 'Any' }, GetTopology.reply, { timeoutMs: 5000 });
  return reply.files ?? [];
}

beforeAll(async () => {
  domain = await newDomain('bems-aa');
  peer = await TestPeer.start(domain);
  peer.bus.subscribe('bems-aa/events', (delivery) => {
    if (delivery.type === AssignmentEvent.name) events.push(AssignmentEvent.decode(delivery.body));
  });
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  simDir = await simulateToStorage(domain, SIMULATION);
  truth = JSON.parse(readFileSync(join(simDir, 'feeder.json'), 'utf8')) as SimulatedTruth;
  fromMs = truth.grid.startMs;
  toMs = truth.grid.startMs + truth.grid.samples * truth.grid.stepMs;
  grm = await startGridModule(peer, domain, 'grm', { cimFiles: simDir, ssdTimeoutMs: 1000 });
  await startGridModule(peer, domain, 'brm', {});
  const dir = tempDir('bems-aa');
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { grmTimeoutMs: 10_000, brmTimeoutMs: 10_000 } });
  bemsAa = startGridlink(['run', distPath('actors/bems-aa/module.js'), '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'bems-aa' });
  await peer.module('bems-aa', bemsAa.pid, 30_000, bemsAa);
}, 90_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('BEMS-AA without a verified topology', () => {
  it('refuses, says why, publishes the steps and stores nothing', async () => {
    const before = await storedFiles();
    const reply = await ask(peer, 'bems-aa', RunAssignment, { fromMs, toMs, stepMs: 0, method: '' }, 20_000);
    expect(reply.validTopology).toBe(false);
    expect(reply.reason).toMatch(/^no verified topology: SSD unavailable/);
    expect(reply.stored).toBe(false);
    expect(reply.assignments ?? []).toEqual([]);
    expect(reply.method).toBe('iterative');
    const steps = await until(() => {
      const mine = events.filter((e) => e.runId === reply.runId).map((e) => e.step);
      return mine.includes('refused') ? mine : undefined;
    }, 'the refused event');
    expect(steps).toEqual(['asked-grm', 'asked-brm', 'refused']);
    expect(await storedFiles()).toEqual(before);
    expect(before).not.toContain('bems-aa-assignment.json');
    const error = await askError(peer, 'bems-aa', GetAssignment, {});
    expect(error.code).toBe('NotFound');
  }, 30_000);

  it('refuses a bad request before asking anyone', async () => {
    const error = await askError(peer, 'bems-aa', RunAssignment, { fromMs: toMs, toMs: fromMs, stepMs: 0, method: '' });
    expect(error.code).toBe('InvalidArgument');
    const unknown = await askError(peer, 'bems-aa', RunAssignment, { fromMs, toMs, stepMs: 0, method: 'magic' });
    expect(unknown.message).toMatch(/unknown method/);
  });
});

describe('BEMS-AA with a topology passed on', () => {
  it('assigns in the worker while answering, stores the result, and GetAssignment serves it', async () => {
    // The same GRM, reconfigured at run time to pass the topology on unverified (no restart, so no
    // registry goes stale); polled until it does.
    replaceFile(grm.configPath, JSON.stringify({ stateDir: join(grm.dir, 'state'), settings: { cimFiles: simDir, ssdTimeoutMs: 1000, requireVerification: false } }));
    for (let attempt = 0; ; attempt++) {
      const verified = await ask(peer, 'grm', GetVerifiedGrid, { fromMs, toMs, stepMs: 0, maxInterpolateMs: -1 });
      if (verified.valid) break;
      if (attempt > 40) throw new Error(`GRM still refuses after its reconfiguration: ${verified.reason}`);
    }

    const running = ask(peer, 'bems-aa', RunAssignment, { fromMs, toMs, stepMs: 0, method: '' }, 30_000);
    let runReply: AssignmentReply | undefined;
    void running.then((reply) => (runReply = reply));
    // The mailbox answers while the run waits for GRM, BRM and the worker: still no assignment.
    const whileRunning = await askError(peer, 'bems-aa', GetAssignment, {});
    expect(whileRunning.code).toBe('NotFound');
    expect(runReply).toBeUndefined();

    const reply = await running;
    expect(reply.validTopology).toBe(true);
    expect(reply.reason).toMatch(/unverified/i);
    expect(reply.stored).toBe(true);
    expect(reply.storedAs).toBe('bems-aa-assignment.json');
    const assignments = reply.assignments ?? [];
    expect(assignments).toHaveLength(20);
    const truthByDataPoint = new Map(truth.buildings.map((b) => [b.dataPoint, b.monitoringPoint]));
    const right = assignments.filter((a) => a.monitoringPoint === truthByDataPoint.get(a.dataPoint ?? a.building)).length;
    expect(right / assignments.length).toBeGreaterThanOrEqual(0.9);
    for (const a of assignments) expect(a.runnerUp).toBeDefined();

    const steps = await until(() => {
      const mine = events.filter((e) => e.runId === reply.runId);
      return mine.some((e) => e.step === 'stored') ? mine : undefined;
    }, 'the stored event');
    expect(steps.map((e) => e.step)).toEqual(['asked-grm', 'asked-brm', 'assigned', 'stored']);
    expect(steps[2]!.message).toMatch(/\(worker\)/);
    expect(steps[3]!.buildings).toBe(20);

    const file = await peer.bus.request('storage', GetTopology, { tags: [], match: 'Any', file: 'bems-aa-assignment.json' }, GetTopology.reply, { timeoutMs: 5000 });
    const stored = JSON.parse(new TextDecoder().decode(file.content)) as { format: string; runId: string; method: string; grmVersion: number; buildings: { building: string; monitoringPoint: string | null; runnerUp: string | null; score: number | null }[] };
    expect(stored.format).toBe('gridlink.bems-aa.assignment/1');
    expect(stored.runId).toBe(reply.runId);
    expect(stored.method).toBe('iterative');
    expect(stored.buildings.map((b) => [b.building, b.monitoringPoint])).toEqual(assignments.map((a) => [a.building, a.monitoringPoint ?? null]));

    const last = await ask(peer, 'bems-aa', GetAssignment, {});
    expect(last.runId).toBe(reply.runId);
    expect(last.assignments).toHaveLength(20);
  }, 60_000);

  it('marks the last assignment stale when GRM publishes a topology change', async () => {
    const topology = await ask(peer, 'grm', GetGridTopology, { summaryOnly: false });
    const fresh = await ask(peer, 'bems-aa', GetAssignment, {});
    expect(fresh.reason ?? '').not.toMatch(/^stale/);
    const breaker = (topology.elements ?? []).find((element) => element.kind === 'Switch' && element.open === false);
    if (breaker === undefined) throw new Error('the simulated feeder has no closed switch');
    await ask(peer, 'grm', SetSwitchState, { switchId: breaker.id, open: true });
    for (let attempt = 0; ; attempt++) {
      const after = await ask(peer, 'bems-aa', GetAssignment, {});
      if (/^stale: the topology changed/.test(after.reason ?? '')) {
        expect(after.runId).toBe(fresh.runId);
        break;
      }
      if (attempt > 100) throw new Error(`GetAssignment still not stale: ${after.reason}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});

