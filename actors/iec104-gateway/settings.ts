// The IEC 104 gateway's settings (the "settings" object of its configuration file): the field
// links to RTUs, the optional SCADA uplink, and how values are batched into storage. Every
// problem is collected with its path (links[1].points[3].ioa) and reported together at start,
// so a typo is a clear start-up error rather than a point that is silently never stored.
// Documented in ./README.md.

import { defaultLinkParameters, type LinkParameters, type TypeIdName } from '../../core/protocols/iec104/api.js';

export type LinkMode = 'client' | 'server';
export type FieldCommandType = 'C_SC_NA_1' | 'C_DC_NA_1' | 'C_SE_NC_1';
export const FIELD_COMMAND_TYPES: readonly FieldCommandType[] = ['C_SC_NA_1', 'C_DC_NA_1', 'C_SE_NC_1'];
export type MonitorTypeName = Extract<TypeIdName, `M_${string}`>;
/** The monitor types the SCADA uplink may serve a data point as (M_EI_NA_1 is the station's own). */
export const SCADA_POINT_TYPES: readonly MonitorTypeName[] = [
  'M_SP_NA_1', 'M_SP_TB_1', 'M_DP_NA_1', 'M_DP_TB_1', 'M_ME_NA_1', 'M_ME_TD_1', 'M_ME_NB_1', 'M_ME_TE_1', 'M_ME_NC_1', 'M_ME_TF_1', 'M_IT_NA_1', 'M_IT_TB_1',
];

/** Storage's data point name limit; the quality companion adds QUALITY_SUFFIX. */
export const MAX_DATA_POINT_LENGTH = 200;
export const QUALITY_SUFFIX = ':quality';
const MAX_IOA = 0xffffff;

export interface PointSetting {
  readonly ioa: number;
  /** The common address the point is sent under: the link's unless the point gives one. */
  readonly commonAddress: number;
  readonly dataPoint: string;
  readonly scale: number;
  readonly offset: number;
}

export interface CommandSetting {
  readonly dataPoint: string;
  readonly ioa: number;
  readonly commonAddress: number;
  readonly type: FieldCommandType;
  readonly selectBeforeOperate: boolean;
}

export interface BackoffSetting {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface LinkSetting {
  readonly name: string;
  readonly mode: LinkMode;
  readonly host: string;
  readonly port: number;
  readonly commonAddress: number;
  readonly params: Partial<LinkParameters>;
  /** Our originator address in the ASDUs we send (0 = none). */
  readonly originator: number;
  readonly interrogateOnConnect: boolean;
  readonly clockSyncOnConnect: boolean;
  readonly backoff: BackoffSetting;
  readonly points: readonly PointSetting[];
  readonly commands: readonly CommandSetting[];
}

export interface ScadaPointSetting {
  readonly ioa: number;
  readonly dataPoint: string;
  readonly type: MonitorTypeName;
}

export interface ScadaStateSetting {
  readonly activeIoa?: number;
  readonly unacknowledgedIoa?: number;
  readonly worstSeverityIoa?: number;
  readonly stormIoa?: number;
  readonly groups: readonly { readonly group: string; readonly ioa: number }[];
  /** Single points that are on while an alarm whose key starts with `keyPrefix` is active (from alarms/changes). */
  readonly alarms: readonly { readonly keyPrefix: string; readonly ioa: number }[];
}

export interface ScadaCommandSetting {
  readonly ioa: number;
  readonly type: FieldCommandType;
  /** The bus address FieldCommand goes to: a role ("iec104-gateway") or "role@module-id". */
  readonly target: string;
  readonly dataPoint: string;
  readonly selectBeforeOperate: boolean;
}

export interface ScadaSetting {
  readonly host: string;
  readonly port: number;
  readonly commonAddress: number;
  readonly maxConnections: number;
  readonly params: Partial<LinkParameters>;
  readonly points: readonly ScadaPointSetting[];
  readonly state: ScadaStateSetting;
  readonly commands: readonly ScadaCommandSetting[];
}

export interface GatewaySettings {
  readonly links: readonly LinkSetting[];
  readonly scada: ScadaSetting | undefined;
  /** Values are sent to storage (AddEntryBatch) at least this often... */
  readonly flushIntervalMs: number;
  /** ...or as soon as this many are waiting; also the largest batch sent. */
  readonly maxBatch: number;
  /** Values kept while storage does not take them; beyond, the oldest are dropped (counted, logged). */
  readonly maxPending: number;
  readonly storageTimeoutMs: number;
  /** The longest wait between two tries of a batch storage did not take. */
  readonly storageRetryMaxMs: number;
  /** A FieldCommand's whole exchange with the RTU (select, execute, termination). */
  readonly commandTimeoutMs: number;
  /** A general interrogation from ACT to ACTTERM. */
  readonly interrogationTimeoutMs: number;
  /** The role the uplink asks for the substation state at start (GetSubstationState); "" = don't ask. */
  readonly alarmsRole: string;
}

export const gatewayDefaults = {
  links: [] as unknown[],
  scada: null as unknown,
  flushIntervalMs: 200,
  maxBatch: 10_000,
  maxPending: 1_000_000,
  storageTimeoutMs: 5000,
  storageRetryMaxMs: 10_000,
  commandTimeoutMs: 20_000,
  interrogationTimeoutMs: 30_000,
  alarmsRole: 'alarms',
};

export const linkDefaults = { mode: 'client', params: {}, originator: 0, interrogateOnConnect: true, clockSyncOnConnect: false, backoff: { initialMs: 1000, maxMs: 30_000 }, points: [], commands: [] };

export class GatewaySettingsError extends Error {
  override readonly name = 'GatewaySettingsError';
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Storage's rules for a name (1..200 characters, no control characters, white space, `*` or `?`), with room for the quality suffix. */
export function dataPointNameProblem(name: string, room = QUALITY_SUFFIX.length): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_DATA_POINT_LENGTH - room) return `is ${name.length} characters long; at most ${MAX_DATA_POINT_LENGTH - room} (storage allows ${MAX_DATA_POINT_LENGTH}, "${QUALITY_SUFFIX}" is added for the quality companion)`;
  if (CONTROL.test(name)) return 'contains a control character';
  if (/\s/.test(name)) return 'contains white space';
  if (/[*?]/.test(name)) return 'contains "*" or "?" (reserved for topic patterns)';
  return undefined;
}

/** Reads one JSON object of the settings, collecting every problem under its path. */
class Reader {
  constructor(
    private readonly raw: Record<string, unknown>,
    readonly path: string,
    private readonly problems: string[],
  ) {}

  static objectAt(value: unknown, path: string, problems: string[]): Reader | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${path} must be an object, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return new Reader(value as Record<string, unknown>, path, problems);
  }

  private at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  problem(key: string, message: string): void {
    this.problems.push(`${this.at(key)} ${message}`);
  }

  known(keys: readonly string[]): void {
    for (const key of Object.keys(this.raw)) if (!keys.includes(key)) this.problems.push(`${this.at(key)} is not a known setting (known: ${keys.join(', ')})`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  value(key: string): unknown {
    return this.raw[key];
  }

  string(key: string, fallback?: string): string {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'string' || value === '') {
      this.problem(key, `must be a non-empty string, got ${JSON.stringify(value)}`);
      return fallback ?? '';
    }
    return value;
  }

  integer(key: string, min: number, max: number, fallback?: number): number {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return fallback ?? min;
    }
    return value;
  }

  number(key: string, fallback: number): number {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(key, `must be a finite number, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  flag(key: string, fallback: boolean): boolean {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'boolean') {
      this.problem(key, `must be true or false, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, options: readonly T[], fallback?: T): T {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      this.problem(key, `must be one of ${options.join(', ')}, got ${JSON.stringify(value)}`);
      return fallback ?? options[0];
    }
    return value as T;
  }

  list(key: string): { reader: Reader; path: string }[] {
    const value = this.raw[key] ?? [];
    if (!Array.isArray(value)) {
      this.problem(key, `must be a list, got ${JSON.stringify(value)}`);
      return [];
    }
    const out: { reader: Reader; path: string }[] = [];
    value.forEach((item, i) => {
      const reader = Reader.objectAt(item, `${this.at(key)}[${i}]`, this.problems);
      if (reader) out.push({ reader, path: reader.path });
    });
    return out;
  }

  object(key: string): Reader | undefined {
    return Reader.objectAt(this.raw[key] ?? {}, this.at(key), this.problems);
  }

  dataPoint(key: string): string {
    const name = this.string(key);
    const problem = name === '' ? undefined : dataPointNameProblem(name);
    if (problem !== undefined) this.problem(key, `${JSON.stringify(name)} ${problem}`);
    return name;
  }

  /** Link parameters: only the known ones, each a positive whole number. */
  params(key: string): Partial<LinkParameters> {
    const reader = this.object(key);
    if (!reader) return {};
    const names = ['k', 'w', 't0', 't1', 't2', 't3'] as const;
    reader.known(names);
    const params: Partial<LinkParameters> = {};
    for (const name of names) if (reader.has(name)) params[name] = reader.integer(name, 1, name === 'k' || name === 'w' ? 32767 : 3_600_000);
    // The link refuses these at connect time; say it at start instead.
    const merged = { ...defaultLinkParameters, ...params };
    if (merged.w > merged.k) reader.problem('w', `(${merged.w}) must not exceed k (${merged.k})`);
    if (merged.t2 >= merged.t1) reader.problem('t2', `(${merged.t2} ms) must be less than t1 (${merged.t1} ms)`);
    return params;
  }
}

function unique<T>(items: readonly T[], keyOf: (item: T) => string | number, what: string, where: string, problems: string[]): void {
  const seen = new Set<string | number>();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) problems.push(`${where}: ${what} ${JSON.stringify(key)} is given twice`);
    seen.add(key);
  }
}

function parseLink(reader: Reader, problems: string[]): LinkSetting {
  reader.known(['name', 'mode', 'host', 'port', 'commonAddress', 'params', 'originator', 'interrogateOnConnect', 'clockSyncOnConnect', 'backoff', 'points', 'commands']);
  const name = reader.string('name');
  if (name !== '' && !/^[A-Za-z0-9._-]+$/.test(name)) reader.problem('name', `${JSON.stringify(name)} may use letters, digits, ".", "_" and "-" only (it becomes a storage tag)`);
  const mode = reader.oneOf<LinkMode>('mode', ['client', 'server'], 'client');
  const commonAddress = reader.integer('commonAddress', 1, 65534);
  const backoffReader = reader.object('backoff');
  let backoff: BackoffSetting = linkDefaults.backoff;
  if (backoffReader) {
    backoffReader.known(['initialMs', 'maxMs']);
    backoff = { initialMs: backoffReader.integer('initialMs', 1, 3_600_000, linkDefaults.backoff.initialMs), maxMs: backoffReader.integer('maxMs', 1, 3_600_000, linkDefaults.backoff.maxMs) };
    if (backoff.maxMs < backoff.initialMs) backoffReader.problem('maxMs', `(${backoff.maxMs}) must be at least initialMs (${backoff.initialMs})`);
  }
  const points: PointSetting[] = reader.list('points').map(({ reader: p }) => {
    p.known(['ioa', 'dataPoint', 'scale', 'offset', 'commonAddress']);
    return { ioa: p.integer('ioa', 1, MAX_IOA), commonAddress: p.has('commonAddress') ? p.integer('commonAddress', 1, 65534) : commonAddress, dataPoint: p.dataPoint('dataPoint'), scale: p.number('scale', 1), offset: p.number('offset', 0) };
  });
  const commands: CommandSetting[] = reader.list('commands').map(({ reader: c }) => {
    c.known(['ioa', 'dataPoint', 'type', 'selectBeforeOperate', 'commonAddress']);
    return { ioa: c.integer('ioa', 1, MAX_IOA), commonAddress: c.has('commonAddress') ? c.integer('commonAddress', 1, 65534) : commonAddress, dataPoint: c.dataPoint('dataPoint'), type: c.oneOf('type', FIELD_COMMAND_TYPES), selectBeforeOperate: c.flag('selectBeforeOperate', false) };
  });
  const where = `link ${JSON.stringify(name)}`;
  unique(points, (p) => `${p.commonAddress}/${p.ioa}`, 'point common address/IOA', where, problems);
  unique(commands, (c) => `${c.commonAddress}/${c.ioa}`, 'command common address/IOA', where, problems);
  return {
    name,
    mode,
    host: reader.string('host', mode === 'server' ? '0.0.0.0' : undefined),
    port: reader.integer('port', mode === 'server' ? 0 : 1, 65535, 2404),
    commonAddress,
    params: reader.params('params'),
    originator: reader.integer('originator', 0, 255, 0),
    interrogateOnConnect: reader.flag('interrogateOnConnect', true),
    clockSyncOnConnect: reader.flag('clockSyncOnConnect', false),
    backoff,
    points,
    commands,
  };
}

function parseScada(reader: Reader, problems: string[]): ScadaSetting {
  reader.known(['host', 'port', 'commonAddress', 'maxConnections', 'params', 'points', 'state', 'commands']);
  const points: ScadaPointSetting[] = reader.list('points').map(({ reader: p }) => {
    p.known(['ioa', 'dataPoint', 'type']);
    return { ioa: p.integer('ioa', 1, MAX_IOA), dataPoint: p.dataPoint('dataPoint'), type: p.oneOf('type', SCADA_POINT_TYPES) };
  });
  const stateReader = reader.object('state');
  let state: ScadaStateSetting = { groups: [], alarms: [] };
  if (stateReader) {
    stateReader.known(['activeIoa', 'unacknowledgedIoa', 'worstSeverityIoa', 'stormIoa', 'groups', 'alarms']);
    const optional = (key: string): number | undefined => (stateReader.has(key) ? stateReader.integer(key, 1, MAX_IOA) : undefined);
    const groups = stateReader.list('groups').map(({ reader: g }) => {
      g.known(['group', 'ioa']);
      return { group: g.string('group'), ioa: g.integer('ioa', 1, MAX_IOA) };
    });
    const alarms = stateReader.list('alarms').map(({ reader: a }) => {
      a.known(['keyPrefix', 'ioa']);
      return { keyPrefix: a.string('keyPrefix'), ioa: a.integer('ioa', 1, MAX_IOA) };
    });
    state = { activeIoa: optional('activeIoa'), unacknowledgedIoa: optional('unacknowledgedIoa'), worstSeverityIoa: optional('worstSeverityIoa'), stormIoa: optional('stormIoa'), groups, alarms };
  }
  const commands: ScadaCommandSetting[] = reader.list('commands').map(({ reader: c }) => {
    c.known(['ioa', 'type', 'target', 'dataPoint', 'selectBeforeOperate']);
    return { ioa: c.integer('ioa', 1, MAX_IOA), type: c.oneOf('type', FIELD_COMMAND_TYPES), target: c.string('target', 'iec104-gateway'), dataPoint: c.dataPoint('dataPoint'), selectBeforeOperate: c.flag('selectBeforeOperate', false) };
  });
  const ioas: { ioa: number }[] = [
    ...points,
    ...[state.activeIoa, state.unacknowledgedIoa, state.worstSeverityIoa, state.stormIoa].filter((ioa): ioa is number => ioa !== undefined).map((ioa) => ({ ioa })),
    ...state.groups,
    ...state.alarms,
    ...commands,
  ];
  unique(ioas, (p) => p.ioa, 'IOA', 'scada (points, state and commands share one address space)', problems);
  unique(state.groups, (g) => g.group, 'group', 'scada.state.groups', problems);
  return {
    host: reader.string('host', '0.0.0.0'),
    port: reader.integer('port', 0, 65535, 2404),
    commonAddress: reader.integer('commonAddress', 1, 65534),
    maxConnections: reader.integer('maxConnections', 1, 16, 2),
    params: reader.params('params'),
    points,
    state,
    commands,
  };
}

function alarmsRole(top: Reader, value: unknown): string {
  if (typeof value === 'string') return value;
  top.problem('alarmsRole', `must be a string ("" = don't ask), got ${JSON.stringify(value)}`);
  return gatewayDefaults.alarmsRole;
}

export function parseGatewaySettings(raw: Record<string, unknown>): GatewaySettings {
  const problems: string[] = [];
  const top = new Reader(raw, '', problems);
  top.known(Object.keys(gatewayDefaults));
  const links = top.list('links').map(({ reader }) => parseLink(reader, problems));
  unique(links, (l) => l.name, 'link name', 'links', problems);
  // A data point fed by two links would get two interleaved series storage refuses half of.
  unique(links.flatMap((l) => l.points), (p) => p.dataPoint, 'data point', 'links[*].points', problems);
  // FieldCommand names the point only: it must say which link holds it.
  unique(links.flatMap((l) => l.commands), (c) => c.dataPoint, 'command data point', 'links[*].commands', problems);
  const scadaReader = top.has('scada') ? Reader.objectAt(raw.scada, 'scada', problems) : undefined;
  const scada = scadaReader ? parseScada(scadaReader, problems) : undefined;
  const settings: GatewaySettings = {
    links,
    scada,
    flushIntervalMs: top.integer('flushIntervalMs', 1, 60_000, gatewayDefaults.flushIntervalMs),
    maxBatch: top.integer('maxBatch', 1, 1_000_000, gatewayDefaults.maxBatch),
    maxPending: top.integer('maxPending', 1, 100_000_000, gatewayDefaults.maxPending),
    storageTimeoutMs: top.integer('storageTimeoutMs', 1, 600_000, gatewayDefaults.storageTimeoutMs),
    storageRetryMaxMs: top.integer('storageRetryMaxMs', 1, 600_000, gatewayDefaults.storageRetryMaxMs),
    commandTimeoutMs: top.integer('commandTimeoutMs', 1, 600_000, gatewayDefaults.commandTimeoutMs),
    interrogationTimeoutMs: top.integer('interrogationTimeoutMs', 1, 600_000, gatewayDefaults.interrogationTimeoutMs),
    alarmsRole: alarmsRole(top, raw.alarmsRole ?? gatewayDefaults.alarmsRole),
  };
  if (settings.maxPending < settings.maxBatch) top.problem('maxPending', `(${settings.maxPending}) must be at least maxBatch (${settings.maxBatch})`);
  if (links.length === 0 && scada === undefined) problems.push('nothing to do: give "links" (RTUs) or "scada" (the uplink), or both');
  if (problems.length > 0) throw new GatewaySettingsError(`iec104-gateway settings: ${problems.join('; ')}`);
  return settings;
}
