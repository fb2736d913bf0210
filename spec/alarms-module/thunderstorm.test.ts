/**
 * The thunderstorm over the bus: 1,000 RawEvents published on `alarms/raw` within 10 s across one
 * feeder (50 measurement points, raises and clears, group "feeder:F1") reach the real alarms
 * module; a subscriber of `alarms/notifications` receives at most 5 notifications (a storm summary
 * and the storm's end among them), and GetRawEvents returns all 1,000 events, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetAlarms, GetRawEvents, GetSubstationState, RawEvent } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { AlarmsListener, ask, startAlarms, untilSubscribed } from './helpers.js';

const EVENTS = 1000;
const POINTS = 50;
const SPAN_MS = 9000;
const STORM_QUIET_MS = 3000;

let domain: Domain;
let peer: TestPeer;
let listener: AlarmsListener;
let startedMs: number;
let endedMs: number;

function stormEvent(i: number): RawEvent {
  const point = i % POINTS;
  // Each point alternates: raise, clear, raise... (a fault flickering in the storm).
  const raise = Math.floor(i / POINTS) % 2 === 0;
  return {
    key: `dp:F1/mp-${point}/voltage:low`,
    kind: raise ? 'Raise' : 'Clear',
    severity: 'Major',
    audience: 'FieldEngineer',
    category: 'grid',
    source: `F1/mp-${point}/voltage`,
    group: 'feeder:F1',
    message: raise ? `voltage at mp-${point} below 207 V` : `voltage at mp-${point} back to normal`,
    value: raise ? 190 + (i % 10) : 230,
    hasValue: true,
    atMs: Date.now(),
  };
}

beforeAll(async () => {
  domain = await newDomain('alarms-thunderstorm');
  peer = await TestPeer.start(domain);
  listener = new AlarmsListener(peer);
  await startAlarms(peer, domain, { flood: { graceMs: 0, stormQuietMs: STORM_QUIET_MS }, stateIntervalMs: 1000 });
  // The module's subscription must be up before the storm (ZeroMQ drops earlier publications).
  await untilSubscribed(
    () => peer.bus.publish('alarms/raw', RawEvent, { key: 'probe:subscribed', kind: 'Occurrence', severity: 'Info', audience: 'Administrator', category: 'software', source: 'spec', group: 'spec', message: 'probe', value: 0, hasValue: false, atMs: Date.now() }),
    () => listener.changes.some((c) => c.alarm.key === 'probe:subscribed'),
    'alarms/raw',
  );
  await until(() => listener.states.length > 0, 'a SubstationState on alarms/state');
  // Publish at an even pace over SPAN_MS: 1,000 events in under 10 s.
  startedMs = Date.now();
  for (let i = 0; i < EVENTS; i++) {
    const due = startedMs + (i * SPAN_MS) / EVENTS;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    peer.bus.publish('alarms/raw', RawEvent, stormEvent(i));
  }
  endedMs = Date.now();
}, 40_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('a thunderstorm of 1,000 raw events in 10 s on one feeder', () => {
  it('was published within 10 s', () => {
    expect(endedMs - startedMs).toBeLessThan(10_000);
  });

  it('keeps every raw event: GetRawEvents returns all 1,000, oldest first', async () => {
    // The last publications may still be on their way: ask until they are all there (or time is up).
    const deadline = Date.now() + 10_000;
    while ((await ask(peer, GetRawEvents, { fromMs: startedMs - 1000, toMs: 0, keyPrefix: 'dp:F1/', limit: 0 })).events!.length < EVENTS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const result = await ask(peer, GetRawEvents, { fromMs: startedMs - 1000, toMs: 0, keyPrefix: 'dp:F1/', limit: 0 });
    const events = result.events ?? [];
    expect(result.truncated).toBe(false);
    expect(events).toHaveLength(EVENTS);
    for (let i = 1; i < events.length; i++) expect(events[i]!.atMs).toBeGreaterThanOrEqual(events[i - 1]!.atMs);
    expect(events.filter((e) => e.kind === 'Raise')).toHaveLength(EVENTS / 2);
    expect(new Set(events.map((e) => e.key)).size).toBe(POINTS);
    expect(events.every((e) => e.group === 'feeder:F1')).toBe(true);
    // A group filter gives the same; a limit truncates and says so.
    const byGroup = await ask(peer, GetRawEvents, { fromMs: startedMs - 1000, toMs: 0, group: 'feeder:F1', limit: 0 });
    expect(byGroup.events).toHaveLength(EVENTS);
    const page = await ask(peer, GetRawEvents, { fromMs: startedMs - 1000, toMs: 0, keyPrefix: 'dp:F1/', limit: 100 });
    expect(page.events).toHaveLength(100);
    expect(page.truncated).toBe(true);
    expect(page.events!.map((e) => e.atMs)).toEqual(events.slice(0, 100).map((e) => e.atMs));
  });

  it('notifies people at most 5 times: a storm summary counting the events, then the end of the storm', async () => {
    const over = await until(() => listener.notifications.find((n) => n.kind === 'StormOver'), 'the StormOver notification', STORM_QUIET_MS + 10_000);
    const storm = listener.notifications.filter((n) => n.alarm?.key !== 'probe:subscribed' && n.group !== 'spec');
    expect(storm.length).toBeGreaterThanOrEqual(2);
    expect(storm.length).toBeLessThanOrEqual(5);
    const summaries = storm.filter((n) => n.kind === 'StormSummary');
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries[0]!.group).toBe('feeder:F1');
    expect(summaries[0]!.text).toContain('feeder:F1');
    expect(over.group).toBe('feeder:F1');
    expect(over.rawEvents).toBe(EVENTS);
    expect(over.alarmsRaised).toBeGreaterThanOrEqual(POINTS);
    // The singles before the storm was recognised are single alarms of the feeder.
    for (const single of storm.filter((n) => n.kind === 'Alarm')) expect(single.alarm?.group).toBe('feeder:F1');
  });

  it('still shows what the storm left: one alarm per point, and the state says so', async () => {
    const alarms = (await ask(peer, GetAlarms, { states: ['Raised', 'Cleared'], keyPrefix: 'dp:F1/', limit: 0 })).alarms ?? [];
    expect(alarms).toHaveLength(POINTS);
    // 1,000 events over 50 points: 20 each, the last of each a Clear.
    expect(alarms.every((a) => a.state === 'Cleared' && !a.active)).toBe(true);
    const state = await ask(peer, GetSubstationState, {});
    expect(state.storm).toBe(false);
    expect(state.inGrace).toBe(false);
    expect(state.fieldEngineer).toBe(0);
    // Every change was published: 50 new alarms plus re-raises and clears (20 per point).
    expect(listener.changes.filter((c) => c.alarm.key.startsWith('dp:F1/')).length).toBe(EVENTS);
    expect(listener.states.length).toBeGreaterThan(1);
  });
});
