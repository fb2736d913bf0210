// The alarms module's settings (the "settings" object of its configuration file), checked when the
// module starts: every problem is named in one message. Documented with a full example in ./README.md.

import { isAbsolute, join, resolve } from 'node:path';
import type { DataPointRule, FloodSettings } from '../../core/alarms/api.js';
import { floodDefaults, floodSettings } from '../../core/alarms/flood-guard.js';
import { parseRules } from '../../core/alarms/rules.js';
import type { Severity } from '../../schemas/generated/messages.js';
import type { SystemAlarmSettings } from './system-sources.js';
import type { WorkOrderSettings } from './work-orders.js';
import type { XmppNotifierSettings } from './xmpp-notifier.js';

export interface AlarmsSettings {
  /** The raw event log's folder. */
  readonly dataDir: string;
  /** Raw events older than this are deleted from the log. */
  readonly retentionMs: number;
  readonly rules: DataPointRule[];
  readonly flood: FloodSettings;
  /** SubstationState is published on change and at least this often. */
  readonly stateIntervalMs: number;
  /** Staleness checks, shelf expiry, storm summaries, restart storms calming down. */
  readonly tickMs: number;
  /** The alarm book is written at most this often (debounced) and at stop. */
  readonly persistDelayMs: number;
  /** Topics of MeasurementEvents fed to the rules (FieldValues come from `field/values`). */
  readonly measurementTopics: readonly string[];
  readonly system: SystemAlarmSettings;
  readonly workOrders?: WorkOrderSettings & {
    /** A key raised again within this time after its last order gets that order again, not a new one. */
    readonly reuseWithinMs: number;
  };
  readonly xmpp?: XmppNotifierSettings;
}

export const alarmsDefaults = {
  retentionMs: 30 * 86_400_000,
  rules: [],
  stateIntervalMs: 10_000,
  tickMs: 1000,
  persistDelayMs: 1000,
  measurementTopics: ['measurements'],
};

const SEVERITIES: readonly Severity[] = ['Info', 'Warning', 'Minor', 'Major', 'Critical'];
const KNOWN = ['dataDir', 'retentionMs', 'rules', 'flood', 'stateIntervalMs', 'tickMs', 'persistDelayMs', 'measurementTopics', 'system', 'workOrders', 'xmpp'];
const systemDefaults: SystemAlarmSettings = {
  moduleDown: { severity: 'Major' },
  restartStorm: { restarts: 3, windowMs: 300_000, severity: 'Major' },
  storage: { maxUnsealedEntries: 5_000_000, maxRemoteBacklogFiles: 200, minDiskFreeShare: 0.1, severity: 'Major' },
  link: { severity: 'Major', downDelayMs: 30_000 },
};
const workOrderDefaults = { minSeverity: 'Major' as Severity, timeoutMs: 10_000, retry: { initialMs: 1000, maxMs: 300_000 }, reuseWithinMs: 86_400_000 };

export class AlarmsSettingsError extends Error {
  override readonly name = 'AlarmsSettingsError';
}

type Raw = Record<string, unknown>;

const describe = (value: unknown): string => JSON.stringify(value) ?? String(value);
const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(path));

/** Reads settings with a list of problems instead of stopping at the first. */
class Reader {
  readonly problems: string[] = [];

  object(raw: Raw, key: string, where: string): Raw | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problems.push(`"${where}${key}" must be an object, got ${describe(value)}`);
      return undefined;
    }
    return value as Raw;
  }

  unknown(raw: Raw, known: readonly string[], where: string): void {
    for (const key of Object.keys(raw)) if (!known.includes(key)) this.problems.push(`unknown setting "${where}${key}" (known: ${known.join(', ')})`);
  }

  number(raw: Raw, key: string, where: string, fallback: number, options: { min: number; integer?: boolean; max?: number }): number {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < options.min || (options.max !== undefined && value > options.max) || (options.integer === true && !Number.isInteger(value))) {
      this.problems.push(`"${where}${key}" must be ${options.integer ? 'a whole number' : 'a number'} >= ${options.min}${options.max !== undefined ? ` and <= ${options.max}` : ''}, got ${describe(value)}`);
      return fallback;
    }
    return value;
  }

  text(raw: Raw, key: string, where: string, fallback?: string): string {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'string' || value === '') {
      this.problems.push(`"${where}${key}" must be a non-empty string, got ${describe(value)}`);
      return '';
    }
    return value;
  }

  severity(raw: Raw, key: string, where: string, fallback: Severity): Severity {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'string' || !SEVERITIES.includes(value as Severity)) {
      this.problems.push(`"${where}${key}" must be one of ${SEVERITIES.join(', ')}, got ${describe(value)}`);
      return fallback;
    }
    return value as Severity;
  }
}

function parseSystem(read: Reader, raw: Raw | undefined): SystemAlarmSettings {
  if (raw === undefined) return systemDefaults;
  read.unknown(raw, ['moduleDown', 'restartStorm', 'storage', 'link'], 'system.');
  const moduleDown = read.object(raw, 'moduleDown', 'system.') ?? {};
  const storm = read.object(raw, 'restartStorm', 'system.') ?? {};
  const storage = read.object(raw, 'storage', 'system.') ?? {};
  const link = read.object(raw, 'link', 'system.') ?? {};
  read.unknown(moduleDown, ['severity'], 'system.moduleDown.');
  read.unknown(storm, ['restarts', 'windowMs', 'severity'], 'system.restartStorm.');
  read.unknown(storage, ['maxUnsealedEntries', 'maxRemoteBacklogFiles', 'minDiskFreeShare', 'severity'], 'system.storage.');
  read.unknown(link, ['severity', 'downDelayMs'], 'system.link.');
  const d = systemDefaults;
  return {
    moduleDown: { severity: read.severity(moduleDown, 'severity', 'system.moduleDown.', d.moduleDown.severity) },
    restartStorm: {
      restarts: read.number(storm, 'restarts', 'system.restartStorm.', d.restartStorm.restarts, { min: 0, integer: true }),
      windowMs: read.number(storm, 'windowMs', 'system.restartStorm.', d.restartStorm.windowMs, { min: 1 }),
      severity: read.severity(storm, 'severity', 'system.restartStorm.', d.restartStorm.severity),
    },
    storage: {
      maxUnsealedEntries: read.number(storage, 'maxUnsealedEntries', 'system.storage.', d.storage.maxUnsealedEntries, { min: 0 }),
      maxRemoteBacklogFiles: read.number(storage, 'maxRemoteBacklogFiles', 'system.storage.', d.storage.maxRemoteBacklogFiles, { min: 0, integer: true }),
      minDiskFreeShare: read.number(storage, 'minDiskFreeShare', 'system.storage.', d.storage.minDiskFreeShare, { min: 0, max: 1 }),
      severity: read.severity(storage, 'severity', 'system.storage.', d.storage.severity),
    },
    link: {
      severity: read.severity(link, 'severity', 'system.link.', d.link.severity),
      downDelayMs: read.number(link, 'downDelayMs', 'system.link.', d.link.downDelayMs, { min: 0 }),
    },
  };
}

function parseWorkOrders(read: Reader, raw: Raw | undefined): AlarmsSettings['workOrders'] {
  if (raw === undefined) return undefined;
  read.unknown(raw, ['url', 'tokenFile', 'minSeverity', 'timeoutMs', 'retry', 'reuseWithinMs'], 'workOrders.');
  const url = read.text(raw, 'url', 'workOrders.');
  if (url !== '' && !/^https?:\/\/[^/]/.test(url)) read.problems.push(`"workOrders.url" must be an http:// or https:// URL, got ${describe(url)}`);
  const retry = read.object(raw, 'retry', 'workOrders.') ?? {};
  read.unknown(retry, ['initialMs', 'maxMs'], 'workOrders.retry.');
  const initialMs = read.number(retry, 'initialMs', 'workOrders.retry.', workOrderDefaults.retry.initialMs, { min: 1 });
  const maxMs = read.number(retry, 'maxMs', 'workOrders.retry.', workOrderDefaults.retry.maxMs, { min: 1 });
  if (maxMs < initialMs) read.problems.push(`"workOrders.retry.maxMs" (${maxMs}) must not be below "initialMs" (${initialMs})`);
  const tokenFile = raw.tokenFile === undefined ? undefined : read.text(raw, 'tokenFile', 'workOrders.');
  return {
    url,
    ...(tokenFile ? { tokenFile: absolute(tokenFile) } : {}),
    minSeverity: read.severity(raw, 'minSeverity', 'workOrders.', workOrderDefaults.minSeverity),
    timeoutMs: read.number(raw, 'timeoutMs', 'workOrders.', workOrderDefaults.timeoutMs, { min: 1 }),
    retry: { initialMs, maxMs },
    reuseWithinMs: read.number(raw, 'reuseWithinMs', 'workOrders.', workOrderDefaults.reuseWithinMs, { min: 0 }),
  };
}

function parseXmpp(read: Reader, raw: Raw | undefined): XmppNotifierSettings | undefined {
  if (raw === undefined) return undefined;
  read.unknown(raw, ['service', 'domain', 'username', 'passwordFile', 'resource', 'to'], 'xmpp.');
  const service = read.text(raw, 'service', 'xmpp.');
  if (service !== '' && !/^(xmpps?|wss?):\/\//.test(service)) read.problems.push(`"xmpp.service" must be an xmpp://, xmpps://, ws:// or wss:// URL, got ${describe(service)}`);
  const to = raw.to;
  if (!Array.isArray(to) || to.length === 0 || !to.every((jid) => typeof jid === 'string' && /^[^@/\s]+@[^@/\s]+$/.test(jid))) {
    read.problems.push(`"xmpp.to" must be a non-empty list of bare JIDs (user@domain), got ${describe(to)}`);
  }
  return {
    service,
    domain: read.text(raw, 'domain', 'xmpp.'),
    username: read.text(raw, 'username', 'xmpp.'),
    passwordFile: absolute(read.text(raw, 'passwordFile', 'xmpp.')),
    resource: read.text(raw, 'resource', 'xmpp.', 'alarms'),
    to: Array.isArray(to) ? to.filter((jid): jid is string => typeof jid === 'string') : [],
  };
}

/** Relative files and folders are taken relative to the working directory; dataDir defaults to `<stateDir>/alarms-events`. */
export function parseAlarmsSettings(raw: Raw, stateDir: string): AlarmsSettings {
  const read = new Reader();
  read.unknown(raw, KNOWN, '');
  let rules: DataPointRule[] = [];
  try {
    rules = parseRules(raw.rules ?? []);
  } catch (error) {
    read.problems.push(`"rules": ${error instanceof Error ? error.message : String(error)}`);
  }
  let flood: FloodSettings = floodDefaults;
  const floodRaw = read.object(raw, 'flood', '');
  if (floodRaw) {
    read.unknown(floodRaw, Object.keys(floodDefaults), 'flood.');
    try {
      flood = floodSettings(floodRaw as Partial<FloodSettings>);
    } catch (error) {
      read.problems.push(`"flood": ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const dataDir = raw.dataDir === undefined ? resolve(join(stateDir, 'alarms-events')) : absolute(read.text(raw, 'dataDir', ''));
  const topics = raw.measurementTopics ?? alarmsDefaults.measurementTopics;
  if (!Array.isArray(topics) || !topics.every((topic) => typeof topic === 'string' && topic !== '')) read.problems.push(`"measurementTopics" must be a list of topic names, got ${describe(topics)}`);
  const settings: AlarmsSettings = {
    dataDir,
    retentionMs: read.number(raw, 'retentionMs', '', alarmsDefaults.retentionMs, { min: 1 }),
    rules,
    flood,
    stateIntervalMs: read.number(raw, 'stateIntervalMs', '', alarmsDefaults.stateIntervalMs, { min: 100 }),
    tickMs: read.number(raw, 'tickMs', '', alarmsDefaults.tickMs, { min: 10 }),
    persistDelayMs: read.number(raw, 'persistDelayMs', '', alarmsDefaults.persistDelayMs, { min: 0 }),
    measurementTopics: Array.isArray(topics) ? topics.filter((topic): topic is string => typeof topic === 'string' && topic !== '') : alarmsDefaults.measurementTopics,
    system: parseSystem(read, read.object(raw, 'system', '')),
    workOrders: parseWorkOrders(read, read.object(raw, 'workOrders', '')),
    xmpp: parseXmpp(read, read.object(raw, 'xmpp', '')),
  };
  if (read.problems.length > 0) throw new AlarmsSettingsError(`alarms settings: ${read.problems.join('; ')}`);
  return settings;
}
