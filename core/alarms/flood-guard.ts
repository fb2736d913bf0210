// Flood protection: which alarm changes become notifications for people.
//
// - Grace period after start: nothing is notified for graceMs (links reconnect, rules see their
//   first values, old conditions come back all at once); at its end one summary of what is active.
// - Notification types (Fledge): a new alarm is notified once when raised; its clearing is notified
//   only when its raising was (toggle); an occurrence (a raise that is not active) once, without a
//   clearing (one-shot). Re-raises of an alarm that is already there are counted, not notified.
// - Acknowledged and shelved alarms never notify; the clearing of an acknowledged alarm does not
//   either (someone owns it already; the dashboard shows it).
// - Rate limit per group (common cause: a feeder, a host, a link): at most maxPerGroup single
//   notifications per rateWindowMs; the ones held back are counted and mentioned in the next text.
// - Storm mode per group: stormEvents raw events within stormWindowMs start a storm; singles for
//   that group stop; one StormSummary at once, then at most one per stormSummaryIntervalMs while
//   raw events keep coming, and a StormOver once the group had no raw event for stormQuietMs.
//
// observe() only counts; a storm it detects is announced by the next consider() or tick().

import type { Alarm, AlarmChange, FloodGuardApi, FloodSettings, OperatorNotification, RawEvent } from './api.js';
import { groupOf, severityRank } from './alarm-book.js';
import { notificationTexts } from './notification-text.js';

/**
 * Defaults, chosen for a secondary substation with a few feeders:
 * - graceMs 60 s: RTUs reconnect and general interrogations finish within a minute after a restart;
 * - maxPerGroup 2 per rateWindowMs 60 s: two separate faults on one feeder within a minute happen;
 *   a third is a pattern, better told by a summary than by a third message;
 * - stormEvents 8 within stormWindowMs 10 s: a feeder in normal operation makes a few raw events
 *   per hour; eight in ten seconds is a common cause (a thunderstorm, a failing RTU);
 * - stormSummaryIntervalMs 60 s: at most one summary a minute while the storm rages;
 * - stormQuietMs 30 s: the storm is over after half a minute without raw events.
 * Worst case during a storm on one group: 2 singles before the storm is seen, 1 summary, 1 per
 * further minute, 1 "storm over": the thunderstorm of 1,000 events in 10 s gives at most 4.
 */
export const floodDefaults: FloodSettings = Object.freeze({
  graceMs: 60_000,
  maxPerGroup: 2,
  rateWindowMs: 60_000,
  stormEvents: 8,
  stormWindowMs: 10_000,
  stormSummaryIntervalMs: 60_000,
  stormQuietMs: 30_000,
});

/** Checks settings (from a module's configuration) and fills in the defaults. */
export function floodSettings(partial: Partial<FloodSettings> = {}): FloodSettings {
  const settings: FloodSettings = { ...floodDefaults, ...partial };
  for (const [name, value] of Object.entries(settings)) {
    const integer = name === 'maxPerGroup' || name === 'stormEvents';
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && (!Number.isInteger(value) || value < 1)))
      throw new RangeError(`flood protection: ${name} must be ${integer ? 'an integer >= 1' : 'a number of milliseconds >= 0'}, got ${String(value)}`);
  }
  return settings;
}

interface Storm {
  startedAtMs: number;
  lastEventAtMs: number;
  rawEvents: number;
  alarmsRaised: number;
  /** Raw events at the last summary (a summary repeats only when something happened). */
  rawEventsAtSummary: number;
  lastSummaryAtMs: number;
  announced: boolean;
}

interface GroupState {
  /** Ring of the last stormEvents raw event times. */
  eventTimes: Float64Array;
  eventHead: number;
  eventCount: number;
  /** Times of new alarms within the storm window before a storm (to count them into it). */
  raiseTimes: number[];
  /** Ring of the last maxPerGroup notification times. */
  notifyTimes: Float64Array;
  notifyHead: number;
  notifyCount: number;
  suppressed: number;
  worst: Alarm | undefined;
  lastActivityMs: number;
  storm: Storm | undefined;
}

export class FloodGuard implements FloodGuardApi {
  readonly settings: FloodSettings;
  private readonly graceEndMs: number;
  private graceOver = false;
  private graceRawEvents = 0;
  private readonly groups = new Map<string, GroupState>();
  private readonly storms = new Set<string>();
  /** Storms detected by observe() and not yet announced. */
  private readonly pending = new Set<string>();
  /** Keys whose raising was notified (so their clearing is). */
  private readonly notified = new Set<string>();

  constructor(settings: Partial<FloodSettings> = {}, startMs: number) {
    this.settings = floodSettings(settings);
    this.graceEndMs = startMs + this.settings.graceMs;
    this.graceOver = this.settings.graceMs === 0; // no grace period, no summary at its end
  }

  inGrace(nowMs: number): boolean {
    return nowMs < this.graceEndMs;
  }

  stormGroups(): ReadonlySet<string> {
    return this.storms;
  }

  observe(event: RawEvent, nowMs: number): void {
    const name = groupOf(event);
    const group = this.group(name);
    group.lastActivityMs = nowMs;
    if (this.inGrace(nowMs)) this.graceRawEvents++;
    if (group.storm) {
      group.storm.rawEvents++;
      group.storm.lastEventAtMs = nowMs;
      return;
    }
    const { stormEvents, stormWindowMs } = this.settings;
    group.eventTimes[group.eventHead] = nowMs;
    group.eventHead = (group.eventHead + 1) % stormEvents;
    if (group.eventCount < stormEvents) group.eventCount++;
    if (group.eventCount < stormEvents) return;
    const oldest = group.eventTimes[group.eventHead]; // the ring is full: the next slot holds the oldest
    if (nowMs - oldest > stormWindowMs) return;
    const raised = group.raiseTimes.filter((t) => t >= oldest).length;
    group.storm = {
      startedAtMs: oldest,
      lastEventAtMs: nowMs,
      rawEvents: stormEvents,
      alarmsRaised: raised,
      rawEventsAtSummary: 0,
      lastSummaryAtMs: -Infinity,
      announced: false,
    };
    group.raiseTimes.length = 0;
    this.storms.add(name);
    // Storms that begin in the grace period are covered by the summary at its end.
    if (!this.inGrace(nowMs)) this.pending.add(name);
  }

  consider(change: AlarmChange, nowMs: number): OperatorNotification[] {
    const alarm = change.alarm;
    const name = groupOf(alarm);
    const group = this.group(name);
    group.lastActivityMs = Math.max(group.lastActivityMs, nowMs);
    if (change.isNew) this.countRaise(group, alarm, nowMs);
    const out = this.announcePending(nowMs);
    if (alarm.state === 'Acknowledged' || alarm.state === 'Shelved') {
      this.notified.delete(alarm.key);
      return out;
    }
    let kind: 'raised' | 'occurred' | 'cleared' | undefined;
    if (alarm.state === 'Raised' && (change.isNew || change.previous === 'Shelved')) kind = alarm.active ? 'raised' : 'occurred';
    else if (alarm.state === 'Cleared' && change.previous === 'Raised' && this.notified.has(alarm.key)) kind = 'cleared';
    if (kind === undefined) {
      if (alarm.state === 'Cleared') this.notified.delete(alarm.key);
      return out;
    }
    if (kind === 'cleared') this.notified.delete(alarm.key);
    if (this.inGrace(nowMs)) return out;
    if (group.storm) return out; // the storm's summaries speak for it
    if (!this.allow(group, nowMs)) {
      group.suppressed++;
      return out;
    }
    const suppressed = group.suppressed;
    group.suppressed = 0;
    if (kind === 'raised') this.notified.add(alarm.key);
    out.push({
      kind: 'Alarm',
      alarm,
      group: '',
      alarmsRaised: 0,
      rawEvents: 0,
      text: notificationTexts[kind](alarm, suppressed),
      atMs: nowMs,
    });
    return out;
  }

  tick(nowMs: number, active: readonly Alarm[]): OperatorNotification[] {
    const out = this.announcePending(nowMs);
    if (!this.graceOver && !this.inGrace(nowMs)) {
      this.graceOver = true;
      const loud = active.filter((a) => a.state === 'Raised' || (a.state === 'Acknowledged' && a.active));
      for (const name of this.storms) {
        const storm = this.groups.get(name)!.storm!;
        storm.announced = true;
        storm.lastSummaryAtMs = nowMs;
        storm.rawEventsAtSummary = storm.rawEvents;
      }
      if (loud.length > 0) {
        const worst = worstOf(loud);
        const groups = new Set(loud.map(groupOf)).size;
        out.push({
          kind: 'StormSummary',
          alarm: worst,
          group: '',
          alarmsRaised: loud.length,
          rawEvents: this.graceRawEvents,
          text: notificationTexts.started(loud.length, groups, worst),
          atMs: nowMs,
        });
      }
    }
    const { stormQuietMs, stormSummaryIntervalMs, rateWindowMs, stormWindowMs } = this.settings;
    for (const [name, group] of this.groups) {
      const storm = group.storm;
      if (storm === undefined) {
        // Forget groups that have nothing to remember (bounded memory with many sources).
        if (nowMs - group.lastActivityMs > Math.max(rateWindowMs, stormWindowMs) && group.suppressed === 0) this.groups.delete(name);
        continue;
      }
      if (nowMs - storm.lastEventAtMs >= stormQuietMs) {
        if (storm.announced) {
          const stillActive = active.filter((a) => a.active && a.state !== 'Cleared' && groupOf(a) === name);
          out.push({
            kind: 'StormOver',
            alarm: stillActive.length > 0 ? worstOf(stillActive) : group.worst,
            group: name,
            alarmsRaised: storm.alarmsRaised,
            rawEvents: storm.rawEvents,
            text: notificationTexts.stormOver(name, storm.alarmsRaised, storm.rawEvents, storm.lastEventAtMs - storm.startedAtMs, stillActive.length),
            atMs: nowMs,
          });
        }
        group.storm = undefined;
        group.eventCount = 0;
        group.eventHead = 0;
        group.suppressed = 0;
        group.worst = undefined;
        this.storms.delete(name);
        this.pending.delete(name);
      } else if (storm.announced && nowMs - storm.lastSummaryAtMs >= stormSummaryIntervalMs && storm.rawEvents > storm.rawEventsAtSummary) {
        out.push(this.summary(name, group, storm, nowMs));
      }
    }
    return out;
  }

  private summary(name: string, group: GroupState, storm: Storm, nowMs: number): OperatorNotification {
    storm.announced = true;
    storm.lastSummaryAtMs = nowMs;
    storm.rawEventsAtSummary = storm.rawEvents;
    return {
      kind: 'StormSummary',
      alarm: group.worst,
      group: name,
      alarmsRaised: storm.alarmsRaised,
      rawEvents: storm.rawEvents,
      text: notificationTexts.storm(name, storm.alarmsRaised, storm.rawEvents, nowMs - storm.startedAtMs, group.worst),
      atMs: nowMs,
    };
  }

  private announcePending(nowMs: number): OperatorNotification[] {
    if (this.pending.size === 0) return [];
    const out: OperatorNotification[] = [];
    for (const name of this.pending) {
      const group = this.groups.get(name);
      if (group?.storm && !group.storm.announced) out.push(this.summary(name, group, group.storm, nowMs));
    }
    this.pending.clear();
    return out;
  }

  private countRaise(group: GroupState, alarm: Alarm, nowMs: number): void {
    if (group.storm) {
      group.storm.alarmsRaised++;
      if (group.worst === undefined || severityRank(alarm.severity) > severityRank(group.worst.severity)) group.worst = alarm;
      return;
    }
    const since = nowMs - this.settings.stormWindowMs;
    if (group.raiseTimes.length >= this.settings.stormEvents) group.raiseTimes.shift();
    while (group.raiseTimes.length > 0 && group.raiseTimes[0] < since) group.raiseTimes.shift();
    // Outside a storm the worst alarm is the worst of the recent ones (a storm's summary starts from them).
    if (group.raiseTimes.length === 0 || group.worst === undefined || severityRank(alarm.severity) > severityRank(group.worst.severity)) group.worst = alarm;
    group.raiseTimes.push(nowMs);
  }

  /** The rate limit: a slot is free when fewer than maxPerGroup notifications went out within the window. */
  private allow(group: GroupState, nowMs: number): boolean {
    const { maxPerGroup, rateWindowMs } = this.settings;
    if (group.notifyCount === maxPerGroup && nowMs - group.notifyTimes[group.notifyHead] < rateWindowMs) return false;
    group.notifyTimes[group.notifyHead] = nowMs;
    group.notifyHead = (group.notifyHead + 1) % maxPerGroup;
    if (group.notifyCount < maxPerGroup) group.notifyCount++;
    return true;
  }

  private group(name: string): GroupState {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = {
        eventTimes: new Float64Array(this.settings.stormEvents),
        eventHead: 0,
        eventCount: 0,
        raiseTimes: [],
        notifyTimes: new Float64Array(this.settings.maxPerGroup),
        notifyHead: 0,
        notifyCount: 0,
        suppressed: 0,
        worst: undefined,
        lastActivityMs: -Infinity,
        storm: undefined,
      };
      this.groups.set(name, group);
    }
    return group;
  }
}

function worstOf(alarms: readonly Alarm[]): Alarm | undefined {
  let worst: Alarm | undefined;
  for (const alarm of alarms) if (worst === undefined || severityRank(alarm.severity) > severityRank(worst.severity)) worst = alarm;
  return worst;
}
