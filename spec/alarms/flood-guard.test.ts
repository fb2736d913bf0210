import { describe, expect, it } from 'vitest';
import { AlarmBook } from '../../core/alarms/alarm-book.js';
import { FloodGuard, floodDefaults, floodSettings } from '../../core/alarms/flood-guard.js';
import type { FloodSettings, OperatorNotification, RawEvent } from '../../core/alarms/api.js';

/** The book and the guard wired the way actors/alarms wires them. */
class Pipeline {
  readonly book = new AlarmBook();
  readonly guard: FloodGuard;
  readonly sent: OperatorNotification[] = [];
  constructor(settings: Partial<FloodSettings>, startMs = 0) {
    this.guard = new FloodGuard(settings, startMs);
  }
  feed(event: RawEvent, nowMs = event.atMs): OperatorNotification[] {
    this.guard.observe(event, nowMs);
    const change = this.book.apply(event);
    const out = change ? this.guard.consider(change, nowMs) : [];
    this.sent.push(...out);
    return out;
  }
  tick(nowMs: number): OperatorNotification[] {
    const out: OperatorNotification[] = [];
    for (const change of this.book.expireShelves(nowMs)) out.push(...this.guard.consider(change, nowMs));
    out.push(...this.guard.tick(nowMs, this.book.list()));
    this.sent.push(...out);
    return out;
  }
}

function raw(key: string, kind: RawEvent['kind'], atMs: number, group = 'feeder:F1'): RawEvent {
  return { key, kind, severity: 'Major', audience: 'FieldEngineer', category: 'grid', source: key, group, message: `${key} ${kind.toLowerCase()}`, value: 1, hasValue: true, atMs };
}

const noStorm = { stormEvents: 1000 };

describe('FloodGuard', () => {
  it('grace period: nothing notified, then one summary of what is active', () => {
    const p = new Pipeline({ ...noStorm, graceMs: 60_000 }, 1000);
    expect(p.guard.inGrace(1000)).toBe(true);
    p.feed(raw('a', 'Raise', 2000));
    p.feed(raw('b', 'Raise', 3000, 'host:gw'));
    p.feed(raw('c', 'Raise', 4000));
    p.feed(raw('c', 'Clear', 5000));
    expect(p.tick(60_999)).toEqual([]);
    expect(p.sent).toEqual([]);
    const summary = p.tick(61_000);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ kind: 'StormSummary', group: '', alarmsRaised: 2, rawEvents: 4 });
    expect(summary[0].text).toBe('alarms started: 2 active in 2 groups; worst Major: a raise');
    expect(p.tick(62_000)).toEqual([]);
    expect(p.guard.inGrace(61_000)).toBe(false);
    // After the grace period single alarms are notified; the ones covered by the summary do not notify their clearing.
    expect(p.feed(raw('d', 'Raise', 63_000)).map((n) => n.text)).toEqual(['MAJOR d raise [feeder:F1]']);
    expect(p.feed(raw('a', 'Clear', 64_000))).toEqual([]);
  });

  it('a grace period with nothing active ends silently', () => {
    const p = new Pipeline({ graceMs: 1000 });
    p.feed(raw('a', 'Raise', 10));
    p.feed(raw('a', 'Clear', 20));
    expect(p.tick(1000)).toEqual([]);
  });

  it('toggle: a notified raise has its clear notified; an occurrence notifies once (one-shot)', () => {
    const p = new Pipeline({ ...noStorm, graceMs: 0, maxPerGroup: 10 });
    expect(p.feed(raw('a', 'Raise', 1)).map((n) => n.text)).toEqual(['MAJOR a raise [feeder:F1]']);
    expect(p.feed(raw('a', 'Raise', 2))).toEqual([]); // a re-raise is counted, not notified
    expect(p.feed(raw('a', 'Clear', 3)).map((n) => [n.kind, n.text])).toEqual([['Alarm', 'cleared: a clear [feeder:F1]']]);
    expect(p.feed(raw('trip', 'Occurrence', 4)).map((n) => n.text)).toEqual(['MAJOR occurred: trip occurrence [feeder:F1]']);
    expect(p.tick(5)).toEqual([]); // the occurrence cleared itself without a notification
    expect(p.book.get('trip')!.state).toBe('Cleared');
  });

  it('acknowledged and shelved alarms stay quiet', () => {
    const p = new Pipeline({ ...noStorm, graceMs: 0, maxPerGroup: 100 });
    expect(p.feed(raw('ack', 'Raise', 1))).toHaveLength(1);
    expect(p.guard.consider(p.book.acknowledge('ack', 'anna', '', 2), 2)).toEqual([]);
    expect(p.feed(raw('ack', 'Raise', 3))).toEqual([]);
    expect(p.feed(raw('ack', 'Clear', 4))).toEqual([]); // the owner knows; no "cleared" either
    expect(p.feed(raw('shelf', 'Raise', 5))).toHaveLength(1);
    expect(p.guard.consider(p.book.shelve('shelf', 'anna', 1000, 'works', 6), 6)).toEqual([]);
    expect(p.feed(raw('shelf', 'Clear', 7))).toEqual([]);
    expect(p.feed(raw('shelf', 'Raise', 8))).toEqual([]);
    expect(p.feed(raw('shelf', 'Raise', 9))).toEqual([]);
    // The shelf ends while the condition holds: loud again.
    expect(p.tick(1000).map((n) => n.text)).toEqual(['MAJOR shelf raise [feeder:F1]']);
    // Shelving a cleared alarm keeps its next raise quiet too.
    p.feed(raw('later', 'Raise', 1001));
    p.feed(raw('later', 'Clear', 1002));
    p.guard.consider(p.book.shelve('later', 'anna', 5000, '', 1003), 1003);
    const before = p.sent.length;
    expect(p.feed(raw('later', 'Raise', 1004))).toEqual([]);
    expect(p.sent.length).toBe(before);
  });

  it('rate limit per group, independently for two groups; held-back ones are mentioned later', () => {
    const p = new Pipeline({ ...noStorm, graceMs: 0, maxPerGroup: 2, rateWindowMs: 60_000 });
    const notified = (events: RawEvent[]): number => events.reduce((n, e) => n + p.feed(e).length, 0);
    expect(notified([raw('a1', 'Raise', 1000, 'feeder:A'), raw('a2', 'Raise', 2000, 'feeder:A'), raw('a3', 'Raise', 3000, 'feeder:A'), raw('a4', 'Raise', 4000, 'feeder:A')])).toBe(2);
    expect(notified([raw('b1', 'Raise', 5000, 'feeder:B'), raw('b2', 'Raise', 6000, 'feeder:B'), raw('b3', 'Raise', 7000, 'feeder:B')])).toBe(2);
    // a3 was never notified: its clearing is not either; a1's clearing is, but the window is full.
    expect(notified([raw('a3', 'Clear', 8000, 'feeder:A'), raw('a1', 'Clear', 9000, 'feeder:A')])).toBe(0);
    // The window slides: one slot is free 60 s after the first notification.
    const later = p.feed(raw('a5', 'Raise', 61_000, 'feeder:A'));
    expect(later.map((n) => n.text)).toEqual(['MAJOR a5 raise [feeder:A] (+3 more on this cause not notified, see the alarm list)']);
    expect(p.feed(raw('a6', 'Raise', 61_500, 'feeder:A'))).toEqual([]);
    expect(p.feed(raw('a7', 'Raise', 62_000, 'feeder:A'))).toHaveLength(1);
  });

  it('storm mode: a summary at once, at most one per interval, then storm over with the counts', () => {
    const p = new Pipeline({ graceMs: 0, maxPerGroup: 5, stormEvents: 5, stormWindowMs: 1000, stormSummaryIntervalMs: 10_000, stormQuietMs: 5000 });
    for (let i = 0; i < 4; i++) p.feed(raw(`k${i}`, 'Raise', 100 * i));
    expect(p.sent.map((n) => n.kind)).toEqual(['Alarm', 'Alarm', 'Alarm', 'Alarm']);
    const storm = p.feed(raw('k4', 'Raise', 400));
    expect(storm.map((n) => [n.kind, n.group, n.rawEvents, n.alarmsRaised])).toEqual([['StormSummary', 'feeder:F1', 5, 5]]);
    expect(p.guard.stormGroups()).toEqual(new Set(['feeder:F1']));
    expect(p.book.state(400, false, p.guard.stormGroups()).storm).toBe(true);
    // During the storm: no singles, no clears of the notified ones, one summary per interval.
    for (let t = 500; t < 25_000; t += 250) {
      p.feed(raw(`k${t % 7}`, t % 500 === 0 ? 'Clear' : 'Raise', t));
      p.tick(t);
    }
    const kinds = p.sent.slice(4).map((n) => `${n.kind}@${n.atMs}`);
    expect(kinds).toEqual(['StormSummary@400', 'StormSummary@10500', 'StormSummary@20500']);
    expect(p.tick(29_000)).toEqual([]);
    const over = p.tick(29_750);
    expect(over).toHaveLength(1);
    expect(over[0]).toMatchObject({ kind: 'StormOver', group: 'feeder:F1', rawEvents: 5 + 98 });
    expect(over[0].text).toMatch(/^storm over on feeder:F1: \d+ alarms raised, 103 raw events in 25 s; \d+ still active$/);
    expect(p.guard.stormGroups().size).toBe(0);
  });

  it('a storm in another group does not silence this one', () => {
    const p = new Pipeline({ graceMs: 0, stormEvents: 3, stormWindowMs: 1000 });
    for (let i = 0; i < 10; i++) p.feed(raw(`x${i}`, 'Raise', i, 'feeder:X'));
    expect(p.feed(raw('y', 'Raise', 20, 'feeder:Y')).map((n) => n.kind)).toEqual(['Alarm']);
  });

  it('checks its settings', () => {
    expect(floodSettings()).toEqual(floodDefaults);
    expect(() => floodSettings({ maxPerGroup: 0 })).toThrow('maxPerGroup must be an integer >= 1');
    expect(() => floodSettings({ graceMs: -1 })).toThrow('graceMs must be a number of milliseconds >= 0');
  });
});
