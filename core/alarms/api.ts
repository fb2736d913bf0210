// The contract of the alarm engine (core/alarms), used by actors/alarms and usable without the bus.
// Four parts, each a file of its own:
// - rules (rules.ts): data point rules (threshold with hysteresis, rate of change, staleness)
//   evaluated per value on hot paths; they report transitions as RawEvents;
// - the alarm book (alarm-book.ts): one alarm per key and its state machine
//   (raised, acknowledged, cleared, shelved);
// - flood protection (flood-guard.ts): which changes become notifications for people: a start
//   grace period, rate limits per group, storm mode with summaries;
// - the raw event log (event-log.ts): every raw event kept on disk and queryable.
// Wire types are the generated ones of schemas/alarms.fbs.

import type { Alarm, Audience, OperatorNotification, RawEvent, Severity, SubstationState } from '../../schemas/generated/messages.js';

export type { Alarm, Audience, OperatorNotification, RawEvent, Severity, SubstationState };

/** What every rule says about the alarms it makes. */
export interface RuleTarget {
  /** Unique among the rules; part of the alarm keys ("dp:<data point>:<rule id>"). */
  id: string;
  /** Data point names; a trailing '*' matches a prefix ("feeder-1/*"). */
  dataPoints: string[];
  severity: Severity;
  /** Default FieldEngineer: data point rules are about the grid or devices. */
  audience?: Audience;
  /** Default "grid". */
  category?: string;
  /**
   * The common cause for flood protection. Default: the data point's prefix up to its first '/'
   * as "feeder:<prefix>" when it has one, else the data point.
   */
  group?: string;
  /** Text of the alarm; {dataPoint}, {value}, {limit} are filled in. */
  message?: string;
}

export type DataPointRule =
  | (RuleTarget & {
      kind: 'threshold';
      /** Raised above high (or below low); cleared only once back by `hysteresis` inside. */
      high?: number;
      low?: number;
      hysteresis: number;
    })
  | (RuleTarget & {
      kind: 'rate';
      /** Raised when |dv/dt| between consecutive values exceeds this (units per second). */
      maxPerSecond: number;
      /** Cleared once the rate stayed below the limit this long. */
      clearAfterMs: number;
    })
  | (RuleTarget & {
      kind: 'stale';
      /** Raised when a data point had no value for this long (checked by tick()); cleared by the next value. */
      maxAgeMs: number;
    });

/** Evaluates data point rules; reports transitions only (raise, clear), never one event per value. */
export interface RuleEngineApi {
  /** One value; `quality` is the FieldQuality bits (invalid values are not compared with limits). */
  evaluate(dataPoint: string, timestampMs: number, value: number, quality?: number): void;
  /** Staleness: raises for data points silent longer than their rule allows. */
  tick(nowMs: number): void;
  /** Rules that apply to a data point (for GetRules-like listings and tests). */
  rulesOf(dataPoint: string): readonly DataPointRule[];
}

/** The outcome of applying something to the alarm book. */
export interface AlarmChange {
  alarm: Alarm;
  isNew: boolean;
  /** The state before (Cleared for a new alarm). */
  previous: Alarm['state'];
}

export interface AlarmBookApi {
  /** A raw event: raises (or re-raises) its key's alarm, clears it, or counts it. Undefined when nothing changed visibly. */
  apply(event: RawEvent): AlarmChange | undefined;
  acknowledge(key: string, by: string, comment: string, nowMs: number): AlarmChange;
  shelve(key: string, by: string, untilMs: number, comment: string, nowMs: number): AlarmChange;
  unshelve(key: string, by: string, nowMs: number): AlarmChange;
  /** Ends shelves whose time has come. */
  expireShelves(nowMs: number): AlarmChange[];
  /** Records the work order id a webhook returned. */
  setWorkOrder(key: string, workOrderId: string): AlarmChange | undefined;
  get(key: string): Alarm | undefined;
  list(): readonly Alarm[];
  state(nowMs: number, inGrace: boolean, stormGroups: ReadonlySet<string>): SubstationState;
}

/** Flood protection settings (defaults in flood-guard.ts). */
export interface FloodSettings {
  /** After start, nothing is notified for this long; then one summary of what is active. */
  graceMs: number;
  /** At most this many single-alarm notifications per group per window... */
  maxPerGroup: number;
  rateWindowMs: number;
  /** ...and storm mode for a group once it has this many raw events within stormWindowMs. */
  stormEvents: number;
  stormWindowMs: number;
  /** In a storm, at most one summary per this interval. */
  stormSummaryIntervalMs: number;
  /** The storm ends after this long without raw events in the group (a StormOver notification). */
  stormQuietMs: number;
}

export interface FloodGuardApi {
  /** Every raw event passes here first (storm detection counts them). */
  observe(event: RawEvent, nowMs: number): void;
  /** An alarm change: the notifications it causes now (often none). Acknowledged and shelved alarms never notify. */
  consider(change: AlarmChange, nowMs: number): OperatorNotification[];
  /** Timers: grace end, storm summaries, storm over. */
  tick(nowMs: number, active: readonly Alarm[]): OperatorNotification[];
  inGrace(nowMs: number): boolean;
  stormGroups(): ReadonlySet<string>;
}

export interface RawEventQuery {
  fromMs: number;
  toMs: number;
  keyPrefix?: string;
  group?: string;
  limit: number;
}

/** Every raw event, appended to files under a directory, kept for a retention period. */
export interface EventLogApi {
  append(event: RawEvent): void;
  /** Oldest first; `truncated` when more matched than the limit. */
  query(query: RawEventQuery): { events: RawEvent[]; truncated: boolean };
  /** Writes what is buffered (group commit). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
