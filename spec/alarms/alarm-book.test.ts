import { describe, expect, it } from 'vitest';
import { AlarmBook, AlarmRequestError } from '../../core/alarms/alarm-book.js';
import type { RawEvent } from '../../core/alarms/api.js';

function raw(key: string, kind: RawEvent['kind'], atMs: number, extra: Partial<RawEvent> = {}): RawEvent {
  return { key, kind, severity: 'Major', audience: 'FieldEngineer', category: 'grid', source: 'F1/u', group: 'feeder:F1', message: `${kind} ${key}`, value: atMs, hasValue: true, atMs, ...extra };
}

function refused(action: () => unknown): AlarmRequestError {
  try {
    action();
  } catch (error) {
    if (error instanceof AlarmRequestError) return error;
    throw error;
  }
  throw new Error('expected an AlarmRequestError');
}

describe('AlarmBook transitions', () => {
  it('raise makes a new alarm; a raise again counts without changing state; clear clears; raise after clear is new', () => {
    const book = new AlarmBook();
    const first = book.apply(raw('k', 'Raise', 1))!;
    expect(first).toMatchObject({ isNew: true, previous: 'Cleared', alarm: { state: 'Raised', count: 1, active: true, raisedAtMs: 1 } });
    const again = book.apply(raw('k', 'Raise', 2, { message: 'worse', severity: 'Critical', value: 42 }))!;
    expect(again).toMatchObject({ isNew: false, previous: 'Raised', alarm: { state: 'Raised', count: 2, message: 'worse', severity: 'Critical', value: 42, raisedAtMs: 1, updatedAtMs: 2 } });
    const cleared = book.apply(raw('k', 'Clear', 3))!;
    expect(cleared).toMatchObject({ previous: 'Raised', alarm: { state: 'Cleared', active: false, count: 3 } });
    expect(book.apply(raw('k', 'Clear', 4))).toBeUndefined();
    expect(book.apply(raw('never', 'Clear', 4))).toBeUndefined();
    const renewed = book.apply(raw('k', 'Raise', 5))!;
    expect(renewed).toMatchObject({ isNew: true, previous: 'Cleared', alarm: { state: 'Raised', count: 1, raisedAtMs: 5 } });
    expect(book.list()).toHaveLength(1);
  });

  it('an acknowledged alarm stays acknowledged on re-raise and clears on clear', () => {
    const book = new AlarmBook();
    book.apply(raw('k', 'Raise', 1));
    const ack = book.acknowledge('k', 'anna', 'on it', 2);
    expect(ack).toMatchObject({ previous: 'Raised', alarm: { state: 'Acknowledged', by: 'anna', comment: 'on it' } });
    expect(book.apply(raw('k', 'Raise', 3))!.alarm).toMatchObject({ state: 'Acknowledged', count: 2 });
    expect(refused(() => book.acknowledge('k', 'bob', '', 4)).code).toBe('InvalidState');
    expect(book.apply(raw('k', 'Clear', 5))).toMatchObject({ previous: 'Acknowledged', alarm: { state: 'Cleared' } });
    expect(refused(() => book.acknowledge('k', 'bob', '', 6)).code).toBe('InvalidState');
    expect(refused(() => book.acknowledge('nope', 'bob', '', 6)).code).toBe('NotFound');
  });

  it('a shelved alarm is kept and counted; a clear under the shelf leaves it Shelved but inactive; the shelf end decides', () => {
    const book = new AlarmBook();
    book.apply(raw('a', 'Raise', 1));
    book.apply(raw('b', 'Raise', 1));
    expect(book.shelve('a', 'anna', 100, 'maintenance', 2)).toMatchObject({ previous: 'Raised', alarm: { state: 'Shelved', shelvedUntilMs: 100 } });
    book.acknowledge('b', 'anna', '', 2);
    expect(book.shelve('b', 'anna', 200, '', 3).previous).toBe('Acknowledged');
    expect(book.apply(raw('a', 'Raise', 4))!.alarm).toMatchObject({ state: 'Shelved', count: 2, active: true });
    expect(book.apply(raw('b', 'Clear', 5))!.alarm).toMatchObject({ state: 'Shelved', active: false });
    expect(refused(() => book.shelve('a', 'x', 300, '', 6)).code).toBe('InvalidState');
    expect(refused(() => book.acknowledge('a', 'x', '', 6)).code).toBe('InvalidState');
    expect(book.expireShelves(99)).toEqual([]);
    const ended = book.expireShelves(100);
    expect(ended.map((c) => [c.alarm.key, c.previous, c.alarm.state])).toEqual([['a', 'Shelved', 'Raised']]);
    expect(book.unshelve('b', 'bob', 150)).toMatchObject({ previous: 'Shelved', alarm: { state: 'Cleared', shelvedUntilMs: 0, by: 'bob' } });
    expect(refused(() => book.unshelve('b', 'bob', 151)).code).toBe('InvalidState');
  });

  it('a cleared alarm can be shelved; shelving needs a future time', () => {
    const book = new AlarmBook();
    book.apply(raw('c', 'Raise', 1));
    book.apply(raw('c', 'Clear', 2));
    expect(refused(() => book.shelve('c', 'x', 2, '', 2)).code).toBe('InvalidArgument');
    expect(refused(() => book.shelve('zz', 'x', 20, '', 2)).code).toBe('NotFound');
    expect(book.shelve('c', 'x', 50, '', 3)).toMatchObject({ previous: 'Cleared', alarm: { state: 'Shelved', active: false } });
    // Raised under the shelf: when the shelf ends it is Raised.
    book.apply(raw('c', 'Raise', 10));
    expect(book.expireShelves(60).map((c) => c.alarm.state)).toEqual(['Raised']);
  });

  it('an occurrence raises an inactive alarm that clears itself at the next expiry; on an existing alarm it only counts', () => {
    const book = new AlarmBook();
    const trip = book.apply(raw('trip', 'Occurrence', 10))!;
    expect(trip).toMatchObject({ isNew: true, alarm: { state: 'Raised', active: false } });
    const cleared = book.expireShelves(10);
    expect(cleared.map((c) => [c.alarm.key, c.previous, c.alarm.state])).toEqual([['trip', 'Raised', 'Cleared']]);
    book.apply(raw('held', 'Raise', 20));
    expect(book.apply(raw('held', 'Occurrence', 21))!.alarm).toMatchObject({ state: 'Raised', active: true, count: 2 });
    expect(book.expireShelves(30)).toEqual([]);
    // An occurrence shelved before its clearing is left to the shelf.
    book.apply(raw('once', 'Occurrence', 40));
    book.shelve('once', 'x', 100, '', 41);
    expect(book.expireShelves(50)).toEqual([]);
    expect(book.expireShelves(100).map((c) => c.alarm.state)).toEqual(['Cleared']);
  });

  it('setWorkOrder records the id once', () => {
    const book = new AlarmBook();
    book.apply(raw('w', 'Raise', 1));
    expect(book.setWorkOrder('w', 'WO-1')!.alarm.workOrderId).toBe('WO-1');
    expect(book.setWorkOrder('w', 'WO-1')).toBeUndefined();
    expect(book.setWorkOrder('none', 'WO-2')).toBeUndefined();
    expect(book.get('w')!.workOrderId).toBe('WO-1');
  });

  it('changes are snapshots: later transitions do not alter a returned alarm', () => {
    const book = new AlarmBook();
    const change = book.apply(raw('s', 'Raise', 1))!;
    book.apply(raw('s', 'Clear', 2));
    expect(change.alarm.state).toBe('Raised');
  });

  it('keeps cleared alarms bounded in number and time', () => {
    const book = new AlarmBook({ maxCleared: 3, clearedRetentionMs: 1000 });
    for (let i = 0; i < 5; i++) {
      book.apply(raw(`c${i}`, 'Raise', i));
      book.apply(raw(`c${i}`, 'Clear', 10 + i));
    }
    book.apply(raw('live', 'Raise', 20));
    expect(book.list().map((a) => a.key).sort()).toEqual(['c2', 'c3', 'c4', 'live']);
    book.expireShelves(1012);
    expect(book.list().map((a) => a.key).sort()).toEqual(['c3', 'c4', 'live']);
  });
});

describe('AlarmBook state and persistence', () => {
  it('state() counts active and unacknowledged alarms per group and audience', () => {
    const book = new AlarmBook();
    book.apply(raw('f1a', 'Raise', 1, { severity: 'Minor' }));
    book.apply(raw('f1b', 'Raise', 1, { severity: 'Critical' }));
    book.acknowledge('f1b', 'x', '', 2);
    book.apply(raw('host', 'Raise', 1, { audience: 'Administrator', group: 'host:gw', severity: 'Warning' }));
    book.apply(raw('shelved', 'Raise', 1, { group: 'feeder:F2' }));
    book.shelve('shelved', 'x', 100, '', 2);
    book.apply(raw('gone', 'Raise', 1, { group: 'feeder:F3' }));
    book.apply(raw('gone', 'Clear', 2));
    const state = book.state(5, false, new Set(['feeder:F9']));
    expect(state).toMatchObject({ active: 3, unacknowledged: 2, administrator: 1, fieldEngineer: 2, worst: 'Critical', storm: true, inGrace: false, atMs: 5 });
    expect(state.groups).toEqual([
      { group: 'feeder:F1', active: 2, unacknowledged: 1, worst: 'Critical', storm: false },
      { group: 'feeder:F9', active: 0, unacknowledged: 0, worst: 'Info', storm: true },
      { group: 'host:gw', active: 1, unacknowledged: 1, worst: 'Warning', storm: false },
    ]);
    expect(new AlarmBook().state(1, true, new Set())).toMatchObject({ active: 0, worst: 'Info', inGrace: true, storm: false, groups: [] });
  });

  it('toJSON / fromJSON keeps alarms, states and self-clearing occurrences (through JSON text)', () => {
    const book = new AlarmBook();
    book.apply(raw('a', 'Raise', 1));
    book.apply(raw('b', 'Raise', 1, { value: NaN, hasValue: false }));
    book.acknowledge('b', 'anna', 'mine', 2);
    book.apply(raw('o', 'Occurrence', 3));
    const restored = AlarmBook.fromJSON(JSON.parse(JSON.stringify(book)));
    expect(restored.list()).toHaveLength(3);
    expect(restored.get('b')).toMatchObject({ state: 'Acknowledged', by: 'anna', comment: 'mine', hasValue: false });
    expect(Number.isNaN(restored.get('b')!.value)).toBe(true);
    expect(restored.expireShelves(3).map((c) => c.alarm.key)).toEqual(['o']);
    expect(() => AlarmBook.fromJSON({ version: 2, alarms: [] })).toThrow('unknown version 2');
    expect(() => AlarmBook.fromJSON({ version: 1, alarms: [{ key: 'x', state: 'Open' }] })).toThrow('alarm 0 is malformed');
  });
});
