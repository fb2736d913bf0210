/**
 * The alarm rows: the same values through the same rules by three evaluators, each counting the
 * raises and clears it produced (they must agree, or a figure is not comparable):
 *  - ours: core/alarms RuleEngine (rules compiled per data point, state in typed arrays);
 *  - sqlite-triggers: each value INSERTed into a readings table whose AFTER INSERT trigger updates
 *    the rule state and writes an alarm row on a crossing (better-sqlite3, in memory, 1,000 rows
 *    per transaction);
 *  - js-closures: a list of rule closures, each given every value as an object and keeping its
 *    state in a Map by data point — the way rule nodes are often written.
 */
import { loadSqlite } from '../sqlite-loader.js';
import { RuleEngine } from '../../../core/alarms/rules.js';
import { nowNs } from '../harness.js';
import type { AlarmLoad, RateSpec, ThresholdSpec } from './alarm-load.js';

export interface EvaluationResult {
  valuesPerSecond: number;
  /** Raises and clears. */
  events: number;
  values: number;
}

function rate(values: number, startedNs: number): number {
  return values / ((nowNs() - startedNs) / 1e9);
}

/** Ours: every value through RuleEngine.evaluate; events counted in the emit callback. */
export function evaluateOurs(load: AlarmLoad, count = load.values.length): EvaluationResult {
  let events = 0;
  const engine = new RuleEngine(load.rules, () => {
    events++;
  });
  const { names, pointOf, timeMs, values } = load;
  const started = nowNs();
  for (let i = 0; i < count; i++) engine.evaluate(names[pointOf[i]!]!, timeMs[i]!, values[i]!);
  return { valuesPerSecond: rate(count, started), events, values: count };
}

const NORMAL = 0;
const HIGH = 1;
const LOW = 2;

/** The message a rule node gets: one object per value. */
interface ValueMessage {
  topic: string;
  timestampMs: number;
  value: number;
}

type RuleNode = (message: ValueMessage) => void;

function matcherOf(pattern: string): (topic: string) => boolean {
  return pattern.endsWith('*') ? (topic) => topic.startsWith(pattern.slice(0, -1)) : (topic) => topic === pattern;
}

/** The straightforward evaluator: every rule closure sees every value. */
export function evaluateClosures(load: AlarmLoad, count = load.values.length): EvaluationResult {
  let events = 0;
  const emit = (_kind: 'raise' | 'clear', _rule: string, _message: ValueMessage): void => {
    events++;
  };
  const nodes: RuleNode[] = [];
  for (const rule of load.rules) {
    const matches = rule.dataPoints.map(matcherOf);
    const applies = (topic: string): boolean => matches.some((m) => m(topic));
    if (rule.kind === 'threshold') {
      const high = rule.high ?? Infinity;
      const low = rule.low ?? -Infinity;
      const states = new Map<string, number>();
      nodes.push((message) => {
        if (!applies(message.topic)) return;
        const state = states.get(message.topic) ?? NORMAL;
        const v = message.value;
        let next = state;
        if (state === NORMAL) next = v > high ? HIGH : v < low ? LOW : NORMAL;
        else if (state === HIGH) next = v <= high - rule.hysteresis ? (v < low ? LOW : NORMAL) : HIGH;
        else next = v >= low + rule.hysteresis ? (v > high ? HIGH : NORMAL) : LOW;
        if (next === state) return;
        states.set(message.topic, next);
        if (state !== NORMAL) emit('clear', rule.id, message);
        if (next !== NORMAL) emit('raise', rule.id, message);
      });
    } else if (rule.kind === 'rate') {
      const states = new Map<string, { value: number; time: number; overAt: number; raised: boolean }>();
      nodes.push((message) => {
        if (!applies(message.topic)) return;
        const state = states.get(message.topic);
        if (state === undefined) {
          states.set(message.topic, { value: message.value, time: message.timestampMs, overAt: -Infinity, raised: false });
          return;
        }
        if (message.timestampMs <= state.time) return;
        const perSecond = (Math.abs(message.value - state.value) * 1000) / (message.timestampMs - state.time);
        state.value = message.value;
        state.time = message.timestampMs;
        if (perSecond > rule.maxPerSecond) {
          state.overAt = message.timestampMs;
          if (!state.raised) {
            state.raised = true;
            emit('raise', rule.id, message);
          }
        } else if (state.raised && message.timestampMs - state.overAt >= rule.clearAfterMs) {
          state.raised = false;
          emit('clear', rule.id, message);
        }
      });
    }
  }
  const { names, pointOf, timeMs, values } = load;
  const started = nowNs();
  for (let i = 0; i < count; i++) {
    const message: ValueMessage = { topic: names[pointOf[i]!]!, timestampMs: timeMs[i]!, value: values[i]! };
    for (const node of nodes) node(message);
  }
  return { valuesPerSecond: rate(count, started), events, values: count };
}


const SCHEMA = `
  CREATE TABLE threshold (point_id INTEGER NOT NULL, rule TEXT NOT NULL, high REAL, low REAL, hysteresis REAL,
                          state INTEGER NOT NULL DEFAULT 0, prev INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX threshold_point ON threshold (point_id);
  CREATE TABLE rate (point_id INTEGER NOT NULL, rule TEXT NOT NULL, max_per_second REAL, clear_after_ms REAL,
                     last_value REAL, last_time REAL, over_at REAL, state INTEGER NOT NULL DEFAULT 0, prev INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX rate_point ON rate (point_id);
  CREATE TABLE readings (point_id INTEGER NOT NULL, ts REAL NOT NULL, value REAL NOT NULL);
  CREATE TABLE alarms (id INTEGER PRIMARY KEY, point_id INTEGER NOT NULL, rule TEXT NOT NULL, ts REAL NOT NULL, value REAL, kind TEXT NOT NULL);
  CREATE TRIGGER evaluate AFTER INSERT ON readings BEGIN
    UPDATE threshold SET prev = state, state = CASE state
        WHEN 0 THEN CASE WHEN NEW.value > high THEN 1 WHEN NEW.value < low THEN 2 ELSE 0 END
        WHEN 1 THEN CASE WHEN NEW.value <= high - hysteresis THEN CASE WHEN NEW.value < low THEN 2 ELSE 0 END ELSE 1 END
        ELSE CASE WHEN NEW.value >= low + hysteresis THEN CASE WHEN NEW.value > high THEN 1 ELSE 0 END ELSE 2 END
      END
      WHERE point_id = NEW.point_id;
    INSERT INTO alarms (point_id, rule, ts, value, kind)
      SELECT point_id, rule, NEW.ts, NEW.value, 'clear' FROM threshold WHERE point_id = NEW.point_id AND prev <> 0 AND state <> prev;
    INSERT INTO alarms (point_id, rule, ts, value, kind)
      SELECT point_id, rule, NEW.ts, NEW.value, 'raise' FROM threshold WHERE point_id = NEW.point_id AND state <> 0 AND state <> prev;
    UPDATE rate SET
        prev = state,
        state = CASE
          WHEN last_time IS NULL OR NEW.ts <= last_time THEN state
          WHEN abs(NEW.value - last_value) * 1000.0 / (NEW.ts - last_time) > max_per_second THEN 1
          WHEN state = 1 AND NEW.ts - over_at >= clear_after_ms THEN 0
          ELSE state END,
        over_at = CASE
          WHEN last_time IS NOT NULL AND NEW.ts > last_time AND abs(NEW.value - last_value) * 1000.0 / (NEW.ts - last_time) > max_per_second THEN NEW.ts
          ELSE over_at END,
        last_value = CASE WHEN last_time IS NULL OR NEW.ts > last_time THEN NEW.value ELSE last_value END,
        last_time = CASE WHEN last_time IS NULL OR NEW.ts > last_time THEN NEW.ts ELSE last_time END
      WHERE point_id = NEW.point_id;
    INSERT INTO alarms (point_id, rule, ts, value, kind)
      SELECT point_id, rule, NEW.ts, NEW.value, 'clear' FROM rate WHERE point_id = NEW.point_id AND prev = 1 AND state = 0;
    INSERT INTO alarms (point_id, rule, ts, value, kind)
      SELECT point_id, rule, NEW.ts, NEW.value, 'raise' FROM rate WHERE point_id = NEW.point_id AND prev = 0 AND state = 1;
  END;
`;

const ROWS_PER_TRANSACTION = 1000;

/** SQLite: INSERT per value, the trigger evaluates; events are the alarm rows written. */
export function evaluateSqlite(load: AlarmLoad, count: number): EvaluationResult {
  const Database = loadSqlite();
  const db = new Database(':memory:');
  try {
    db.exec(SCHEMA);
    const addThreshold = db.prepare('INSERT INTO threshold (point_id, rule, high, low, hysteresis) VALUES (?, ?, ?, ?, ?)');
    const addRate = db.prepare('INSERT INTO rate (point_id, rule, max_per_second, clear_after_ms) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      load.thresholds.forEach((list: ThresholdSpec[], point) => {
        for (const t of list) addThreshold.run(point, t.id, t.high, t.low, t.hysteresis);
      });
      load.rates.forEach((list: RateSpec[], point) => {
        for (const r of list) addRate.run(point, r.id, r.maxPerSecond, r.clearAfterMs);
      });
    })();
    const insert = db.prepare('INSERT INTO readings (point_id, ts, value) VALUES (?, ?, ?)');
    const { pointOf, timeMs, values } = load;
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(pointOf[i], timeMs[i], values[i]);
    });
    const started = nowNs();
    for (let from = 0; from < count; from += ROWS_PER_TRANSACTION) batch(from, Math.min(count, from + ROWS_PER_TRANSACTION));
    const valuesPerSecond = rate(count, started);
    const events = (db.prepare('SELECT count(*) AS n FROM alarms').get() as { n: number }).n;
    return { valuesPerSecond, events, values: count };
  } finally {
    db.close();
  }
}
