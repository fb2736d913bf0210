// The modbus-gateway's settings (the "settings" object of its configuration file), checked whole:
// every problem is listed with its path (devices[0].polls[1].points[2].type) in one error.
// Documented in ./README.md.
import { LIMITS } from '../../core/protocols/modbus/pdu.js';
import { REGISTER_TYPES, wordsOf, type PointType, type RegisterFormat, type WordOrder } from './register-codec.js';

export type PollTable = 'coil' | 'discrete' | 'holding' | 'input';
export type CommandTable = 'coil' | 'holding';

export interface PointSettings {
  /** Registers (or bits) from the poll's address. */
  readonly offset: number;
  readonly dataPoint: string;
  readonly format: RegisterFormat;
  readonly unit: string | undefined;
}

export interface PollSettings {
  readonly periodMs: number;
  readonly table: PollTable;
  readonly address: number;
  /** Registers (or bits) of the one read: up to the end of the last point. */
  readonly count: number;
  readonly points: readonly PointSettings[];
}

export interface CommandSettings {
  readonly dataPoint: string;
  readonly table: CommandTable;
  readonly address: number;
  readonly format: RegisterFormat;
}

export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface DeviceSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly backoff: BackoffSettings;
  readonly polls: readonly PollSettings[];
  readonly commands: readonly CommandSettings[];
}

export interface ModbusGatewaySettings {
  readonly devices: readonly DeviceSettings[];
  /** For storage's answers to CreateDataPoint and AddEntryBatch. */
  readonly storageTimeoutMs: number;
  /** Between attempts to create the data points while storage is absent. */
  readonly createRetryMs: number;
}

export const modbusGatewayDefaults = { devices: [], storageTimeoutMs: 5000, createRetryMs: 2000 };
export const deviceDefaults = { port: 502, unitId: 1, timeoutMs: 1000, maxInFlight: 1, backoff: { initialMs: 500, maxMs: 30_000 } };

export class ModbusGatewaySettingsError extends Error {
  override readonly name = 'ModbusGatewaySettingsError';
}

const POLL_TABLES: readonly PollTable[] = ['coil', 'discrete', 'holding', 'input'];
const COMMAND_TABLES: readonly CommandTable[] = ['coil', 'holding'];
const WORD_ORDERS: readonly WordOrder[] = ['big', 'little'];

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems while reading the raw settings; each reader returns a usable fallback. */
class Reader {
  readonly problems: string[] = [];

  object(value: unknown, path: string, known: readonly string[]): Raw {
    if (!isRecord(value)) {
      this.problems.push(`${path} must be an object, got ${JSON.stringify(value)}`);
      return {};
    }
    for (const key of Object.keys(value)) if (!known.includes(key)) this.problems.push(`${path}: unknown setting "${key}" (known: ${known.join(', ')})`);
    return value;
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problems.push(`${path} must be a list, got ${JSON.stringify(value)}`);
      return [];
    }
    return value;
  }

  integer(value: unknown, path: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${path} must be a whole number in ${min}..${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  number(value: unknown, path: string, fallback: number, nonZero = false): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || (nonZero && value === 0)) {
      this.problems.push(`${path} must be a finite number${nonZero ? ' other than 0' : ''}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  text(value: unknown, path: string, fallback: string | undefined): string {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '') {
      this.problems.push(`${path} must be a non-empty string, got ${JSON.stringify(value)}`);
      return fallback ?? '';
    }
    return value;
  }

  choice<T extends string>(value: unknown, path: string, choices: readonly T[], fallback: T | undefined): T {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.problems.push(`${path} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
      return fallback ?? choices[0]!;
    }
    return value as T;
  }

  flag(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.problems.push(`${path} must be true or false, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  /** type, wordOrder, byteSwap, scale, valueOffset of a point or command on a bit or register table. */
  format(raw: Raw, path: string, bits: boolean): RegisterFormat {
    const type: PointType = bits
      ? raw.type === undefined || raw.type === 'bool'
        ? 'bool'
        : (this.problems.push(`${path}.type must be "bool" (or absent) on a coil or discrete input table, got ${JSON.stringify(raw.type)}`), 'bool')
      : this.choice(raw.type, `${path}.type`, REGISTER_TYPES, 'uint16');
    return {
      type,
      wordOrder: this.choice(raw.wordOrder, `${path}.wordOrder`, WORD_ORDERS, 'big'),
      byteSwap: this.flag(raw.byteSwap, `${path}.byteSwap`, false),
      scale: this.number(raw.scale, `${path}.scale`, 1, true),
      valueOffset: this.number(raw.valueOffset, `${path}.valueOffset`, 0),
    };
  }
}

const FORMAT_KEYS = ['type', 'wordOrder', 'byteSwap', 'scale', 'valueOffset'];

function readPoll(reader: Reader, value: unknown, path: string): PollSettings {
  const raw = reader.object(value, path, ['periodMs', 'table', 'address', 'points']);
  const table = reader.choice(raw.table, `${path}.table`, POLL_TABLES, undefined);
  const bits = table === 'coil' || table === 'discrete';
  const address = reader.integer(raw.address, `${path}.address`, 0, 0, 0xffff);
  const periodMs = reader.integer(raw.periodMs, `${path}.periodMs`, 1000, 10, 86_400_000);
  const points = reader.list(raw.points, `${path}.points`).map((item, index): PointSettings => {
    const at = `${path}.points[${index}]`;
    const point = reader.object(item, at, ['offset', 'dataPoint', 'unit', ...FORMAT_KEYS]);
    return {
      offset: reader.integer(point.offset, `${at}.offset`, 0, 0, 0xffff),
      dataPoint: reader.text(point.dataPoint, `${at}.dataPoint`, undefined),
      format: reader.format(point, at, bits),
      unit: point.unit === undefined ? undefined : reader.text(point.unit, `${at}.unit`, undefined),
    };
  });
  if (points.length === 0) reader.problems.push(`${path}.points must name at least one point`);
  const count = points.reduce((end, point) => Math.max(end, point.offset + wordsOf(point.format.type)), 0);
  const limit = bits ? LIMITS.readBits : LIMITS.readRegisters;
  if (count > limit) reader.problems.push(`${path} reads ${count} ${bits ? 'bits' : 'registers'} (up to the end of its last point); one request reads at most ${limit}: split it into two polls`);
  if (address + count > 0x10000) reader.problems.push(`${path} reads past address 65535 (address ${address}, ${count} ${bits ? 'bits' : 'registers'})`);
  return { periodMs, table, address, count, points };
}

function readCommand(reader: Reader, value: unknown, path: string): CommandSettings {
  const raw = reader.object(value, path, ['dataPoint', 'table', 'address', ...FORMAT_KEYS]);
  const table = reader.choice(raw.table, `${path}.table`, COMMAND_TABLES, undefined);
  const format = reader.format(raw, path, table === 'coil');
  const address = reader.integer(raw.address, `${path}.address`, 0, 0, 0xffff);
  if (address + wordsOf(format.type) > 0x10000) reader.problems.push(`${path}: a ${format.type} at ${address} ends past address 65535`);
  return { dataPoint: reader.text(raw.dataPoint, `${path}.dataPoint`, undefined), table, address, format };
}

function readDevice(reader: Reader, value: unknown, path: string): DeviceSettings {
  const raw = reader.object(value, path, ['name', 'host', 'port', 'unitId', 'timeoutMs', 'maxInFlight', 'backoff', 'polls', 'commands']);
  const backoffRaw = raw.backoff === undefined ? {} : reader.object(raw.backoff, `${path}.backoff`, ['initialMs', 'maxMs']);
  const initialMs = reader.integer(backoffRaw.initialMs, `${path}.backoff.initialMs`, deviceDefaults.backoff.initialMs, 1, 3_600_000);
  const maxMs = reader.integer(backoffRaw.maxMs, `${path}.backoff.maxMs`, Math.max(initialMs, deviceDefaults.backoff.maxMs), 1, 3_600_000);
  if (maxMs < initialMs) reader.problems.push(`${path}.backoff.maxMs (${maxMs}) must not be below initialMs (${initialMs})`);
  return {
    name: reader.text(raw.name, `${path}.name`, undefined),
    host: reader.text(raw.host, `${path}.host`, undefined),
    port: reader.integer(raw.port, `${path}.port`, deviceDefaults.port, 1, 65_535),
    unitId: reader.integer(raw.unitId, `${path}.unitId`, deviceDefaults.unitId, 0, 255),
    timeoutMs: reader.integer(raw.timeoutMs, `${path}.timeoutMs`, deviceDefaults.timeoutMs, 1, 600_000),
    maxInFlight: reader.integer(raw.maxInFlight, `${path}.maxInFlight`, deviceDefaults.maxInFlight, 1, 256),
    backoff: { initialMs, maxMs },
    polls: reader.list(raw.polls, `${path}.polls`).map((poll, index) => readPoll(reader, poll, `${path}.polls[${index}]`)),
    commands: reader.list(raw.commands, `${path}.commands`).map((command, index) => readCommand(reader, command, `${path}.commands[${index}]`)),
  };
}

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const name of names) (seen.has(name) ? twice : seen).add(name);
  return [...twice];
}

/** Throws ModbusGatewaySettingsError listing every problem. */
export function parseModbusGatewaySettings(raw: Record<string, unknown>): ModbusGatewaySettings {
  const reader = new Reader();
  const top = reader.object(raw, 'settings', Object.keys(modbusGatewayDefaults));
  const devices = reader.list(top.devices, 'devices').map((device, index) => readDevice(reader, device, `devices[${index}]`));
  for (const name of duplicates(devices.map((d) => d.name))) reader.problems.push(`two devices are named "${name}"; device names must be unique`);
  for (const name of duplicates(devices.flatMap((d) => d.polls.flatMap((p) => p.points.map((point) => point.dataPoint))))) {
    reader.problems.push(`data point "${name}" is polled twice; each data point has one source`);
  }
  for (const name of duplicates(devices.flatMap((d) => d.commands.map((c) => c.dataPoint)))) reader.problems.push(`command "${name}" is configured twice`);
  const settings: ModbusGatewaySettings = {
    devices,
    storageTimeoutMs: reader.integer(top.storageTimeoutMs, 'storageTimeoutMs', modbusGatewayDefaults.storageTimeoutMs, 1, 600_000),
    createRetryMs: reader.integer(top.createRetryMs, 'createRetryMs', modbusGatewayDefaults.createRetryMs, 1, 600_000),
  };
  if (reader.problems.length > 0) throw new ModbusGatewaySettingsError(`modbus-gateway settings: ${reader.problems.join('; ')}`);
  return settings;
}
