/**
 * The alarms module's requests against the real process: acknowledged and shelved alarms stay
 * quiet (a later alarm of the same group, notified, shows the quiet was not a lost message), bad
 * requests get an AlarmErrorReply with the right code and a message naming the problem, and the
 * alarm book and the raw events survive a restart of the module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcknowledgeAlarm, GetAlarms, GetRawEvents, GetSubstationState, RawEvent, ShelveAlarm, UnshelveAlarm, type RawEventKind } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { AlarmsListener, ask, askError, startAlarms, untilSubscribed, type RunningAlarms } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let listener: AlarmsListener;
let alarms: RunningAlarms;
const SETTINGS = { flood: { graceMs: 0, maxPerGroup: 100 }, persistDelayMs: 50 };

function raw(key: string, kind: RawEventKind, group: string, message = `${key} ${kind}`): RawEvent {
  return { key, kind, severity: 'Minor', audience: 'FieldEngineer', category: 'device', source: key, group, message, value: 0, hasValue: false, atMs: Date.now() };
}

function publish(event: RawEvent): void {
  peer.bus.publish('alarms/raw', RawEvent, event);
}

/** The texts notified for a key so far. */
function notified(key: string): string[] {
  return listener.notifications.filter((n) => n.alarm?.key === key).map((n) => n.text ?? '');
}

beforeAll(async () => {
  domain = await newDomain('alarms-requests');
  peer = await TestPeer.start(domain);
  listener = new AlarmsListener(peer);
  alarms = await startAlarms(peer, domain, SETTINGS);
  await untilSubscribed(() => publish(raw('probe:subscribed', 'Occurrence', 'spec')), () => listener.changes.some((c) => c.alarm.key === 'probe:subscribed'), 'alarms/raw');
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('acknowledged and shelved alarms stay quiet', () => {
  it('an acknowledged alarm raised again and cleared notifies nobody', async () => {
    publish(raw('dev:rtu-7:door', 'Raise', 'feeder:F2'));
    await until(() => notified('dev:rtu-7:door').length === 1, 'the first notification of the door alarm');
    const acked = await ask(peer, AcknowledgeAlarm, { key: 'dev:rtu-7:door', by: 'operator-1', comment: 'on my way' });
    expect(acked).toMatchObject({ state: 'Acknowledged', by: 'operator-1', comment: 'on my way', active: true });
    publish(raw('dev:rtu-7:door', 'Raise', 'feeder:F2'));
    publish(raw('dev:rtu-7:door', 'Raise', 'feeder:F2'));
    // A sentinel in the same group, published after: once its notification is here, the re-raises were handled.
    publish(raw('dev:rtu-8:door', 'Raise', 'feeder:F2'));
    await until(() => notified('dev:rtu-8:door').length === 1, 'the sentinel notification');
    expect(notified('dev:rtu-7:door')).toHaveLength(1);
    const [door] = (await ask(peer, GetAlarms, { keyPrefix: 'dev:rtu-7:', limit: 0 })).alarms ?? [];
    expect(door).toMatchObject({ state: 'Acknowledged', count: 3 });
    publish(raw('dev:rtu-7:door', 'Clear', 'feeder:F2'));
    publish(raw('dev:rtu-9:door', 'Raise', 'feeder:F2'));
    await until(() => notified('dev:rtu-9:door').length === 1, 'the second sentinel notification');
    expect(notified('dev:rtu-7:door')).toHaveLength(1);
    await listener.waitAlarm('dev:rtu-7:door', (a) => a.state === 'Cleared', 'the cleared door alarm');
  });

  it('a shelved alarm raised and cleared notifies nobody until it is unshelved', async () => {
    publish(raw('dev:rtu-3:battery', 'Raise', 'feeder:F3'));
    await until(() => notified('dev:rtu-3:battery').length === 1, 'the battery notification');
    const shelved = await ask(peer, ShelveAlarm, { key: 'dev:rtu-3:battery', by: 'operator-2', untilMs: Date.now() + 3_600_000, comment: 'maintenance' });
    expect(shelved).toMatchObject({ state: 'Shelved', by: 'operator-2' });
    expect(shelved.shelvedUntilMs).toBeGreaterThan(Date.now());
    publish(raw('dev:rtu-3:battery', 'Clear', 'feeder:F3'));
    publish(raw('dev:rtu-3:battery', 'Raise', 'feeder:F3'));
    publish(raw('dev:rtu-4:battery', 'Raise', 'feeder:F3'));
    await until(() => notified('dev:rtu-4:battery').length === 1, 'the sentinel notification');
    expect(notified('dev:rtu-3:battery')).toHaveLength(1);
    const [battery] = (await ask(peer, GetAlarms, { states: ['Shelved'], limit: 0 })).alarms ?? [];
    expect(battery).toMatchObject({ key: 'dev:rtu-3:battery', state: 'Shelved', active: true, count: 3 });
    // Unshelved while the condition holds: Raised again, and people hear of it.
    const back = await ask(peer, UnshelveAlarm, { key: 'dev:rtu-3:battery', by: 'operator-2' });
    expect(back).toMatchObject({ state: 'Raised', shelvedUntilMs: 0 });
    await until(() => notified('dev:rtu-3:battery').length === 2, 'the notification after unshelving');
  });
});

describe('bad requests get an AlarmErrorReply', () => {
  it('NotFound for an unknown key', async () => {
    const error = await askError(peer, AcknowledgeAlarm, { key: 'no:such:alarm', by: 'operator-1' });
    expect(error.code).toBe('NotFound');
    expect(error.message).toContain('no:such:alarm');
  });

  it('InvalidState for acknowledging an acknowledged alarm and unshelving one that is not shelved', async () => {
    publish(raw('dev:rtu-5:fuse', 'Raise', 'feeder:F5'));
    await listener.waitAlarm('dev:rtu-5:fuse', (a) => a.state === 'Raised', 'the fuse alarm');
    await ask(peer, AcknowledgeAlarm, { key: 'dev:rtu-5:fuse', by: 'operator-1' });
    const again = await askError(peer, AcknowledgeAlarm, { key: 'dev:rtu-5:fuse', by: 'operator-1' });
    expect(again.code).toBe('InvalidState');
    expect(again.message).toMatch(/Acknowledged/);
    const unshelve = await askError(peer, UnshelveAlarm, { key: 'dev:rtu-5:fuse', by: 'operator-1' });
    expect(unshelve.code).toBe('InvalidState');
    expect(unshelve.message).toMatch(/not shelved/);
  });

  it('InvalidArgument for shelving into the past, an empty "by", an inverted span and an oversized limit', async () => {
    const past = await askError(peer, ShelveAlarm, { key: 'dev:rtu-5:fuse', by: 'operator-1', untilMs: Date.now() - 1000 });
    expect(past.code).toBe('InvalidArgument');
    expect(past.message).toMatch(/future/);
    const nobody = await askError(peer, AcknowledgeAlarm, { key: 'dev:rtu-5:fuse', by: ' ' });
    expect(nobody.code).toBe('InvalidArgument');
    expect(nobody.message).toMatch(/"by"/);
    const inverted = await askError(peer, GetRawEvents, { fromMs: 2000, toMs: 1000, limit: 10 });
    expect(inverted.code).toBe('InvalidArgument');
    expect(inverted.message).toMatch(/inverted/);
    const huge = await askError(peer, GetRawEvents, { fromMs: 0, toMs: 0, limit: 1_000_000 });
    expect(huge.code).toBe('InvalidArgument');
    expect(huge.message).toMatch(/page by page/);
  });
});

describe('state survives a restart', () => {
  it('keeps the book (states, who, counts) and the raw events', async () => {
    const before = (await ask(peer, GetAlarms, { states: ['Raised', 'Acknowledged', 'Shelved', 'Cleared'], limit: 0 })).alarms ?? [];
    const rawBefore = (await ask(peer, GetRawEvents, { fromMs: 0, toMs: 0, limit: 0 })).events ?? [];
    expect(before.length).toBeGreaterThanOrEqual(6);
    // Past the debounce: the book on disk is the book in memory.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await alarms.process.kill('SIGTERM');
    await peer.gone('alarms', 10_000);
    alarms = await startAlarms(peer, domain, SETTINGS, alarms.dir);
    const after = (await ask(peer, GetAlarms, { states: ['Raised', 'Acknowledged', 'Shelved', 'Cleared'], limit: 0 })).alarms ?? [];
    const byKey = (list: typeof before) => new Map(list.map((a) => [a.key, a]));
    expect(byKey(after)).toEqual(byKey(before));
    const fuse = byKey(after).get('dev:rtu-5:fuse')!;
    expect(fuse).toMatchObject({ state: 'Acknowledged', by: 'operator-1' });
    const rawAfter = (await ask(peer, GetRawEvents, { fromMs: 0, toMs: 0, limit: 0 })).events ?? [];
    expect(rawAfter).toEqual(rawBefore);
    const state = await ask(peer, GetSubstationState, {});
    expect(state.unacknowledged).toBe(after.filter((a) => a.state === 'Raised').length);
  });
});
