// Data point alarms that were active when the module stopped. The alarm book comes back from its
// file, but the rule engine starts fresh (every rule "normal"): it raises again when a value is
// still beyond its limit, and would never clear an alarm whose condition ended while the module
// was down. This watches the first values of those data points after a start and clears such an
// alarm once a value shows the condition is over, by the rule's own terms: a threshold value back
// inside by the hysteresis, a stale point reporting again, a rate rule not raised again for
// clearAfterMs of values. An alarm whose rule is no longer configured is cleared at start.

import type { DataPointRule } from '../../core/alarms/api.js';
import { ruleMessages } from '../../core/alarms/notification-text.js';
import { QUALITY_INVALID } from '../../core/alarms/rules.js';
import type { Alarm, RawEvent } from '../../schemas/generated/messages.js';

interface Watched {
  readonly alarm: Alarm;
  readonly rule: DataPointRule;
  /** Rate rules: the first value seen after the start. */
  firstValueMs: number;
}

function clearOf(alarm: Alarm, atMs: number, message: string, value?: number): RawEvent {
  return {
    key: alarm.key,
    kind: 'Clear',
    severity: alarm.severity,
    audience: alarm.audience,
    category: alarm.category ?? '',
    source: alarm.source ?? '',
    group: alarm.group ?? '',
    message,
    value: value ?? 0,
    hasValue: value !== undefined,
    atMs,
  };
}

export class RestoredRuleAlarms {
  private readonly watched = new Map<string, Watched[]>();

  /**
   * @param active the book's active alarms at start
   * @param rulesOf the rule engine's rules for a data point
   * @param emit where clears go (the module's raw event pipeline)
   */
  constructor(active: readonly Alarm[], rulesOf: (dataPoint: string) => readonly DataPointRule[], emit: (event: RawEvent) => void, nowMs: number) {
    for (const alarm of active) {
      if (!alarm.active || !alarm.key.startsWith('dp:')) continue;
      const colon = alarm.key.lastIndexOf(':');
      const dataPoint = alarm.key.slice(3, colon);
      const ruleId = alarm.key.slice(colon + 1);
      const rule = colon > 3 ? rulesOf(dataPoint).find((r) => r.id === ruleId) : undefined;
      if (rule === undefined) {
        emit(clearOf(alarm, nowMs, `${dataPoint}: rule "${ruleId}" is no longer configured`));
        continue;
      }
      const list = this.watched.get(dataPoint);
      const entry = { alarm, rule, firstValueMs: Number.NaN };
      if (list) list.push(entry);
      else this.watched.set(dataPoint, [entry]);
    }
  }

  get size(): number {
    return this.watched.size;
  }

  /** The rule engine raised this key again: it owns the alarm from now on. */
  raisedAgain(key: string): void {
    if (this.watched.size === 0 || !key.startsWith('dp:')) return;
    const dataPoint = key.slice(3, key.lastIndexOf(':'));
    const list = this.watched.get(dataPoint);
    if (!list) return;
    const rest = list.filter((w) => w.alarm.key !== key);
    if (rest.length > 0) this.watched.set(dataPoint, rest);
    else this.watched.delete(dataPoint);
  }

  /** One value, after the rule engine saw it. */
  value(dataPoint: string, timestampMs: number, value: number, quality: number, emit: (event: RawEvent) => void): void {
    const list = this.watched.get(dataPoint);
    if (list === undefined || (quality & QUALITY_INVALID) !== 0 || value !== value) return;
    const rest: Watched[] = [];
    for (const entry of list) {
      const rule = entry.rule;
      let over = false;
      if (rule.kind === 'threshold') {
        const high = rule.high ?? Number.POSITIVE_INFINITY;
        const low = rule.low ?? Number.NEGATIVE_INFINITY;
        over = value > high - rule.hysteresis || value < low + rule.hysteresis;
      } else if (rule.kind === 'rate') {
        if (entry.firstValueMs !== entry.firstValueMs) entry.firstValueMs = timestampMs;
        over = timestampMs - entry.firstValueMs < rule.clearAfterMs;
      }
      if (over) rest.push(entry);
      else emit(clearOf(entry.alarm, timestampMs, rule.kind === 'stale' ? ruleMessages.fresh(dataPoint) : ruleMessages.normal(dataPoint, value), value));
    }
    if (rest.length > 0) this.watched.set(dataPoint, rest);
    else this.watched.delete(dataPoint);
  }
}
