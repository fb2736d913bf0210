/**
 * The SCDA sequence over real processes on a correctly recorded simulated feeder: RunAssignment
 * to BEMS-AA → BEMS-AA asks GRM (GetVerifiedGrid) and BRM (GetBuildingProfiles) → both read
 * storage → GRM has SSD verify the recorded switch states → consistent, so GRM passes on the
 * residuals → BEMS-AA assigns in a worker thread and stores the result in storage. Each step is
 * heard on bems-aa/events and grm/events; the assignment matches the simulator's ground truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetAssignment, GetTopology, RunAssignment, TopologyReply } from '../../schemas/generated/messages.js';
import { accuracyOf } from '../../tools/assess/ground-truth.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, until } from '../actor/helpers.js';
import { ask } from '../grm/helpers.js';
import { simulatedSpan, startSubstation, type Substation } from './helpers.js';

let substation: Substation;

beforeAll(async () => {
  substation = await startSubstation('scda-sequence');
}, 60_000);

afterAll(async () => {
  await killAll();
  await substation?.peer.close();
  removeTempDirs();
});

describe('the SCDA sequence on a correctly recorded feeder', () => {
  it('verifies the topology, assigns every building as the ground truth says, stores the result, and publishes each step', async () => {
    const { peer, truth, simDir } = substation;
    const span = simulatedSpan(simDir);
    const reply = await ask(peer, 'bems-aa', RunAssignment, { ...span, stepMs: 0, method: 'least-squares' }, 60_000);
    expect(reply.reason, reply.reason).toBeDefined();
    expect(reply.validTopology, reply.reason).toBe(true);
    expect(reply.method).toBe('least-squares');
    expect(reply).toMatchObject({ fromMs: span.fromMs, toMs: span.toMs });
    expect(reply.assignments).toHaveLength(truth.buildings.length);
    const accuracy = accuracyOf((reply.assignments ?? []).map((one) => ({ dataPoint: one.dataPoint ?? one.building, monitoringPoint: one.assigned ? one.monitoringPoint : undefined })), truth);
    expect(accuracy.judged).toBe(truth.buildings.length);
    expect(accuracy.share, accuracy.wrong.join('\n')).toBeGreaterThanOrEqual(0.95);

    // Stored in storage as a topology file, readable back, naming the same run.
    expect(reply.stored).toBe(true);
    expect(reply.storedAs).not.toBe('');
    const stored: TopologyReply = await ask(peer, 'storage', GetTopology, { tags: [], match: 'Any', file: reply.storedAs! });
    expect(stored.files).toContain(reply.storedAs);
    const content = JSON.parse(new TextDecoder().decode(stored.content)) as { runId: string; buildings: unknown[] };
    expect(content.runId).toBe(reply.runId);
    expect(content.buildings).toHaveLength(truth.buildings.length);

    // Every step of this run on bems-aa/events, in order; GRM's verification on grm/events.
    const steps = await until(() => {
      const seen = substation.assignmentEvents.filter((event) => event.runId === reply.runId).map((event) => event.step);
      return seen.includes('stored') ? seen : undefined;
    }, 'the stored event of the run');
    expect(steps).toEqual(['asked-grm', 'asked-brm', 'assigned', 'stored']);
    const verified = await until(() => substation.gridVerified.find((event) => event.fromMs === span.fromMs && event.toMs === span.toMs), 'GridVerified on grm/events');
    expect(verified.valid, verified.reason).toBe(true);
    expect(verified.inconsistentSwitches ?? []).toEqual([]);
    expect(verified.reason).toMatch(/^SSD verified \d+ switches over 1440 slots/);

    // GetAssignment answers the stored run.
    const last = await ask(peer, 'bems-aa', GetAssignment, {});
    expect(last.runId).toBe(reply.runId);
    expect(last.stored).toBe(true);
  });
});
