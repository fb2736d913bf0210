// Data point rules: threshold with hysteresis, rate of change, staleness. This is the hot path of
// the alarms module (every field value passes here), so:
// - rules are compiled once per data point: a Map from the data point name to its slot; rules with
//   a prefix ('feeder-1/*') are resolved on the first sight of a name and the result is cached;
// - the state of every (data point, rule) pair is an index into typed arrays, nothing is allocated
//   per value; a RawEvent is built only on a transition (raise, clear).
//
// Invalid values (FieldQuality bit 7, IV) are never compared with limits: an active alarm neither
// clears nor raises on them, a rate rule restarts after them, and they do not count as "heard from"
// for staleness, so a data point that delivers only invalid values raises its stale alarm
// ("no valid value for ..."). No separate event is made per invalid value: during a link problem
// every value is invalid and one event each would be the flood this engine exists to prevent.

import type { Audience, DataPointRule, RawEvent, RuleEngineApi, Severity } from './api.js';
import { fillTemplate, ruleMessages } from './notification-text.js';

/** A rule set that cannot be used, naming the rule (index and id) and the field. */
export class RuleError extends Error {
  constructor(
    readonly ruleIndex: number,
    readonly ruleId: string | undefined,
    readonly field: string,
    problem: string,
  ) {
    super(`rule ${ruleIndex}${ruleId !== undefined ? ` ("${ruleId}")` : ''}: field "${field}": ${problem}`);
    this.name = 'RuleError';
  }
}

const SEVERITIES: readonly Severity[] = ['Info', 'Warning', 'Minor', 'Major', 'Critical'];
const AUDIENCES: readonly Audience[] = ['Administrator', 'FieldEngineer'];
const COMMON_FIELDS = ['id', 'kind', 'dataPoints', 'severity', 'audience', 'category', 'group', 'message'];
const KIND_FIELDS: Record<DataPointRule['kind'], readonly string[]> = {
  threshold: ['high', 'low', 'hysteresis'],
  rate: ['maxPerSecond', 'clearAfterMs'],
  stale: ['maxAgeMs'],
};

/** FieldQuality bit 7 (IV): the value is invalid. */
export const QUALITY_INVALID = 0x80;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Checks rules read from a configuration file (JSON) and returns them typed. Unknown fields are
 * errors (a misspelt "hysterisis" would otherwise silently become a rule without hysteresis).
 */
export function parseRules(raw: unknown): DataPointRule[] {
  if (!Array.isArray(raw)) throw new RuleError(0, undefined, 'rules', `must be an array of rules, got ${describe(raw)}`);
  const ids = new Set<string>();
  const rules: DataPointRule[] = [];
  raw.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new RuleError(index, undefined, '(rule)', `must be an object, got ${describe(entry)}`);
    const o = entry as Record<string, unknown>;
    const id = typeof o.id === 'string' ? o.id : undefined;
    const fail = (field: string, problem: string): never => {
      throw new RuleError(index, id, field, problem);
    };
    if (id === undefined || id.length === 0) fail('id', `must be a non-empty string, got ${describe(o.id)}`);
    if (/[\s:]/.test(id!)) fail('id', `must not contain spaces or ':' (it is part of the alarm keys), got ${describe(id)}`);
    if (ids.has(id!)) fail('id', `is used by an earlier rule; ids must be unique`);
    ids.add(id!);
    const kind = o.kind;
    if (kind !== 'threshold' && kind !== 'rate' && kind !== 'stale') return fail('kind', `must be "threshold", "rate" or "stale", got ${describe(kind)}`);
    const allowed = new Set([...COMMON_FIELDS, ...KIND_FIELDS[kind]]);
    for (const field of Object.keys(o)) {
      if (!allowed.has(field)) fail(field, `is not a field of a ${kind} rule (allowed: ${[...allowed].join(', ')})`);
    }
    if (!Array.isArray(o.dataPoints) || o.dataPoints.length === 0) fail('dataPoints', `must be a non-empty array of data point names, got ${describe(o.dataPoints)}`);
    (o.dataPoints as unknown[]).forEach((name, i) => {
      if (typeof name !== 'string' || name.length === 0 || name === '*') fail(`dataPoints[${i}]`, `must be a data point name or a prefix ending in '*', got ${describe(name)}`);
      if ((name as string).indexOf('*') !== (name as string).length - 1 && (name as string).includes('*')) fail(`dataPoints[${i}]`, `'*' is allowed only at the end (a prefix), got ${describe(name)}`);
    });
    if (!SEVERITIES.includes(o.severity as Severity)) fail('severity', `must be one of ${SEVERITIES.join(', ')}, got ${describe(o.severity)}`);
    if (o.audience !== undefined && !AUDIENCES.includes(o.audience as Audience)) fail('audience', `must be one of ${AUDIENCES.join(', ')}, got ${describe(o.audience)}`);
    for (const field of ['category', 'group', 'message']) {
      if (o[field] !== undefined && (typeof o[field] !== 'string' || (o[field] as string).length === 0)) fail(field, `must be a non-empty string when given, got ${describe(o[field])}`);
    }
    const number = (field: string, min: number, inclusive: boolean, required: boolean): number | undefined => {
      const v = o[field];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || (inclusive ? v < min : v <= min))
        fail(field, `must be a number ${inclusive ? '>=' : '>'} ${min}, got ${describe(v)}`);
      return v as number;
    };
    if (kind === 'threshold') {
      const high = number('high', -Infinity, false, false);
      const low = number('low', -Infinity, false, false);
      const hysteresis = number('hysteresis', 0, true, true)!;
      if (high === undefined && low === undefined) fail('high', 'a threshold rule needs "high", "low" or both');
      if (high !== undefined && low !== undefined) {
        if (!(high > low)) fail('high', `must be above low (${low}), got ${high}`);
        if (!(hysteresis < high - low)) fail('hysteresis', `must be smaller than high - low (${high - low}) or a cleared alarm would raise the other limit at once, got ${hysteresis}`);
      }
    } else if (kind === 'rate') {
      number('maxPerSecond', 0, false, true);
      number('clearAfterMs', 0, true, true);
    } else {
      number('maxAgeMs', 0, false, true);
    }
    rules.push(o as unknown as DataPointRule);
  });
  return rules;
}

const KIND_THRESHOLD = 0;
const KIND_RATE = 1;
const KIND_STALE = 2;

// State values per instance.
const NORMAL = 0;
const RAISED_HIGH = 1; // also "raised" for rate and stale rules
const RAISED_LOW = 2;

/** A rule in the shape the hot path reads: one object shape for all kinds, so property access stays monomorphic. */
interface CompiledRule {
  rule: DataPointRule;
  kind: number;
  high: number;
  low: number;
  hysteresis: number;
  maxPerSecond: number;
  clearAfterMs: number;
  maxAgeMs: number;
  severity: Severity;
  audience: Audience;
  category: string;
  group: string | undefined;
  message: string | undefined;
}

interface PointSlot {
  rules: readonly DataPointRule[];
  /** Indices into the per-instance arrays. */
  instances: Int32Array;
}

function compile(rule: DataPointRule): CompiledRule {
  return {
    rule,
    kind: rule.kind === 'threshold' ? KIND_THRESHOLD : rule.kind === 'rate' ? KIND_RATE : KIND_STALE,
    high: rule.kind === 'threshold' && rule.high !== undefined ? rule.high : Infinity,
    low: rule.kind === 'threshold' && rule.low !== undefined ? rule.low : -Infinity,
    hysteresis: rule.kind === 'threshold' ? rule.hysteresis : 0,
    maxPerSecond: rule.kind === 'rate' ? rule.maxPerSecond : 0,
    clearAfterMs: rule.kind === 'rate' ? rule.clearAfterMs : 0,
    maxAgeMs: rule.kind === 'stale' ? rule.maxAgeMs : 0,
    severity: rule.severity,
    audience: rule.audience ?? 'FieldEngineer',
    category: rule.category ?? 'grid',
    group: rule.group,
    message: rule.message,
  };
}

/** The default common cause of a data point: "feeder:<prefix>" for "<prefix>/...", else the data point. */
export function defaultGroup(dataPoint: string): string {
  const slash = dataPoint.indexOf('/');
  return slash > 0 ? `feeder:${dataPoint.slice(0, slash)}` : dataPoint;
}

/** The alarm key of a data point rule. */
export function ruleKey(dataPoint: string, ruleId: string): string {
  return `dp:${dataPoint}:${ruleId}`;
}

const EMPTY = new Int32Array(0);

export class RuleEngine implements RuleEngineApi {
  private readonly compiled: CompiledRule[];
  private readonly exact = new Map<string, number[]>();
  private readonly prefixes: { prefix: string; rule: number }[] = [];
  private readonly points = new Map<string, PointSlot>();

  // Per instance (one data point under one rule).
  private capacity = 0;
  private count = 0;
  private instRule = new Int32Array(0);
  private state = new Uint8Array(0);
  private lastValue = new Float64Array(0);
  private lastTime = new Float64Array(0);
  private lastOverMs = new Float64Array(0);
  private lastSeen = new Float64Array(0);
  private readonly instPoint: string[] = [];
  private readonly instKey: string[] = [];
  private readonly instGroup: string[] = [];
  /** Instances that tick() looks at: stale rules, and rate rules (clearing after a quiet spell). */
  private timed: number[] = [];

  constructor(
    rules: DataPointRule[],
    private readonly emit: (event: RawEvent) => void,
  ) {
    this.compiled = parseRules(rules).map(compile);
    this.compiled.forEach((rule, index) => {
      for (const name of rule.rule.dataPoints) {
        if (name.endsWith('*')) this.prefixes.push({ prefix: name.slice(0, -1), rule: index });
        else {
          const list = this.exact.get(name);
          if (list) list.push(index);
          else this.exact.set(name, [index]);
        }
      }
    });
    // Named data points exist from the start, so a stale rule raises even for one that never reports.
    for (const name of this.exact.keys()) this.resolve(name);
  }

  /** Data points seen or named so far (for diagnostics). */
  get dataPointCount(): number {
    return this.points.size;
  }

  evaluate(dataPoint: string, timestampMs: number, value: number, quality = 0): void {
    let slot = this.points.get(dataPoint);
    if (slot === undefined) slot = this.resolve(dataPoint);
    const instances = slot.instances;
    const n = instances.length;
    if (n === 0) return;
    const invalid = (quality & QUALITY_INVALID) !== 0 || value !== value;
    const state = this.state;
    for (let j = 0; j < n; j++) {
      const i = instances[j];
      const r = this.compiled[this.instRule[i]];
      const s = state[i];
      if (r.kind === KIND_THRESHOLD) {
        if (invalid) continue;
        if (s === NORMAL) {
          if (value > r.high) this.raiseLimit(i, r, timestampMs, value, RAISED_HIGH);
          else if (value < r.low) this.raiseLimit(i, r, timestampMs, value, RAISED_LOW);
        } else if (s === RAISED_HIGH) {
          if (value <= r.high - r.hysteresis) {
            this.clear(i, r, timestampMs, value, true);
            if (value < r.low) this.raiseLimit(i, r, timestampMs, value, RAISED_LOW);
          }
        } else if (value >= r.low + r.hysteresis) {
          this.clear(i, r, timestampMs, value, true);
          if (value > r.high) this.raiseLimit(i, r, timestampMs, value, RAISED_HIGH);
        }
      } else if (r.kind === KIND_RATE) {
        if (invalid) {
          this.lastTime[i] = NaN; // the next valid value starts afresh: no rate across a gap of garbage
          continue;
        }
        const previousTime = this.lastTime[i];
        if (previousTime !== previousTime) {
          this.lastValue[i] = value;
          this.lastTime[i] = timestampMs;
        } else if (timestampMs > previousTime) {
          const perSecond = (Math.abs(value - this.lastValue[i]) * 1000) / (timestampMs - previousTime);
          this.lastValue[i] = value;
          this.lastTime[i] = timestampMs;
          if (perSecond > r.maxPerSecond) {
            this.lastOverMs[i] = timestampMs;
            if (s === NORMAL) {
              state[i] = RAISED_HIGH;
              const point = this.instPoint[i];
              this.send(i, r, 'Raise', timestampMs, value, true, r.message ? fillTemplate(r.message, point, value, r.maxPerSecond) : ruleMessages.rate(point, perSecond, r.maxPerSecond));
            }
          } else if (s !== NORMAL && timestampMs - this.lastOverMs[i] >= r.clearAfterMs) {
            this.clear(i, r, timestampMs, value, true);
          }
        }
        // An older or equal timestamp (out of order, duplicate) has no rate: ignored.
      } else {
        if (invalid) continue;
        if (timestampMs > this.lastSeen[i] || this.lastSeen[i] !== this.lastSeen[i]) this.lastSeen[i] = timestampMs;
        if (s !== NORMAL) {
          state[i] = NORMAL;
          this.send(i, r, 'Clear', timestampMs, value, true, ruleMessages.fresh(this.instPoint[i]));
        }
      }
    }
  }

  tick(nowMs: number): void {
    const timed = this.timed;
    for (let j = 0; j < timed.length; j++) {
      const i = timed[j];
      const r = this.compiled[this.instRule[i]];
      if (r.kind === KIND_STALE) {
        if (this.state[i] !== NORMAL) continue; // raised once per silence; the next value clears
        const seen = this.lastSeen[i];
        if (seen !== seen) this.lastSeen[i] = nowMs; // never heard of: the silence counts from the first tick
        else if (nowMs - seen > r.maxAgeMs) {
          this.state[i] = RAISED_HIGH;
          const point = this.instPoint[i];
          this.send(i, r, 'Raise', nowMs, 0, false, r.message ? fillTemplate(r.message, point, NaN, r.maxAgeMs) : ruleMessages.stale(point, nowMs - seen));
        }
      } else if (this.state[i] !== NORMAL) {
        // A rate alarm whose last value was already below the limit clears once the quiet time is over
        // even if no further value comes (a value that stays put may not be sent again by the RTU).
        if (this.lastOverMs[i] < this.lastTime[i] && nowMs - this.lastOverMs[i] >= r.clearAfterMs) this.clear(i, r, nowMs, this.lastValue[i], true);
      }
    }
  }

  rulesOf(dataPoint: string): readonly DataPointRule[] {
    return (this.points.get(dataPoint) ?? this.resolve(dataPoint)).rules;
  }

  private raiseLimit(i: number, r: CompiledRule, atMs: number, value: number, which: number): void {
    this.state[i] = which;
    const limit = which === RAISED_HIGH ? r.high : r.low;
    const point = this.instPoint[i];
    const message = r.message
      ? fillTemplate(r.message, point, value, limit)
      : which === RAISED_HIGH
        ? ruleMessages.high(point, value, limit)
        : ruleMessages.low(point, value, limit);
    this.send(i, r, 'Raise', atMs, value, true, message);
  }

  private clear(i: number, r: CompiledRule, atMs: number, value: number, hasValue: boolean): void {
    this.state[i] = NORMAL;
    this.send(i, r, 'Clear', atMs, hasValue ? value : 0, hasValue, ruleMessages.normal(this.instPoint[i], value));
  }

  private send(i: number, r: CompiledRule, kind: RawEvent['kind'], atMs: number, value: number, hasValue: boolean, message: string): void {
    this.emit({
      key: this.instKey[i],
      kind,
      severity: r.severity,
      audience: r.audience,
      category: r.category,
      source: this.instPoint[i],
      group: this.instGroup[i],
      message,
      value,
      hasValue,
      atMs,
    });
  }

  private resolve(dataPoint: string): PointSlot {
    const matching: number[] = [...(this.exact.get(dataPoint) ?? [])];
    for (const { prefix, rule } of this.prefixes) if (dataPoint.startsWith(prefix) && !matching.includes(rule)) matching.push(rule);
    matching.sort((a, b) => a - b);
    if (matching.length === 0) {
      const slot: PointSlot = { rules: [], instances: EMPTY };
      this.points.set(dataPoint, slot);
      return slot;
    }
    const instances = new Int32Array(matching.length);
    matching.forEach((rule, j) => {
      const i = this.allocate();
      const r = this.compiled[rule];
      this.instRule[i] = rule;
      this.instPoint[i] = dataPoint;
      this.instKey[i] = ruleKey(dataPoint, r.rule.id);
      this.instGroup[i] = r.group ?? defaultGroup(dataPoint);
      if (r.kind !== KIND_THRESHOLD) this.timed.push(i);
      instances[j] = i;
    });
    const slot: PointSlot = { rules: matching.map((rule) => this.compiled[rule].rule), instances };
    this.points.set(dataPoint, slot);
    return slot;
  }

  private allocate(): number {
    if (this.count === this.capacity) {
      const capacity = Math.max(64, this.capacity * 2);
      const grow = <T extends Int32Array | Uint8Array | Float64Array>(old: T, make: (n: number) => T, fill?: number): T => {
        const next = make(capacity);
        if (fill !== undefined) next.fill(fill);
        next.set(old);
        return next;
      };
      this.instRule = grow(this.instRule, (n) => new Int32Array(n));
      this.state = grow(this.state, (n) => new Uint8Array(n));
      this.lastValue = grow(this.lastValue, (n) => new Float64Array(n), NaN);
      this.lastTime = grow(this.lastTime, (n) => new Float64Array(n), NaN);
      this.lastOverMs = grow(this.lastOverMs, (n) => new Float64Array(n), -Infinity);
      this.lastSeen = grow(this.lastSeen, (n) => new Float64Array(n), NaN);
      this.capacity = capacity;
    }
    return this.count++;
  }
}
