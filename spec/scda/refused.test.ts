/**
 * The SCDA sequence when the recorded topology is wrong: the simulated feeder's CIM files record
 * one switch in the wrong state (gridlink simulate --flip 1) while the profiles follow the actual
 * state. SSD finds the recorded states inconsistent and names the switch, GRM passes on no
 * topology (valid=false, empty lists), BEMS-AA refuses, and nothing is stored: storage's list
 * of topology files is the same before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetTopology, GetVerifiedGrid, PutTopology, RunAssignment } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, until } from '../actor/helpers.js';
import { ask } from '../grm/helpers.js';
import { simulatedSpan, startSubstation, type Substation } from './helpers.js';

let substation: Substation;

beforeAll(async () => {
  substation = await startSubstation('scda-refused', ['--flip', '1']);
}, 60_000);

afterAll(async () => {
  await killAll();
  await substation?.peer.close();
  removeTempDirs();
});

describe('the SCDA sequence on a feeder with a switch recorded in the wrong state', () => {
  it('SSD names the switch, GRM passes on nothing, BEMS-AA refuses and stores nothing', async () => {
    const { peer, truth, simDir } = substation;
    expect(truth.flips).toHaveLength(1);
    const flip = truth.flips[0]!;
    const span = simulatedSpan(simDir);
    // Something stored before, so "unchanged" compares a list that is not empty.
    await ask(peer, 'storage', PutTopology, { file: 'feeder-notes.txt', content: new TextEncoder().encode('recorded by hand') });
    const filesBefore = (await ask(peer, 'storage', GetTopology, { tags: [], match: 'Any' })).files ?? [];
    expect(filesBefore).toEqual(['feeder-notes.txt']);

    const reply = await ask(peer, 'bems-aa', RunAssignment, { ...span, stepMs: 0, method: 'least-squares' }, 60_000);
    expect(reply.validTopology).toBe(false);
    expect(reply.stored).toBe(false);
    expect(reply.assignments ?? []).toEqual([]);
    expect(reply.reason).toContain(flip.switchId);
    expect(reply.reason).toContain(`the data supports ${flip.actualOpen ? 'open' : 'closed'}`);

    const steps = await until(() => {
      const seen = substation.assignmentEvents.filter((event) => event.runId === reply.runId).map((event) => event.step);
      return seen.includes('refused') ? seen : undefined;
    }, 'the refused event of the run');
    expect(steps).not.toContain('stored');
    expect(steps).not.toContain('assigned');
    expect(steps).toContain('asked-grm');
    const verified = await until(() => substation.gridVerified.find((event) => !event.valid), 'GridVerified valid=false on grm/events');
    expect(verified.inconsistentSwitches).toEqual([flip.switchId]);

    // GRM's own answer: the verdict, no profiles.
    const grid = await ask(peer, 'grm', GetVerifiedGrid, { ...span, stepMs: 0, maxInterpolateMs: -1 }, 30_000);
    expect(grid.valid).toBe(false);
    expect(grid.profiles ?? []).toEqual([]);
    expect(grid.residuals ?? []).toEqual([]);
    const finding = (grid.verdict?.switches ?? []).find((one) => one.switchId === flip.switchId);
    expect(finding).toMatchObject({ consistent: false, recordedOpen: flip.recordedOpen, supportedOpen: flip.actualOpen });

    const filesAfter = (await ask(peer, 'storage', GetTopology, { tags: [], match: 'Any' })).files ?? [];
    expect(filesAfter).toEqual(filesBefore);
  });
});
