// The scenario: a thunderstorm makes 1,000 raw events within 10 s across one feeder. The
// operator gets at most 5 notifications (with the default flood settings), and every raw event
// stays queryable, from memory and, after a reopen, from disk. Clock simulated; real files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmBook } from '../../core/alarms/alarm-book.js';
import { EventLog } from '../../core/alarms/event-log.js';
import { FloodGuard, floodDefaults } from '../../core/alarms/flood-guard.js';
import { RuleEngine } from '../../core/alarms/rules.js';
import type { OperatorNotification, RawEvent } from '../../core/alarms/api.js';
import { createLogger } from '../../core/log/logger.js';

const START = Date.UTC(2024, 6, 14, 16, 0, 0);
const STORM = START + floodDefaults.graceMs + 5000; // after the start grace period
const dir = mkdtempSync(path.join(tmpdir(), 'gridlink-thunderstorm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The engine parts wired as actors/alarms wires them, driven by a simulated clock. */
class Substation {
  now = START;
  readonly book = new AlarmBook();
  readonly guard = new FloodGuard(floodDefaults, START);
  readonly notifications: OperatorNotification[] = [];
  readonly rules: RuleEngine;
  rawEvents = 0;
  constructor(readonly log: EventLog) {
    this.rules = new RuleEngine(
      [
        { id: 'u-band', kind: 'threshold', dataPoints: ['F1/*'], severity: 'Major', low: 207, high: 253, hysteresis: 2 },
        { id: 'u-stale', kind: 'stale', dataPoints: ['F1/*'], severity: 'Minor', maxAgeMs: 15 * 60_000 },
      ],
      (event) => this.raw(event),
    );
  }
  raw(event: RawEvent): void {
    this.rawEvents++;
    this.log.append(event);
    this.guard.observe(event, this.now);
    const change = this.book.apply(event);
    if (change) this.notifications.push(...this.guard.consider(change, this.now));
  }
  tick(): void {
    this.rules.tick(this.now);
    for (const change of this.book.expireShelves(this.now)) this.notifications.push(...this.guard.consider(change, this.now));
    this.notifications.push(...this.guard.tick(this.now, this.book.list()));
  }
  /** Runs the clock forward in 100 ms steps, as the module's timer would. */
  advanceTo(t: number): void {
    while (this.now + 100 <= t) {
      this.now += 100;
      this.tick();
    }
    this.now = t;
  }
}

describe('a thunderstorm on feeder F1', () => {
  it('1,000 raw events in 10 s give at most 5 notifications, and all 1,000 stay queryable', async () => {
    const log = await EventLog.open(dir, { retentionMs: 7 * 24 * 3600_000, now: () => START, log: createLogger('thunderstorm', 'warn') });
    const s = new Substation(log);
    // Normal operation before the storm: values inside the band, nothing to say.
    for (let p = 0; p < 100; p++) s.rules.evaluate(`F1/mp-${p}/u`, START + p, 230);
    s.advanceTo(STORM);
    expect(s.notifications).toEqual([]);
    expect(s.rawEvents).toBe(0);

    // Lightning: 100 measuring points swing out of the band and back, one value every 10 ms, each a transition.
    for (let i = 0; i < 1000; i++) {
      s.advanceTo(STORM + i * 10);
      const point = i % 100;
      const round = Math.floor(i / 100);
      const value = round % 2 === 0 ? (point % 2 ? 260 : 190) : 230;
      s.rules.evaluate(`F1/mp-${point}/u`, s.now, value);
    }
    expect(s.rawEvents).toBe(1000);
    expect(s.now - STORM).toBeLessThan(10_000);
    expect(s.guard.stormGroups()).toEqual(new Set(['feeder:F1']));
    expect(s.book.state(s.now, false, s.guard.stormGroups()).groups).toEqual([{ group: 'feeder:F1', active: 0, unacknowledged: 0, worst: 'Info', storm: true }]);

    // The storm passes; a while later flood protection says it is over.
    s.advanceTo(STORM + 10_000 + floodDefaults.stormQuietMs + 1000);
    const seen = s.notifications.map((n) => `${n.kind} ${n.group || n.alarm?.key}`);
    expect(s.notifications.length, seen.join('\n')).toBeLessThanOrEqual(5);
    expect(s.notifications.length).toBeGreaterThanOrEqual(1);
    const singles = s.notifications.filter((n) => n.kind === 'Alarm');
    expect(singles.length).toBeLessThanOrEqual(floodDefaults.maxPerGroup);
    const summaries = s.notifications.filter((n) => n.kind === 'StormSummary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ group: 'feeder:F1', rawEvents: floodDefaults.stormEvents });
    expect(summaries[0].text).toMatch(/^STORM on feeder:F1: \d+ alarms raised, 8 raw events in /);
    const over = s.notifications.filter((n) => n.kind === 'StormOver');
    expect(over).toHaveLength(1);
    expect(over[0]).toMatchObject({ group: 'feeder:F1', rawEvents: 1000, alarmsRaised: 500 });
    expect(over[0].text).toBe('storm over on feeder:F1: 500 alarms raised, 1000 raw events in 10 s; 0 still active');
    expect(s.guard.stormGroups().size).toBe(0);

    // Every raw event is there: from memory now...
    const query = { fromMs: STORM - 1, toMs: STORM + 60_000, group: 'feeder:F1', limit: 10_000 };
    const live = log.query(query);
    expect(live.truncated).toBe(false);
    expect(live.events).toHaveLength(1000);
    expect(live.events.filter((e) => e.kind === 'Raise')).toHaveLength(500);
    await log.close();
    // ...and from disk after a restart.
    const reopened = await EventLog.open(dir, { retentionMs: 7 * 24 * 3600_000, now: () => START });
    const stored = reopened.query(query);
    expect(stored.events).toHaveLength(1000);
    expect(stored.events.map((e) => `${e.key} ${e.kind} ${e.atMs}`)).toEqual(live.events.map((e) => `${e.key} ${e.kind} ${e.atMs}`));
    expect(reopened.problems).toEqual([]);
    expect(reopened.query({ ...query, keyPrefix: 'dp:F1/mp-7/' }).events.map((e) => e.kind)).toEqual(['Raise', 'Clear', 'Raise', 'Clear', 'Raise', 'Clear', 'Raise', 'Clear', 'Raise', 'Clear']);
    await reopened.close();
  });

  it('after the storm, acknowledged and shelved alarms stay quiet when raised again; others are heard', async () => {
    const log = await EventLog.open(path.join(dir, 'quiet'), { retentionMs: 3600_000, now: () => START });
    const s = new Substation(log);
    s.advanceTo(START + floodDefaults.graceMs + 1);
    const link = (key: string, kind: RawEvent['kind']): RawEvent => ({ key, kind, severity: 'Critical', audience: 'Administrator', category: 'link', source: key, group: 'link:rtu-1', message: `${key} ${kind}`, value: 0, hasValue: false, atMs: s.now });
    s.raw(link('link:rtu-1:down', 'Raise'));
    s.raw(link('link:rtu-1:errors', 'Raise'));
    expect(s.notifications.map((n) => n.alarm?.key)).toEqual(['link:rtu-1:down', 'link:rtu-1:errors']);
    s.notifications.push(...s.guard.consider(s.book.acknowledge('link:rtu-1:down', 'operator', 'crew informed', s.now), s.now));
    s.notifications.push(...s.guard.consider(s.book.shelve('link:rtu-1:errors', 'operator', s.now + 3600_000, 'RTU swap', s.now), s.now));
    s.advanceTo(s.now + 120_000); // a fresh rate window
    for (let i = 0; i < 3; i++) {
      s.raw(link('link:rtu-1:down', 'Raise'));
      s.raw(link('link:rtu-1:errors', 'Raise'));
      s.advanceTo(s.now + 5000);
    }
    expect(s.notifications).toHaveLength(2);
    expect(s.book.get('link:rtu-1:down')).toMatchObject({ state: 'Acknowledged', count: 4 });
    expect(s.book.get('link:rtu-1:errors')).toMatchObject({ state: 'Shelved', count: 4 });
    s.raw(link('link:rtu-1:clock', 'Raise'));
    expect(s.notifications.map((n) => n.alarm?.key)).toEqual(['link:rtu-1:down', 'link:rtu-1:errors', 'link:rtu-1:clock']);
    await log.close();
  });
});
