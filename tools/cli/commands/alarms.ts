/**
 * `gridlink alarms list|ack|shelve|unshelve|events|state|watch`: the alarms module (role `alarms`,
 * actors/alarms) from the command line, over the bus: the alarm list with who should act, the
 * operator's acknowledge and shelve, the raw event log, the aggregated substation state, and the
 * notifications people get, as they come.
 */
import { InvalidArgumentError, type Command } from '../commander.js';
import type { Bus } from '../../../core/bus/bus.js';
import { BusError, RecipientFailureError } from '../../../core/bus/errors.js';
import type { RequestType } from '../../../core/schema/message-type.js';
import {
  AcknowledgeAlarm,
  AlarmErrorReply,
  GetAlarms,
  GetRawEvents,
  GetSubstationState,
  OperatorNotification,
  ShelveAlarm,
  UnshelveAlarm,
  type Alarm,
  type AlarmState,
  type Audience,
  type RawEvent,
  type SubstationState,
} from '../../../schemas/generated/messages.js';
import { addBusOptions, describeWhere, otherModules, readBusOptions, unlessAborted, waitUntil, withBus, type BusCliOptions } from '../bus-options.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { followTopic } from '../follow-topic.js';
import { printJson, printJsonLine, textTable } from '../output.js';

const ALARMS_ROLE = 'alarms';
const NOTIFICATIONS_TOPIC = 'alarms/notifications';
const DEFAULT_TIMEOUT_MS = 5000;

// ------------------------------------------------------------------ parsing times and names

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "2h", "90m", "1h30m", "45s", "500ms", "1d": milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new InvalidArgumentError(`a duration is like 2h, 30m, 1h30m, 45s or 1d, not "${text}".`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

/** "now", "-1h" (relative to now), an ISO time, or milliseconds since the epoch. */
export function parseTime(text: string, now = Date.now()): number {
  const trimmed = text.trim();
  if (trimmed === 'now') return now;
  if (trimmed.startsWith('-')) return now - parseDuration(trimmed.slice(1));
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const ms = Date.parse(trimmed);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`a time is "now", relative like -1h or -30m, or ISO like 2024-05-01T12:00:00Z, not "${text}".`);
  return ms;
}

const STATES: Record<string, AlarmState> = { raised: 'Raised', acknowledged: 'Acknowledged', cleared: 'Cleared', shelved: 'Shelved' };
const AUDIENCES: Record<string, Audience> = { administrator: 'Administrator', 'field-engineer': 'FieldEngineer' };

function collectStates(value: string, previous: AlarmState[]): AlarmState[] {
  const out = [...previous];
  for (const word of value.split(',').map((w) => w.trim().toLowerCase())) {
    if (word === 'all') out.push(...Object.values(STATES));
    else if (STATES[word]) out.push(STATES[word]);
    else throw new InvalidArgumentError(`a state is raised, acknowledged, cleared, shelved or all, not "${word}".`);
  }
  return [...new Set(out)];
}

function parseAudience(value: string): Audience {
  const audience = AUDIENCES[value.trim().toLowerCase()];
  if (!audience) throw new InvalidArgumentError(`the audience is administrator or field-engineer, not "${value}".`);
  return audience;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) throw new InvalidArgumentError(`a limit is a whole number from 1, not "${value}".`);
  return n;
}

// ------------------------------------------------------------------ formatting

function iso(ms: number): string {
  return ms > 0 && Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

function who(audience: Audience): string {
  return audience === 'FieldEngineer' ? 'field engineer' : 'administrator';
}

function stateText(alarm: Alarm): string {
  if (alarm.state === 'Shelved') return `Shelved until ${iso(alarm.shelvedUntilMs)}${alarm.active ? '' : ' (condition gone)'}`;
  if (alarm.state === 'Acknowledged' && !alarm.active) return 'Acknowledged (condition gone)';
  return alarm.state;
}

function alarmsTable(alarms: readonly Alarm[]): string {
  const rows = alarms.map((a) => [a.key, stateText(a), a.severity, who(a.audience), String(a.count), iso(a.raisedAtMs), a.workOrderId || '-', a.message ?? '']);
  return textTable(['KEY', 'STATE', 'SEVERITY', 'WHO ACTS', 'COUNT', 'SINCE', 'WORK ORDER', 'MESSAGE'], rows);
}

function alarmLine(alarm: Alarm): string {
  const by = alarm.by ? ` by ${alarm.by}` : '';
  const comment = alarm.comment ? ` ("${alarm.comment}")` : '';
  return `${alarm.key}: ${stateText(alarm)}${by}${comment}; ${alarm.severity}, ${who(alarm.audience)} acts, ${alarm.count} raw events since ${iso(alarm.raisedAtMs)}${alarm.workOrderId ? `, work order ${alarm.workOrderId}` : ''}`;
}

function eventsTable(events: readonly RawEvent[]): string {
  const rows = events.map((e) => [new Date(e.atMs).toISOString(), e.kind, e.severity, e.key, e.group ?? '', e.hasValue ? String(e.value) : '', e.message ?? '']);
  return textTable(['TIME', 'KIND', 'SEVERITY', 'KEY', 'GROUP', 'VALUE', 'MESSAGE'], rows);
}

function stateSummary(state: SubstationState): string {
  const lines = [
    `${state.active} active alarms (${state.unacknowledged} unacknowledged): ${state.administrator} for the administrator, ${state.fieldEngineer} for the field engineer` +
      (state.active > 0 ? `; worst ${state.worst}` : ''),
    `storm: ${state.storm ? 'YES' : 'no'}${state.inGrace ? '; start grace period: nothing is notified yet' : ''}; as of ${iso(state.atMs)}`,
  ];
  const groups = state.groups ?? [];
  if (groups.length > 0) {
    lines.push('', textTable(['GROUP', 'ACTIVE', 'UNACKNOWLEDGED', 'WORST', 'STORM'], groups.map((g) => [g.group, String(g.active), String(g.unacknowledged), g.active > 0 ? g.worst : '-', g.storm ? 'yes' : 'no'])));
  }
  return `${lines.join('\n')}\n`;
}

function notificationLine(n: OperatorNotification): string {
  const text = n.text || (n.alarm ? alarmLine(n.alarm) : n.kind);
  return `${new Date(n.atMs || Date.now()).toISOString()}  ${n.kind === 'Alarm' ? (n.alarm?.severity ?? '') : n.kind}  ${text}`;
}

// ------------------------------------------------------------------ the bus

interface AlarmsCliOptions {
  role: string;
  timeout: number;
  json: boolean;
}

function withAlarmsOptions(command: Command): Command {
  command
    .option('--role <role>', 'the role of the alarms module', ALARMS_ROLE)
    .option('--timeout <ms>', 'how long to wait for the answer', (v: string) => parseLimit(v), DEFAULT_TIMEOUT_MS)
    .option('--json', 'JSON instead of a table', false);
  return addBusOptions(command);
}

/** Joins the bus, waits for a running holder of the role, asks, and turns failures into one clear message. */
async function ask<T, R>(self: Command, type: RequestType<T, R>, value: T): Promise<R> {
  const own = self.opts<AlarmsCliOptions>();
  const options = readBusOptions(self);
  return withBus(`gridlink-cli.alarms`, options, {}, async (bus, signal) => {
    await waitForAlarms(bus, own.role, options, signal);
    try {
      return await unlessAborted(bus.request(own.role, type, value, type.reply, { timeoutMs: own.timeout }), signal);
    } catch (error) {
      throw explain(error, own.role, options);
    }
  });
}

async function waitForAlarms(bus: Bus, role: string, options: BusCliOptions, signal: AbortSignal): Promise<void> {
  const holders = () => otherModules(bus).filter((record) => record.roles.some((entry) => entry.name === role));
  if (await waitUntil(() => holders().some((record) => record.state === 'running'), options.discoverMs, signal)) return;
  const found = holders();
  if (found.length > 0) throw new CliError(`the alarms module (role "${role}") is not running yet: ${found.map((r) => `${r.name} ${r.state}`).join(', ')}`, EXIT_FAILURE);
  throw new CliError(`no alarms module (role "${role}") in ${describeWhere(options)} (waited ${options.discoverMs} ms); is it in the tree of \`gridlink up\`?`, EXIT_FAILURE);
}

function explain(error: unknown, role: string, options: BusCliOptions): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof RecipientFailureError && error.replyType === AlarmErrorReply.name) {
    const reply = AlarmErrorReply.decode(error.replyBody);
    return new CliError(`${reply.code}: ${reply.message ?? ''}`, EXIT_FAILURE);
  }
  if (error instanceof BusError) {
    if (error.code === 'Timeout') return new CliError(`the alarms module (role "${role}") did not answer: ${error.message}`, EXIT_FAILURE);
    if (error.code === 'NoHandlers') return new CliError(`no alarms module (role "${role}") in ${describeWhere(options)}`, EXIT_FAILURE);
    return new CliError(`request failed: ${error.message}`, EXIT_FAILURE);
  }
  return error;
}

// ------------------------------------------------------------------ subcommands

function watchNotifications(bus: Bus, json: boolean, count: number | undefined, signal: AbortSignal): Promise<void> {
  return followTopic(bus, NOTIFICATIONS_TOPIC, count, signal, (delivery) => {
    if (delivery.type !== OperatorNotification.name) return false;
    const notification = OperatorNotification.decode(delivery.body);
    if (json) printJsonLine(notification);
    else process.stdout.write(`${notificationLine(notification)}\n`);
    return true;
  });
}

export function registerAlarmsCommand(program: Command): void {
  const alarms = program
    .command('alarms')
    .summary('alarms: list, acknowledge, shelve, raw events, substation state, notifications as they come')
    .description('Talk to the alarms module (role "alarms") over the bus: the alarms and who should act on them, acknowledge and shelve, the raw event log, the aggregated substation state, and the notifications people get.');
  alarms.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink alarms list
  $ npx gridlink alarms ack 'dp:F1/tr-1/u:u-band' --by anna --comment 'crew on the way'
  $ npx gridlink alarms shelve 'dp:F1/tr-1/u:u-band' --by anna --for 2h
  $ npx gridlink alarms events --from -1h --group feeder:F1
  $ npx gridlink alarms state
  $ npx gridlink alarms watch

Exit codes: 0 done; 1 no alarms module, time-out or an error reply
(NotFound, InvalidState, InvalidArgument: the message says which); 2 bad input.`,
  );

  const list = withAlarmsOptions(alarms.command('list'))
    .summary('the alarms: key, state, severity, who acts, count, since, work order')
    .description('List alarms, most recently changed first. Without --state: every alarm that is not cleared.')
    .option('--state <states>', 'only these states: raised, acknowledged, cleared, shelved or all (comma-separated or repeated)', collectStates, [])
    .option('--audience <who>', 'only alarms for the administrator or the field-engineer', parseAudience)
    .option('--prefix <key>', 'only keys starting with this, e.g. dp:F1/')
    .option('--limit <n>', 'at most n alarms', parseLimit);
  list.addHelpText('after', `\nExamples:\n  $ npx gridlink alarms list --audience field-engineer\n  $ npx gridlink alarms list --state all --prefix dp: --json | jq '.[].key'`);
  list.action(async (_options: unknown, self: Command) => {
    const own = self.opts<AlarmsCliOptions & { state: AlarmState[]; audience?: Audience; prefix?: string; limit?: number }>();
    const reply = await ask(self, GetAlarms, { states: own.state, audienceFilter: own.audience ? [own.audience] : [], keyPrefix: own.prefix ?? '', limit: own.limit ?? 0 });
    const found = reply.alarms ?? [];
    if (own.json) return printJson(found);
    process.stdout.write(found.length === 0 ? 'no alarms\n' : `${alarmsTable(found)}\n\n${found.length} alarm${found.length === 1 ? '' : 's'}\n`);
  });

  const ack = withAlarmsOptions(alarms.command('ack'))
    .summary('acknowledge a raised alarm: it stays listed but quiet')
    .argument('<key>', 'the alarm key (see `alarms list`)')
    .requiredOption('--by <name>', 'who acknowledges')
    .option('--comment <text>', 'why, what is being done');
  ack.addHelpText('after', `\nExample:\n  $ npx gridlink alarms ack 'dp:F1/tr-1/u:u-band' --by anna --comment 'crew on the way'`);
  ack.action(async (key: string, _options: unknown, self: Command) => {
    const own = self.opts<AlarmsCliOptions & { by: string; comment?: string }>();
    const alarm = await ask(self, AcknowledgeAlarm, { key, by: own.by, comment: own.comment ?? '' });
    if (own.json) printJson(alarm);
    else process.stdout.write(`${alarmLine(alarm)}\n`);
  });

  const shelve = withAlarmsOptions(alarms.command('shelve'))
    .summary('mute an alarm for a time (maintenance): kept and evaluated, not notified')
    .argument('<key>', 'the alarm key')
    .requiredOption('--by <name>', 'who shelves it')
    .requiredOption('--for <duration>', 'how long, e.g. 2h, 30m, 1d', parseDuration)
    .option('--comment <text>', 'why');
  shelve.addHelpText('after', `\nExample:\n  $ npx gridlink alarms shelve 'dp:F1/tr-1/u:u-band' --by anna --for 2h --comment 'transformer maintenance'`);
  shelve.action(async (key: string, _options: unknown, self: Command) => {
    const own = self.opts<AlarmsCliOptions & { by: string; for: number; comment?: string }>();
    const alarm = await ask(self, ShelveAlarm, { key, by: own.by, untilMs: Date.now() + own.for, comment: own.comment ?? '' });
    if (own.json) printJson(alarm);
    else process.stdout.write(`${alarmLine(alarm)}\n`);
  });

  const unshelve = withAlarmsOptions(alarms.command('unshelve'))
    .summary('end a shelf now: the alarm is raised again if its condition still holds')
    .argument('<key>', 'the alarm key')
    .requiredOption('--by <name>', 'who unshelves it');
  unshelve.addHelpText('after', `\nExample:\n  $ npx gridlink alarms unshelve 'dp:F1/tr-1/u:u-band' --by anna`);
  unshelve.action(async (key: string, _options: unknown, self: Command) => {
    const own = self.opts<AlarmsCliOptions & { by: string }>();
    const alarm = await ask(self, UnshelveAlarm, { key, by: own.by });
    if (own.json) printJson(alarm);
    else process.stdout.write(`${alarmLine(alarm)}\n`);
  });

  const events = withAlarmsOptions(alarms.command('events'))
    .summary('the raw event log: everything rules and sources reported, notified or not')
    .description('Raw events of a span, oldest first: every condition a rule or a module reported, whether or not flood protection let it through to people.')
    .option('--from <time>', 'start: ISO, "now" or relative like -1h', '-1h')
    .option('--to <time>', 'end (exclusive): ISO, "now" or relative', 'now')
    .option('--prefix <key>', 'only keys starting with this')
    .option('--group <group>', 'only this common cause, e.g. feeder:F1')
    .option('--limit <n>', 'at most n events (default: the module\'s, 10000)', parseLimit);
  events.addHelpText('after', `\nExamples:\n  $ npx gridlink alarms events --from -10m\n  $ npx gridlink alarms events --from 2024-05-01T12:00:00Z --to 2024-05-01T13:00:00Z --group feeder:F1 --json`);
  events.action(async (_options: unknown, self: Command) => {
    const own = self.opts<AlarmsCliOptions & { from: string; to: string; prefix?: string; group?: string; limit?: number }>();
    const now = Date.now();
    let fromMs: number;
    let toMs: number;
    try {
      fromMs = parseTime(own.from, now);
      // "now" includes the event of this millisecond: the span is half-open.
      toMs = own.to.trim() === 'now' ? now + 1 : parseTime(own.to, now);
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error), EXIT_USAGE);
    }
    if (fromMs > toMs) throw new CliError(`--from (${new Date(fromMs).toISOString()}) is after --to (${new Date(toMs).toISOString()})`, EXIT_USAGE);
    const reply = await ask(self, GetRawEvents, { fromMs, toMs, keyPrefix: own.prefix ?? '', group: own.group ?? '', limit: own.limit ?? 0 });
    const found = reply.events ?? [];
    if (own.json) return printJson({ events: found, truncated: reply.truncated });
    process.stdout.write(
      `${found.length === 0 ? 'no raw events' : eventsTable(found)}\n\n${found.length} raw event${found.length === 1 ? '' : 's'} from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}` +
        `${reply.truncated ? ' (more matched: ask again --from the last time, or raise --limit)' : ''}\n`,
    );
  });

  const state = withAlarmsOptions(alarms.command('state'))
    .summary('the aggregated substation state (what the SCADA uplink serves)')
    .description('Active and unacknowledged alarms, per audience and per group (common cause), the worst severity, storm mode and the start grace period.');
  state.addHelpText('after', `\nExamples:\n  $ npx gridlink alarms state\n  $ npx gridlink alarms state --json | jq .active`);
  state.action(async (_options: unknown, self: Command) => {
    const own = self.opts<AlarmsCliOptions>();
    const reply = await ask(self, GetSubstationState, {});
    if (own.json) printJson(reply);
    else process.stdout.write(stateSummary(reply));
  });

  const watch = addBusOptions(
    alarms
      .command('watch')
      .summary('print the notifications people get (single alarms, storm summaries) as they come, until Ctrl-C')
      .description(`Subscribe to ${NOTIFICATIONS_TOPIC} and print each OperatorNotification: what flood protection lets through, the same text XMPP receivers get.`)
      .option('--count <n>', 'stop after n notifications', parseLimit)
      .option('--json', 'JSON lines', false),
  );
  watch.addHelpText('after', `\nExamples:\n  $ npx gridlink alarms watch\n  $ npx gridlink alarms watch --json | jq -r .text`);
  watch.action(async (_options: unknown, self: Command) => {
    const own = self.opts<{ count?: number; json: boolean }>();
    const options = readBusOptions(self);
    await withBus('gridlink-cli.alarms-watch', options, {}, (bus, signal) => watchNotifications(bus, own.json, own.count, signal));
  });
}
