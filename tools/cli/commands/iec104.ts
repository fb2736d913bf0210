/**
 * `gridlink iec104 interrogate|watch|command|clock-sync|rtu`: IEC 60870-5-104 straight from the
 * command line, for a field engineer commissioning an RTU or checking a SCADA uplink. It speaks
 * the protocol itself (core/protocols/iec104, our ControllingStation), not the bus: it works
 * against any outstation, with or without Gridlink running. `rtu` is the other side: a simulated
 * outstation (tools/simulate/rtu.ts) to practise on and to feed the iec104-gateway.
 */
import { InvalidArgumentError, type Command } from '../commander.js';
import { Cause, Quality, TypeId, type Asdu, type CommandResult, type InformationObject, type TypeIdValue } from '../../../core/protocols/iec104/api.js';
import { ControllingStation } from '../../../core/protocols/iec104/controlling-station.js';
import { typeName } from '../../../core/protocols/iec104/type-info.js';
import { createLogger } from '../../../core/log/logger.js';
import { BREAKER_COMMAND_IOA, BREAKER_IOA, MEASURAND_FIRST_IOA, SETPOINT_IOA_OFFSET, SimulatedRtu, SINGLE_POINT_FIRST_IOA, type RtuEvent, type RtuSpike } from '../../simulate/rtu.js';
import { messageOf, unlessAborted } from '../bus-options.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson, printJsonLine, textTable } from '../output.js';

const DEFAULT_PORT = 2404;
const DEFAULT_TIMEOUT_MS = 10_000;

interface StationOptions {
  host: string;
  port: number;
  ca: number;
  timeout: number;
  json: boolean;
}

const CAUSE_NAMES = new Map<number, string>(Object.entries(Cause).map(([name, value]) => [value, name]));

// ------------------------------------------------------------------ argument parsers

function wholeNumber(what: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} is a whole number from ${min} to ${max}, not "${value}".`);
    return n;
  };
}

const parseTcpPort = wholeNumber('a TCP port', 1, 65535);
const parseListenPort = wholeNumber('a TCP port (0: any free one)', 0, 65535);
const parseCommonAddress = wholeNumber('a common address', 1, 65534);
const parseIoa = wholeNumber('an information object address', 1, 0xffffff);
const parseTimeout = wholeNumber('a time-out in milliseconds', 1, 3_600_000);

function parseSpike(value: string, previous: RtuSpike[]): RtuSpike[] {
  const match = /^(\d+):(-?\d+(?:\.\d+)?)(?:@(\d+(?:\.\d+)?))?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`a spike is <measurand IOA>:<value>[@<seconds after start>], e.g. 1:262@20, not "${value}".`);
  return [...previous, { ioa: Number(match[1]), value: Number(match[2]), afterMs: Math.round(Number(match[3] ?? 0) * 1000) }];
}

/** Adds --host, --port, --ca, --timeout and --json (the outstation a subcommand talks to). */
function withStationOptions(command: Command, defaultPort = DEFAULT_PORT): Command {
  return command
    .option('--host <host>', 'the outstation (RTU or SCADA uplink) host', '127.0.0.1')
    .option('--port <tcp>', 'its TCP port', parseTcpPort, defaultPort)
    .option('--ca <n>', 'common address of ASDU', parseCommonAddress, 1)
    .option('--timeout <ms>', 'connection (t0) and confirmation time-out', parseTimeout, DEFAULT_TIMEOUT_MS)
    .option('--json', 'JSON instead of text', false);
}

// ------------------------------------------------------------------ formatting

/** Quality bits by name; for integrated totals the BCR flags (sequence number, carry, adjusted). */
export function qualityNames(typeId: number, quality: number): string[] {
  if (typeId === TypeId.M_IT_NA_1 || typeId === TypeId.M_IT_TB_1) {
    const names: string[] = [];
    if (quality & 0x20) names.push('CY');
    if (quality & 0x40) names.push('CA');
    if (quality & 0x80) names.push('IV');
    names.push(`SQ=${quality & 0x1f}`);
    return names;
  }
  return (['OV', 'BL', 'SB', 'NT', 'IV'] as const).filter((name) => (quality & Quality[name]) !== 0);
}

const DOUBLE_POINT = ['indeterminate (0)', 'off', 'on', 'indeterminate (3)'];
const DOUBLE_POINT_TYPES = new Set<number>([TypeId.M_DP_NA_1, TypeId.M_DP_TB_1, TypeId.C_DC_NA_1]);
const SINGLE_POINT_TYPES = new Set<number>([TypeId.M_SP_NA_1, TypeId.M_SP_TB_1, TypeId.C_SC_NA_1]);

const FLOAT_TYPES = new Set<number>([TypeId.M_ME_NC_1, TypeId.M_ME_TF_1, TypeId.C_SE_NC_1]);

/** The shortest decimal that is the same float32: 130.9, not 130.89999389648438. */
function shortFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function valueText(typeId: number, value: number): string {
  if (DOUBLE_POINT_TYPES.has(typeId)) return `${value} (${DOUBLE_POINT[value] ?? '?'})`;
  if (SINGLE_POINT_TYPES.has(typeId)) return `${value} (${value === 1 ? 'on' : 'off'})`;
  if (FLOAT_TYPES.has(typeId)) return String(shortFloat32(value));
  return String(value);
}

export interface ObjectJson {
  type: string;
  typeId: number;
  cause: string;
  commonAddress: number;
  ioa: number;
  value: number;
  valueText: string;
  quality: string[];
  time?: string;
  timeInvalid?: boolean;
}

export function objectJson(asdu: Asdu, object: InformationObject): ObjectJson {
  const out: ObjectJson = {
    type: typeName(asdu.typeId),
    typeId: asdu.typeId,
    cause: CAUSE_NAMES.get(asdu.cause) ?? String(asdu.cause),
    commonAddress: asdu.commonAddress,
    ioa: object.ioa,
    value: FLOAT_TYPES.has(asdu.typeId) ? shortFloat32(object.value) : object.value,
    valueText: valueText(asdu.typeId, object.value),
    quality: qualityNames(asdu.typeId, object.quality),
  };
  if (object.timeMs !== undefined) {
    out.time = new Date(object.timeMs).toISOString();
    if (object.timeInvalid) out.timeInvalid = true;
  }
  return out;
}

function timeText(o: ObjectJson): string {
  return o.time === undefined ? '' : `${o.time}${o.timeInvalid ? ' (invalid)' : ''}`;
}

function objectLine(o: ObjectJson): string {
  const quality = o.quality.length > 0 ? ` [${o.quality.join(' ')}]` : '';
  const time = o.time === undefined ? '' : `  ${timeText(o)}`;
  return `${o.type}  ${o.cause}  CA ${o.commonAddress}  IOA ${o.ioa}  ${o.valueText}${quality}${time}`;
}

function where(options: StationOptions): string {
  return `${options.host}:${options.port}`;
}

// ------------------------------------------------------------------ the connection

/** Connects (TCP within --timeout, STARTDT), runs `body`, always closes. Ctrl-C aborts the signal. */
async function withStation<R>(options: StationOptions, body: (station: ControllingStation, signal: AbortSignal) => Promise<R>): Promise<R> {
  const station = new ControllingStation({
    host: options.host,
    port: options.port,
    params: { t0: options.timeout },
    timeoutMs: options.timeout,
    log: createLogger('iec104'),
  });
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    try {
      await station.connect();
    } catch (error) {
      throw new CliError(`cannot start a connection to ${where(options)}: ${messageOf(error)}`, EXIT_FAILURE);
    }
    return await body(station, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await station.close('gridlink iec104 done').catch(() => undefined);
  }
}

/** Settles with the promise; Ctrl-C rejects with "interrupted", a failure (a closed connection...) with its reason. */
function guarded<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return unlessAborted(promise, signal).catch((error: unknown) => {
    throw error instanceof CliError ? error : new CliError(messageOf(error), EXIT_FAILURE);
  });
}

// ------------------------------------------------------------------ subcommands

async function interrogate(options: StationOptions): Promise<void> {
  const objects = await withStation(options, async (station, signal) => {
    const asdus = await guarded(station.interrogate(options.ca, options.timeout), signal);
    return asdus.flatMap((asdu) => asdu.objects.map((object) => objectJson(asdu, object)));
  });
  objects.sort((a, b) => a.ioa - b.ioa || a.typeId - b.typeId);
  if (options.json) {
    printJson({ host: options.host, port: options.port, commonAddress: options.ca, objects });
    return;
  }
  const rows = objects.map((o) => [o.type, String(o.ioa), o.valueText, o.quality.join(' '), timeText(o)]);
  process.stdout.write(`${textTable(['TYPE', 'IOA', 'VALUE', 'QUALITY', 'TIME'], rows)}\n\n${objects.length} objects from ${where(options)}, common address ${options.ca} (general interrogation)\n`);
}

async function watch(options: StationOptions & { count?: number; interrogate: boolean }): Promise<void> {
  await withStation(options, async (station, signal) => {
    let printed = 0;
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: CliError): void => {
        stopAsdu();
        stopClose();
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = (): void => finish();
      const stopAsdu = station.onAsdu((asdu) => {
        for (const object of asdu.objects) {
          if (options.count !== undefined && printed >= options.count) return;
          const o = objectJson(asdu, object);
          if (options.json) printJsonLine(o);
          else process.stdout.write(`${new Date().toISOString()}  ${objectLine(o)}\n`);
          printed++;
          if (options.count !== undefined && printed >= options.count) return finish();
        }
      });
      const stopClose = station.onClose((close) => finish(new CliError(`the connection to ${where(options)} closed: ${close.reason}`, EXIT_FAILURE)));
      if (signal.aborted || options.count === 0) return finish();
      signal.addEventListener('abort', onAbort, { once: true });
      if (options.interrogate) station.interrogate(options.ca, options.timeout).catch((error: unknown) => finish(new CliError(messageOf(error), EXIT_FAILURE)));
    });
  });
}

type CommandKind = 'single' | 'double' | 'setpoint';
const COMMAND_TYPES: Record<CommandKind, TypeIdValue> = { single: TypeId.C_SC_NA_1, double: TypeId.C_DC_NA_1, setpoint: TypeId.C_SE_NC_1 };

function commandValue(kind: CommandKind, text: string): number {
  const word = text.trim().toLowerCase();
  if (kind === 'single') {
    if (word === '1' || word === 'on') return 1;
    if (word === '0' || word === 'off') return 0;
    throw new CliError(`--value of a single command is on/1 or off/0, not "${text}"`, EXIT_USAGE);
  }
  if (kind === 'double') {
    if (word === '2' || word === 'on') return 2;
    if (word === '1' || word === 'off') return 1;
    throw new CliError(`--value of a double command is on/2 or off/1, not "${text}"`, EXIT_USAGE);
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || Math.abs(value) > 3.4028234663852886e38) throw new CliError(`--value of a set point is a number (float32), not "${text}"`, EXIT_USAGE);
  return value;
}

async function command(options: StationOptions & { ioa: number; type: string; value: string; sbo: boolean }): Promise<void> {
  if (!(options.type in COMMAND_TYPES)) throw new CliError(`--type is single, double or setpoint, not "${options.type}"`, EXIT_USAGE);
  const kind = options.type as CommandKind;
  const typeId = COMMAND_TYPES[kind];
  const value = commandValue(kind, options.value);
  const result: CommandResult = await withStation(options, (station, signal) =>
    guarded(station.command(options.ca, typeId, { ioa: options.ioa, value, quality: 0 }, { selectBeforeOperate: options.sbo, timeoutMs: options.timeout }), signal),
  );
  const what = `${typeName(typeId)} IOA ${options.ioa} value ${valueText(typeId, value)}${options.sbo ? ' (select before operate)' : ''}`;
  if (options.json) printJson({ host: options.host, port: options.port, commonAddress: options.ca, type: typeName(typeId), ioa: options.ioa, value, selectBeforeOperate: options.sbo, ...result });
  else if (result.confirmed) process.stdout.write(`${what} at ${where(options)}, common address ${options.ca}: confirmed (${result.steps.join(', ')})\n`);
  if (!result.confirmed) throw new CliError(`${what} was refused by ${where(options)}: ${result.steps.join(', ')}`, EXIT_FAILURE);
}

async function clockSync(options: StationOptions & { time?: string }): Promise<void> {
  let timeMs: number | undefined;
  if (options.time !== undefined) {
    timeMs = Date.parse(options.time);
    if (!Number.isFinite(timeMs)) throw new CliError(`--time is an ISO time like 2024-05-01T12:00:00Z, not "${options.time}"`, EXIT_USAGE);
  }
  const sent = timeMs ?? Date.now();
  const result = await withStation(options, (station, signal) => guarded(station.clockSync(options.ca, sent), signal));
  if (options.json) printJson({ host: options.host, port: options.port, commonAddress: options.ca, time: new Date(sent).toISOString(), ...result });
  else if (result.confirmed) process.stdout.write(`clock synchronisation of ${where(options)}, common address ${options.ca}, to ${new Date(sent).toISOString()}: confirmed (${result.steps.join(', ')})\n`);
  if (!result.confirmed) throw new CliError(`${where(options)} refused the clock synchronisation: ${result.steps.join(', ')}`, EXIT_FAILURE);
}

function rtuEventText(event: RtuEvent): string {
  const at = new Date().toISOString().slice(11, 23);
  switch (event.event) {
    case 'listening': {
      const last = MEASURAND_FIRST_IOA + event.measurands - 1;
      return [
        `simulated RTU listening on ${event.host}:${event.port}, common address ${event.commonAddress}`,
        `  IOA ${MEASURAND_FIRST_IOA}..${last}: measurands (M_ME_TF_1; U V, I A, P kW, Q kvar in turn), walking every interval`,
        `  IOA ${SINGLE_POINT_FIRST_IOA}..${SINGLE_POINT_FIRST_IOA + event.singlePoints - 1}: single points (M_SP_TB_1)`,
        `  IOA ${event.breakerIoa}: breaker (M_DP_TB_1, 2 = on); command it with C_DC_NA_1 at IOA ${event.breakerCommandIoa}`,
        `  IOA ${SETPOINT_IOA_OFFSET + 1}..${SETPOINT_IOA_OFFSET + event.measurands}: set points (C_SE_NC_1) moving measurand IOA - ${SETPOINT_IOA_OFFSET}`,
        'Ctrl-C stops.',
      ].join('\n');
    }
    case 'master':
      return `${at} master ${event.peer} ${event.state === 'started' ? 'started data transfer (STARTDT)' : event.state === 'stopped' ? 'stopped data transfer' : event.state}${event.reason ? `: ${event.reason}` : ''}`;
    case 'interrogation':
      return `${at} general interrogation of common address ${event.commonAddress}: answered with ${event.objects} objects`;
    case 'clock-sync':
      return `${at} clock synchronisation to ${event.masterTime} (master minus our clock: ${event.offsetMs} ms)`;
    case 'command':
      return `${at} ${event.type} IOA ${event.ioa} value ${valueText(TypeId[event.type as keyof typeof TypeId] ?? 0, event.value)} ${event.select ? 'select' : 'execute'}: ${event.accepted ? 'accepted' : `refused (${event.reason ?? ''})`}`;
    case 'breaker':
      return `${at} breaker IOA ${event.ioa} is now ${event.state.toUpperCase()} (${event.by})`;
    case 'set-point':
      return `${at} measurand IOA ${event.measurand} set to ${event.value} (${event.by})`;
    case 'single-point':
      return `${at} single point IOA ${event.ioa} (${event.name}) -> ${event.value}`;
  }
}

async function rtu(options: { host: string; port: number; ca: number; points: number; intervalMs: number; seed: number; spikeAt: RtuSpike[]; json: boolean }): Promise<void> {
  const bad = options.spikeAt.find((spike) => spike.ioa < MEASURAND_FIRST_IOA || spike.ioa >= MEASURAND_FIRST_IOA + options.points);
  if (bad) throw new CliError(`--spike-at ${bad.ioa}: measurands are IOA ${MEASURAND_FIRST_IOA}..${MEASURAND_FIRST_IOA + options.points - 1}`, EXIT_USAGE);
  const report = (event: RtuEvent): void => {
    if (options.json) printJsonLine({ ...event, at: new Date().toISOString() });
    else process.stdout.write(`${rtuEventText(event)}\n`);
  };
  let simulated: SimulatedRtu;
  try {
    simulated = await SimulatedRtu.start({ host: options.host, port: options.port, commonAddress: options.ca, measurands: options.points, intervalMs: options.intervalMs, seed: options.seed, spikes: options.spikeAt, report });
  } catch (error) {
    throw new CliError(`cannot listen on ${options.host}:${options.port}: ${messageOf(error)}`, EXIT_FAILURE);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await simulated.stop();
}

// ------------------------------------------------------------------ registration

export function registerIec104Command(program: Command): void {
  const iec104 = program
    .command('iec104')
    .summary('IEC 60870-5-104 from the command line: interrogate, watch, command an RTU or SCADA uplink; a simulated RTU')
    .description(
      'Talk IEC 60870-5-104 to an outstation (an RTU, or the SCADA uplink of the iec104-gateway) as a master: ' +
        'connect, STARTDT, then a general interrogation, a watch of spontaneous data, a command or a clock synchronisation. ' +
        'This is the protocol itself, not the Gridlink bus. `iec104 rtu` runs a simulated outstation.',
    );
  iec104.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink iec104 rtu --points 8                          (a simulated RTU on 127.0.0.1:2404)
  $ npx gridlink iec104 interrogate --port 2404
  $ npx gridlink iec104 watch --port 2404 --count 20
  $ npx gridlink iec104 command --port 2404 --ioa ${BREAKER_COMMAND_IOA} --type double --value off --sbo
  $ npx gridlink iec104 clock-sync --host 10.0.0.7

Exit codes: 0 done; 1 no connection, time-out, refused (negative confirmation)
or connection closed; 2 bad input; 130 Ctrl-C while waiting.`,
  );

  const gi = withStationOptions(iec104.command('interrogate'))
    .summary('general interrogation: print every object the outstation has')
    .description('Connect, STARTDT, send C_IC_NA_1 (station interrogation) and print each object received up to ACTTERM: type, IOA, value, quality flags by name (OV BL SB NT IV; counters CY CA IV SQ), time tag.');
  gi.addHelpText('after', `\nExamples:\n  $ npx gridlink iec104 interrogate --host 10.0.0.7 --ca 3\n  $ npx gridlink iec104 interrogate --port 2405 --json | jq '.objects[] | select(.ioa == ${BREAKER_IOA})'`);
  gi.action(async (_options: unknown, self: Command) => interrogate(self.opts<StationOptions>()));

  const w = withStationOptions(iec104.command('watch'))
    .summary('print spontaneous (and periodic) data as it arrives, until Ctrl-C')
    .description('Connect, STARTDT and print every monitor object as it arrives (one line each; JSON lines with --json) until Ctrl-C or --count.')
    .option('--interrogate', 'start with a general interrogation (its objects are printed too)', false)
    .option('--count <n>', 'stop after n objects', wholeNumber('a count', 0, Number.MAX_SAFE_INTEGER));
  w.addHelpText('after', `\nExamples:\n  $ npx gridlink iec104 watch --host 10.0.0.7\n  $ npx gridlink iec104 watch --port 2405 --interrogate --json --count 50`);
  w.action(async (_options: unknown, self: Command) => watch(self.opts<StationOptions & { count?: number; interrogate: boolean }>()));

  const c = withStationOptions(iec104.command('command'))
    .summary('send a single, double or set-point command (optionally select before operate)')
    .description('Send C_SC_NA_1 (single), C_DC_NA_1 (double) or C_SE_NC_1 (set point, float) to an IOA; with --sbo a select first, then the execute. Prints the confirmations (ACTCON, ACTTERM) and exits 1 when refused.')
    .requiredOption('--ioa <n>', 'the command object address', parseIoa)
    .requiredOption('--type <kind>', 'single, double or setpoint')
    .requiredOption('--value <v>', 'single: on/off (1/0); double: on/off (2/1); setpoint: a number')
    .option('--sbo', 'select before operate', false);
  c.addHelpText(
    'after',
    `\nExamples:\n  $ npx gridlink iec104 command --ioa ${BREAKER_COMMAND_IOA} --type double --value off --sbo\n  $ npx gridlink iec104 command --port 2405 --ioa ${SETPOINT_IOA_OFFSET + 1} --type setpoint --value 231.5`,
  );
  c.action(async (_options: unknown, self: Command) => command(self.opts<StationOptions & { ioa: number; type: string; value: string; sbo: boolean }>()));

  const cs = withStationOptions(iec104.command('clock-sync'))
    .summary("set the outstation's clock (C_CS_NA_1)")
    .description("Send a clock synchronisation command (C_CS_NA_1) with this machine's time, or --time, and print the confirmation.")
    .option('--time <iso>', 'the time to send (default: now)');
  cs.addHelpText('after', `\nExamples:\n  $ npx gridlink iec104 clock-sync --host 10.0.0.7\n  $ npx gridlink iec104 clock-sync --time 2024-05-01T12:00:00Z`);
  cs.action(async (_options: unknown, self: Command) => clockSync(self.opts<StationOptions & { time?: string }>()));

  const r = iec104
    .command('rtu')
    .summary('run a simulated RTU (outstation) until Ctrl-C')
    .description(
      'A simulated IEC 104 outstation: measurands as random walks around grid-like values (M_ME_TF_1), single points, ' +
        'a breaker (double point) that follows C_DC_NA_1 commands, set points that move a measurand, answers to general ' +
        'interrogation and clock synchronisation. It prints what masters do.',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <tcp>', 'TCP port to listen on (0: any free one)', parseListenPort, DEFAULT_PORT)
    .option('--ca <n>', 'its common address', parseCommonAddress, 1)
    .option('--points <n>', 'measurands (IOA 1..n)', wholeNumber('a number of measurands', 0, 2000), 100)
    .option('--interval-ms <ms>', 'how often the measurands move and are sent', wholeNumber('an interval in milliseconds', 10, 3_600_000), 1000)
    .option('--seed <n>', 'seed of the random walks', wholeNumber('a seed', 0, 0xffffffff), 1)
    .option('--spike-at <ioa:value[@s]>', 'move measurand <ioa> to <value> <s> seconds after start (repeatable)', parseSpike, [])
    .option('--json', 'events as JSON lines', false);
  r.addHelpText(
    'after',
    `
Points (common address --ca):
  IOA 1..n        measurands M_ME_TF_1 (GI: M_ME_NC_1): U L-N ~230 V, I A, P kW, Q kvar in turn
  IOA ${SINGLE_POINT_FIRST_IOA}..${SINGLE_POINT_FIRST_IOA + 3}  single points M_SP_TB_1 (door, SF6 low, protection pickup, local mode)
  IOA ${BREAKER_IOA}        breaker M_DP_TB_1 (1 off, 2 on); C_DC_NA_1 at IOA ${BREAKER_COMMAND_IOA} operates it
  IOA ${SETPOINT_IOA_OFFSET}+k      C_SE_NC_1 set point: measurand k jumps to the value and walks around it

Examples:
  $ npx gridlink iec104 rtu --points 8
  $ npx gridlink iec104 rtu --port 2404 --points 100 --interval-ms 200 --seed 7
  $ npx gridlink iec104 rtu --points 8 --spike-at 1:262@30      (U of IOA 1 to 262 V after 30 s)`,
  );
  r.action(async (_options: unknown, self: Command) =>
    rtu(self.opts<{ host: string; port: number; ca: number; points: number; intervalMs: number; seed: number; spikeAt: RtuSpike[]; json: boolean }>()),
  );
}
