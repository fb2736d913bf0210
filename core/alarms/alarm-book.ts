// The alarm book: one alarm per key and its state machine.
//
//   (absent) or Cleared --Raise--------> Raised (a new alarm: count 1, new raised_at)
//   Raised / Acknowledged / Shelved --Raise--> same state, count+1, message and value updated, active
//   Raised / Acknowledged --Clear------> Cleared
//   Shelved --Clear--------------------> Shelved, active = false (the shelf ends later)
//   Raised --acknowledge---------------> Acknowledged (only from Raised; else InvalidState)
//   Raised / Acknowledged / Cleared --shelve--> Shelved until a time
//   Shelved --unshelve or expiry-------> Raised when the condition still holds, else Cleared
//
// Occurrences (one-shot events: a breaker trip, a restart) raise an alarm that is not active
// (nothing holds) and marks it to clear itself: the next expireShelves() at or after
// atMs + occurrenceHoldMs clears it unless someone shelved it meanwhile. An occurrence on an alarm
// that is already there (Raised, Acknowledged, Shelved) only counts. Flood protection sees an
// inactive raise and notifies it once without a "cleared" afterwards (one-shot).
//
// Cleared alarms stay listed for clearedRetentionMs, at most maxCleared of them (oldest go first).

import type { Alarm, AlarmBookApi, AlarmChange, RawEvent, Severity, SubstationState } from './api.js';
import type { AlarmErrorCode, AlarmGroupState, AlarmState } from '../../schemas/generated/messages.js';

/** A request the book refuses; `code` maps one to one onto AlarmErrorReply. */
export class AlarmRequestError extends Error {
  constructor(
    readonly code: Exclude<AlarmErrorCode, 'Unknown'>,
    message: string,
  ) {
    super(message);
    this.name = 'AlarmRequestError';
  }
}

export interface AlarmBookOptions {
  /** How long cleared alarms stay listed (default 24 h). */
  clearedRetentionMs?: number;
  /** At most this many cleared alarms are kept (default 10,000). */
  maxCleared?: number;
  /** An occurrence's alarm clears itself this long after it happened (default 0: at the next expireShelves). */
  occurrenceHoldMs?: number;
}

const SEVERITY_RANK: Record<Severity, number> = { Info: 0, Warning: 1, Minor: 2, Major: 3, Critical: 4 };
const STATES: readonly AlarmState[] = ['Raised', 'Acknowledged', 'Cleared', 'Shelved'];

export function worseSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

/** The group an alarm counts under: its group, else its source, else its key. */
export function groupOf(alarm: { group?: string; source?: string; key: string }): string {
  return alarm.group || alarm.source || alarm.key;
}

/** The book's persisted form (toJSON / fromJSON). */
export interface AlarmBookSnapshot {
  version: 1;
  alarms: Alarm[];
  /** Keys of occurrence alarms and when they clear themselves. */
  selfClearing: [string, number][];
}

function copy(alarm: Alarm): Alarm {
  return { ...alarm };
}

export class AlarmBook implements AlarmBookApi {
  private readonly alarms = new Map<string, Alarm>();
  /** Cleared keys, oldest clearing first (re-inserted when a key clears again). */
  private readonly cleared = new Map<string, number>();
  private readonly selfClearing = new Map<string, number>();
  private readonly clearedRetentionMs: number;
  private readonly maxCleared: number;
  private readonly occurrenceHoldMs: number;

  constructor(options: AlarmBookOptions = {}) {
    this.clearedRetentionMs = options.clearedRetentionMs ?? 24 * 3600_000;
    this.maxCleared = options.maxCleared ?? 10_000;
    this.occurrenceHoldMs = options.occurrenceHoldMs ?? 0;
    if (!(this.clearedRetentionMs >= 0) || !(this.maxCleared >= 0) || !(this.occurrenceHoldMs >= 0)) throw new RangeError('AlarmBook options must be numbers >= 0');
  }

  get size(): number {
    return this.alarms.size;
  }

  apply(event: RawEvent): AlarmChange | undefined {
    const alarm = this.alarms.get(event.key);
    const previous: AlarmState = alarm?.state ?? 'Cleared';
    if (event.kind === 'Clear') {
      if (alarm === undefined || !alarm.active) return undefined;
      alarm.active = false;
      alarm.updatedAtMs = event.atMs;
      alarm.count++;
      if (event.message) alarm.message = event.message;
      alarm.value = event.value;
      alarm.hasValue = event.hasValue;
      if (alarm.state !== 'Shelved') this.markCleared(alarm, event.atMs);
      return { alarm: copy(alarm), isNew: false, previous };
    }
    const occurrence = event.kind === 'Occurrence';
    if (alarm === undefined || alarm.state === 'Cleared') {
      const fresh: Alarm = {
        key: event.key,
        state: 'Raised',
        severity: event.severity,
        audience: event.audience,
        category: event.category ?? '',
        source: event.source ?? '',
        group: event.group ?? '',
        message: event.message ?? '',
        value: event.value,
        hasValue: event.hasValue,
        raisedAtMs: event.atMs,
        updatedAtMs: event.atMs,
        count: 1,
        by: '',
        comment: '',
        shelvedUntilMs: 0,
        active: !occurrence,
        workOrderId: '',
      };
      this.alarms.set(event.key, fresh);
      this.cleared.delete(event.key);
      if (occurrence) this.selfClearing.set(event.key, event.atMs + this.occurrenceHoldMs);
      return { alarm: copy(fresh), isNew: true, previous };
    }
    alarm.count++;
    alarm.updatedAtMs = event.atMs;
    if (event.message) alarm.message = event.message;
    alarm.value = event.value;
    alarm.hasValue = event.hasValue;
    alarm.severity = event.severity;
    if (!occurrence) {
      alarm.active = true;
      this.selfClearing.delete(event.key); // a real condition now holds: it no longer clears by itself
    }
    return { alarm: copy(alarm), isNew: false, previous };
  }

  acknowledge(key: string, by: string, comment: string, nowMs: number): AlarmChange {
    const alarm = this.require(key);
    if (alarm.state !== 'Raised') throw new AlarmRequestError('InvalidState', `alarm ${key} is ${alarm.state}: only a Raised alarm can be acknowledged`);
    const previous = alarm.state;
    alarm.state = 'Acknowledged';
    alarm.by = by;
    alarm.comment = comment;
    alarm.updatedAtMs = nowMs;
    return { alarm: copy(alarm), isNew: false, previous };
  }

  shelve(key: string, by: string, untilMs: number, comment: string, nowMs: number): AlarmChange {
    const alarm = this.require(key);
    if (!Number.isFinite(untilMs) || untilMs <= nowMs) throw new AlarmRequestError('InvalidArgument', `cannot shelve ${key} until ${untilMs}: the time must lie in the future (now ${nowMs})`);
    if (alarm.state === 'Shelved') throw new AlarmRequestError('InvalidState', `alarm ${key} is already shelved until ${new Date(alarm.shelvedUntilMs).toISOString()}: unshelve it first`);
    const previous = alarm.state;
    alarm.state = 'Shelved';
    alarm.shelvedUntilMs = untilMs;
    alarm.by = by;
    alarm.comment = comment;
    alarm.updatedAtMs = nowMs;
    this.cleared.delete(key);
    return { alarm: copy(alarm), isNew: false, previous };
  }

  unshelve(key: string, by: string, nowMs: number): AlarmChange {
    const alarm = this.require(key);
    if (alarm.state !== 'Shelved') throw new AlarmRequestError('InvalidState', `alarm ${key} is ${alarm.state}, not shelved`);
    alarm.by = by;
    return this.endShelf(alarm, nowMs);
  }

  expireShelves(nowMs: number): AlarmChange[] {
    const changes: AlarmChange[] = [];
    for (const alarm of this.alarms.values()) {
      if (alarm.state === 'Shelved' && alarm.shelvedUntilMs <= nowMs) changes.push(this.endShelf(alarm, nowMs));
    }
    for (const [key, atMs] of this.selfClearing) {
      if (atMs > nowMs) continue;
      const alarm = this.alarms.get(key);
      this.selfClearing.delete(key);
      if (alarm === undefined || alarm.active || (alarm.state !== 'Raised' && alarm.state !== 'Acknowledged')) continue;
      const previous = alarm.state;
      alarm.updatedAtMs = nowMs;
      this.markCleared(alarm, nowMs);
      changes.push({ alarm: copy(alarm), isNew: false, previous });
    }
    this.pruneCleared(nowMs);
    return changes;
  }

  setWorkOrder(key: string, workOrderId: string): AlarmChange | undefined {
    const alarm = this.alarms.get(key);
    if (alarm === undefined || alarm.workOrderId === workOrderId) return undefined;
    alarm.workOrderId = workOrderId;
    return { alarm: copy(alarm), isNew: false, previous: alarm.state };
  }

  get(key: string): Alarm | undefined {
    const alarm = this.alarms.get(key);
    return alarm && copy(alarm);
  }

  list(): readonly Alarm[] {
    return [...this.alarms.values()].map(copy);
  }

  /**
   * The aggregated state. Counted as active: Raised and Acknowledged alarms whose condition holds
   * (shelved ones are muted on purpose and do not count); unacknowledged: Raised alarms
   * (occurrences included until they clear themselves). The worst severity is over both.
   */
  state(nowMs: number, inGrace: boolean, stormGroups: ReadonlySet<string>): SubstationState {
    const result: SubstationState = { active: 0, unacknowledged: 0, administrator: 0, fieldEngineer: 0, worst: 'Info', storm: stormGroups.size > 0, groups: [], inGrace, atMs: nowMs };
    const groups = new Map<string, AlarmGroupState>();
    for (const group of stormGroups) groups.set(group, { group, active: 0, unacknowledged: 0, worst: 'Info', storm: true });
    for (const alarm of this.alarms.values()) {
      const active = alarm.active && (alarm.state === 'Raised' || alarm.state === 'Acknowledged');
      const unacknowledged = alarm.state === 'Raised';
      if (!active && !unacknowledged) continue;
      const name = groupOf(alarm);
      let group = groups.get(name);
      if (group === undefined) {
        group = { group: name, active: 0, unacknowledged: 0, worst: 'Info', storm: false };
        groups.set(name, group);
      }
      if (active) {
        result.active++;
        group.active++;
        if (alarm.audience === 'Administrator') result.administrator++;
        else result.fieldEngineer++;
      }
      if (unacknowledged) {
        result.unacknowledged++;
        group.unacknowledged++;
      }
      result.worst = worseSeverity(result.worst, alarm.severity);
      group.worst = worseSeverity(group.worst, alarm.severity);
    }
    result.groups = [...groups.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return result;
  }

  toJSON(): AlarmBookSnapshot {
    return { version: 1, alarms: this.list() as Alarm[], selfClearing: [...this.selfClearing] };
  }

  /** Restores a book saved with toJSON (checks the shape: a damaged file must not become a broken book). */
  static fromJSON(data: unknown, options: AlarmBookOptions = {}): AlarmBook {
    const fail = (problem: string): never => {
      throw new TypeError(`alarm book snapshot: ${problem}`);
    };
    if (typeof data !== 'object' || data === null) return fail('not an object');
    const snapshot = data as Partial<AlarmBookSnapshot>;
    if (snapshot.version !== 1) fail(`unknown version ${String(snapshot.version)}`);
    if (!Array.isArray(snapshot.alarms)) fail('"alarms" is not an array');
    const book = new AlarmBook(options);
    snapshot.alarms!.forEach((alarm: Alarm, index) => {
      if (typeof alarm !== 'object' || alarm === null || typeof alarm.key !== 'string' || !STATES.includes(alarm.state) || !(alarm.severity in SEVERITY_RANK))
        fail(`alarm ${index} is malformed`);
      for (const field of ['value', 'raisedAtMs', 'updatedAtMs', 'count', 'shelvedUntilMs'] as const) {
        if (typeof alarm[field] !== 'number' && !(field === 'value' && alarm[field] === null)) fail(`alarm ${index} (${alarm.key}): "${field}" is not a number`);
      }
      const restored: Alarm = { ...alarm, value: alarm.value ?? NaN };
      book.alarms.set(alarm.key, restored);
      if (alarm.state === 'Cleared') book.cleared.set(alarm.key, alarm.updatedAtMs);
    });
    for (const entry of snapshot.selfClearing ?? []) {
      if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number') book.selfClearing.set(entry[0], entry[1]);
    }
    // Restore the cleared order (oldest first) that pruning relies on.
    const order = [...book.cleared].sort((a, b) => a[1] - b[1]);
    book.cleared.clear();
    for (const [key, at] of order) book.cleared.set(key, at);
    return book;
  }

  private require(key: string): Alarm {
    const alarm = this.alarms.get(key);
    if (alarm === undefined) throw new AlarmRequestError('NotFound', `no alarm with key ${key}`);
    return alarm;
  }

  private endShelf(alarm: Alarm, nowMs: number): AlarmChange {
    const previous = alarm.state;
    alarm.shelvedUntilMs = 0;
    alarm.updatedAtMs = nowMs;
    if (alarm.active) alarm.state = 'Raised';
    else this.markCleared(alarm, nowMs);
    return { alarm: copy(alarm), isNew: false, previous };
  }

  private markCleared(alarm: Alarm, atMs: number): void {
    alarm.state = 'Cleared';
    alarm.active = false;
    this.selfClearing.delete(alarm.key);
    this.cleared.delete(alarm.key);
    this.cleared.set(alarm.key, atMs);
    if (this.cleared.size > this.maxCleared) {
      for (const key of this.cleared.keys()) {
        this.cleared.delete(key);
        this.alarms.delete(key);
        if (this.cleared.size <= this.maxCleared) break;
      }
    }
  }

  private pruneCleared(nowMs: number): void {
    for (const [key, atMs] of this.cleared) {
      if (nowMs - atMs < this.clearedRetentionMs) break;
      this.cleared.delete(key);
      this.alarms.delete(key);
    }
  }
}
