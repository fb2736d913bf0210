import { describe, expect, it } from 'vitest';
import { RuleEngine, RuleError, parseRules } from '../../core/alarms/rules.js';
import type { DataPointRule, RawEvent } from '../../core/alarms/api.js';

function engine(rules: DataPointRule[]): { engine: RuleEngine; events: RawEvent[] } {
  const events: RawEvent[] = [];
  return { engine: new RuleEngine(rules, (e) => events.push(e)), events };
}

const kinds = (events: RawEvent[]): string[] => events.map((e) => `${e.kind}@${e.atMs}`);

describe('threshold rules', () => {
  const rule: DataPointRule = { id: 'u-high', kind: 'threshold', dataPoints: ['F1/mp-3/u'], severity: 'Major', high: 250, hysteresis: 5 };

  it('raise above high, stays raised inside the hysteresis band, clears once back by the hysteresis', () => {
    const { engine: e, events } = engine([rule]);
    e.evaluate('F1/mp-3/u', 1, 240);
    e.evaluate('F1/mp-3/u', 2, 250); // at the limit: not above
    expect(events).toHaveLength(0);
    e.evaluate('F1/mp-3/u', 3, 251);
    e.evaluate('F1/mp-3/u', 4, 260); // still above: no second raise
    e.evaluate('F1/mp-3/u', 5, 247); // inside, but not by 5
    e.evaluate('F1/mp-3/u', 6, 251);
    e.evaluate('F1/mp-3/u', 7, 245); // back by the hysteresis
    e.evaluate('F1/mp-3/u', 8, 246);
    expect(kinds(events)).toEqual(['Raise@3', 'Clear@7']);
    expect(events[0]).toMatchObject({
      key: 'dp:F1/mp-3/u:u-high',
      severity: 'Major',
      audience: 'FieldEngineer',
      category: 'grid',
      source: 'F1/mp-3/u',
      group: 'feeder:F1',
      value: 251,
      hasValue: true,
    });
    expect(events[0].message).toBe('F1/mp-3/u above 250 (251)');
  });

  it('low limit, and both limits with one key', () => {
    const { engine: e, events } = engine([{ id: 'u-band', kind: 'threshold', dataPoints: ['u'], severity: 'Minor', low: 207, high: 253, hysteresis: 2, message: '{dataPoint} out of band: {value} V (limit {limit})' }]);
    e.evaluate('u', 1, 230);
    e.evaluate('u', 2, 206.5);
    e.evaluate('u', 3, 208); // not back by 2
    e.evaluate('u', 4, 209);
    e.evaluate('u', 5, 254);
    e.evaluate('u', 6, 251);
    expect(kinds(events)).toEqual(['Raise@2', 'Clear@4', 'Raise@5', 'Clear@6']);
    expect(new Set(events.map((ev) => ev.key))).toEqual(new Set(['dp:u:u-band']));
    expect(events[0].message).toBe('u out of band: 206.5 V (limit 207)');
    expect(events[0].group).toBe('u');
  });

  it('a prefix rule applies to every data point under it, each with its own alarm, resolved once', () => {
    const { engine: e, events } = engine([{ id: 'p', kind: 'threshold', dataPoints: ['F2/*'], severity: 'Warning', high: 10, hysteresis: 1, group: 'host:gw-1', audience: 'Administrator', category: 'device' }]);
    e.evaluate('F2/a', 1, 11);
    e.evaluate('F2/b', 1, 12);
    e.evaluate('F3/a', 1, 100);
    expect(events.map((ev) => ev.key)).toEqual(['dp:F2/a:p', 'dp:F2/b:p']);
    expect(events[0]).toMatchObject({ group: 'host:gw-1', audience: 'Administrator', category: 'device' });
    expect(e.rulesOf('F2/zzz').map((r) => r.id)).toEqual(['p']);
    expect(e.rulesOf('F3/a')).toEqual([]);
  });

  it('invalid values (quality bit 7) are not compared: they neither raise nor clear', () => {
    const { engine: e, events } = engine([rule]);
    e.evaluate('F1/mp-3/u', 1, 999, 0x80);
    expect(events).toHaveLength(0);
    e.evaluate('F1/mp-3/u', 2, 260, 0x10 /* blocked only: still compared */);
    e.evaluate('F1/mp-3/u', 3, 0, 0x80 | 0x40);
    expect(kinds(events)).toEqual(['Raise@2']);
    e.evaluate('F1/mp-3/u', 4, NaN);
    e.evaluate('F1/mp-3/u', 5, 200);
    expect(kinds(events)).toEqual(['Raise@2', 'Clear@5']);
  });
});

describe('rate of change rules', () => {
  const rule: DataPointRule = { id: 'p-rate', kind: 'rate', dataPoints: ['F1/p'], severity: 'Minor', maxPerSecond: 100, clearAfterMs: 5000 };

  it('raises when |dv/dt| between consecutive values exceeds the limit; clears after clearAfterMs below', () => {
    const { engine: e, events } = engine([rule]);
    e.evaluate('F1/p', 0, 1000);
    e.evaluate('F1/p', 1000, 1090); // 90/s
    expect(events).toHaveLength(0);
    e.evaluate('F1/p', 1500, 1000); // 180/s falling
    expect(kinds(events)).toEqual(['Raise@1500']);
    expect(events[0].message).toBe('F1/p changes faster than 100/s (180/s)');
    e.evaluate('F1/p', 2500, 1010); // slow again, but only 1 s after
    e.evaluate('F1/p', 4000, 1500); // fast again: the quiet time restarts
    e.evaluate('F1/p', 8000, 1510);
    expect(kinds(events)).toEqual(['Raise@1500']);
    e.evaluate('F1/p', 9000, 1520); // 5 s after the last fast change
    expect(kinds(events)).toEqual(['Raise@1500', 'Clear@9000']);
  });

  it('tick clears a raised rate alarm once the quiet time is over when values stop after a slow one', () => {
    const { engine: e, events } = engine([rule]);
    e.evaluate('F1/p', 0, 0);
    e.evaluate('F1/p', 100, 100); // 1000/s
    e.tick(10_000); // the last value was the fast one: stays raised
    expect(kinds(events)).toEqual(['Raise@100']);
    e.evaluate('F1/p', 200, 101);
    e.tick(5000);
    expect(kinds(events)).toEqual(['Raise@100']);
    e.tick(5100);
    expect(kinds(events)).toEqual(['Raise@100', 'Clear@5100']);
  });

  it('out-of-order values are ignored and an invalid value restarts the rate', () => {
    const { engine: e, events } = engine([rule]);
    e.evaluate('F1/p', 1000, 0);
    e.evaluate('F1/p', 500, 1000); // older: no rate
    e.evaluate('F1/p', 1000, 5000); // same time: no rate
    e.evaluate('F1/p', 2000, 50, 0x80); // invalid
    e.evaluate('F1/p', 3000, 5000); // first valid after invalid: starts afresh
    expect(events).toHaveLength(0);
    e.evaluate('F1/p', 3010, 6000);
    expect(kinds(events)).toEqual(['Raise@3010']);
  });
});

describe('staleness rules', () => {
  it('raises once per silence (checked by tick), the next valid value clears', () => {
    const { engine: e, events } = engine([{ id: 'stale', kind: 'stale', dataPoints: ['F1/u', 'F1/i'], severity: 'Warning', maxAgeMs: 10_000 }]);
    e.tick(0); // F1/i never reports: its silence counts from the first tick
    e.evaluate('F1/u', 1000, 230);
    e.tick(10_000);
    expect(events).toHaveLength(0);
    e.tick(10_001);
    expect(events.map((ev) => `${ev.kind} ${ev.key}`)).toEqual(['Raise dp:F1/i:stale']);
    e.tick(11_001);
    expect(events.map((ev) => `${ev.kind} ${ev.key}`)).toEqual(['Raise dp:F1/i:stale', 'Raise dp:F1/u:stale']);
    expect(events[1]).toMatchObject({ hasValue: false, atMs: 11_001, message: 'F1/u: no valid value for 10 s' });
    e.tick(50_000);
    expect(events).toHaveLength(2);
    e.evaluate('F1/u', 50_001, 0, 0x80); // invalid: not a sign of life
    expect(events).toHaveLength(2);
    e.evaluate('F1/u', 50_002, 231);
    expect(events.map((ev) => `${ev.kind} ${ev.key}`).slice(2)).toEqual(['Clear dp:F1/u:stale']);
  });

  it('a data point that sends only invalid values goes stale', () => {
    const { engine: e, events } = engine([{ id: 'stale', kind: 'stale', dataPoints: ['F9/*'], severity: 'Minor', maxAgeMs: 1000 }]);
    e.evaluate('F9/x', 0, 1);
    for (let t = 100; t <= 3000; t += 100) e.evaluate('F9/x', t, 1, 0x80);
    e.tick(3000);
    expect(kinds(events)).toEqual(['Raise@3000']);
  });
});

describe('parseRules', () => {
  const valid = { id: 'a', kind: 'threshold', dataPoints: ['x'], severity: 'Major', high: 1, hysteresis: 0 };

  it('accepts valid rules of every kind', () => {
    const rules = parseRules([valid, { id: 'b', kind: 'rate', dataPoints: ['x*'], severity: 'Info', maxPerSecond: 1, clearAfterMs: 0 }, { id: 'c', kind: 'stale', dataPoints: ['y'], severity: 'Critical', maxAgeMs: 5 }]);
    expect(rules.map((r) => r.kind)).toEqual(['threshold', 'rate', 'stale']);
  });

  it.each([
    [{ ...valid, hysteresis: -1 }, 'rule 0 ("a"): field "hysteresis": must be a number >= 0, got -1'],
    [{ ...valid, hysteresis: undefined }, 'rule 0 ("a"): field "hysteresis": must be a number >= 0, got nothing'],
    [{ ...valid, hysterisis: 2 }, 'rule 0 ("a"): field "hysterisis": is not a field of a threshold rule'],
    [{ ...valid, high: undefined }, 'field "high": a threshold rule needs "high", "low" or both'],
    [{ ...valid, low: 5 }, 'field "high": must be above low (5), got 1'],
    [{ ...valid, low: 0, high: 10, hysteresis: 10 }, 'field "hysteresis": must be smaller than high - low (10)'],
    [{ ...valid, kind: 'limit' }, 'field "kind": must be "threshold", "rate" or "stale", got "limit"'],
    [{ ...valid, severity: 'major' }, 'field "severity": must be one of Info, Warning, Minor, Major, Critical, got "major"'],
    [{ ...valid, dataPoints: [] }, 'field "dataPoints": must be a non-empty array'],
    [{ ...valid, dataPoints: ['a*b'] }, 'field "dataPoints[0]": \'*\' is allowed only at the end'],
    [{ ...valid, id: 'a b' }, 'field "id": must not contain spaces'],
    [{ ...valid, audience: 'Operator' }, 'field "audience"'],
  ])('rejects %j with a message naming rule and field', (rule, message) => {
    expect(() => parseRules([rule])).toThrow(RuleError);
    expect(() => parseRules([rule])).toThrow(message);
  });

  it('names the second rule when ids repeat, and rejects a non-array', () => {
    expect(() => parseRules([valid, valid])).toThrow('rule 1 ("a"): field "id": is used by an earlier rule');
    expect(() => parseRules({ rules: [] })).toThrow('must be an array of rules');
    expect(() => parseRules([valid, { id: 'r', kind: 'rate', dataPoints: ['x'], severity: 'Minor', maxPerSecond: 0, clearAfterMs: 1 }])).toThrow('rule 1 ("r"): field "maxPerSecond": must be a number > 0, got 0');
  });
});
