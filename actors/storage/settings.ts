// The storage module's settings (the "settings" object of its configuration file): what can be
// set, the defaults, and the checks that turn a typo into a clear start-up error instead of a
// store that silently runs with a default. Documented in ./README.md.

import { isAbsolute, join, resolve } from 'node:path';
import { defaultStateDir } from '../../core/config/module-config.js';
import type { AckMode, RetentionOptions } from '../../core/storacle/store/api.js';
import { parseRemoteSettings, type RemoteSettings } from './remote-settings.js';

/** The settings as written in a configuration file (every key optional). */
export interface StorageSettingsInput {
  dataDir?: string;
  inMemory?: boolean;
  ack?: AckMode;
  chunkSize?: number;
  groupCommitMaxDelayMs?: number;
  checkpointIntervalMs?: number;
  retention?: RetentionOptions;
  exportDir?: string;
  measurementTopics?: string[];
  maxEntriesPerReply?: number;
  histogramExactLimit?: number;
  maxTopologyBytes?: number;
  segmentPeriodMs?: number;
  remote?: unknown;
  statusIntervalMs?: number;
}

/** The settings the module runs with: defaults filled in, paths absolute. */
export interface StorageSettings {
  /** Folder of the store's disk tier; undefined when `inMemory` (nothing survives the process). */
  dataDir: string | undefined;
  ack: AckMode;
  chunkSize: number | undefined;
  groupCommitMaxDelayMs: number | undefined;
  /** 0: checkpoint only at shutdown. */
  checkpointIntervalMs: number;
  retention: RetentionOptions | undefined;
  /** SaveDataPointsCSV writes only inside this folder. */
  exportDir: string;
  measurementTopics: string[];
  /** GetEntriesOfTimeSpan answers at most this many entries (truncated: true beyond). */
  maxEntriesPerReply: number;
  /** GetStatistics bins raw values up to this many entries; beyond, it re-bins the on-line histogram. */
  histogramExactLimit: number;
  /** PutTopology refuses larger files (ResourceExhausted). */
  maxTopologyBytes: number;
  /** Entry-time span of one segment file (store default 7 days): the unit the remote tier copies. */
  segmentPeriodMs: number | undefined;
  /** The remote tier (./remote-settings.ts); undefined: none. */
  remote: RemoteSettings | undefined;
  /** StorageStatus on `storage/status` this often; 0: never. */
  statusIntervalMs: number;
}

/** The defaults, as the runtime merges a configuration's settings over them (paths are derived later). */
export const storageDefaults = {
  ack: 'durable',
  checkpointIntervalMs: 60_000,
  measurementTopics: ['measurements'],
  maxEntriesPerReply: 100_000,
  histogramExactLimit: 1_000_000,
  maxTopologyBytes: 64 * 1024 * 1024,
  statusIntervalMs: 5000,
} satisfies StorageSettingsInput;

const KNOWN_KEYS: readonly (keyof StorageSettingsInput)[] = [
  'dataDir', 'inMemory', 'ack', 'chunkSize', 'groupCommitMaxDelayMs', 'checkpointIntervalMs', 'retention',
  'exportDir', 'measurementTopics', 'maxEntriesPerReply', 'histogramExactLimit', 'maxTopologyBytes', 'segmentPeriodMs', 'remote', 'statusIntervalMs',
];
const ACK_MODES: readonly AckMode[] = ['visible', 'processSafe', 'durable'];

export class StorageSettingsError extends Error {
  override readonly name = 'StorageSettingsError';
}

/**
 * Checks the merged settings and fills in the derived defaults. `stateDir` is the module's state
 * folder (module config `stateDir`); relative paths are taken from the working directory, like
 * stateDir's.
 */
export function parseStorageSettings(raw: Record<string, unknown>, stateDir: string = defaultStateDir): StorageSettings {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) problems.push(`unknown setting "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
  }
  const path = (key: 'dataDir' | 'exportDir'): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '' || /[\u0000-\u001f]/.test(value)) {
      problems.push(`"${key}" must be a non-empty path`);
      return undefined;
    }
    return resolve(value);
  };
  const integer = (key: keyof StorageSettingsInput, min: number, max: number): number | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`"${key}" must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  };

  const inMemory = raw.inMemory ?? false;
  if (typeof inMemory !== 'boolean') problems.push('"inMemory" must be true or false');
  const configuredDataDir = path('dataDir');
  if (inMemory === true && configuredDataDir !== undefined) problems.push('"inMemory": true and "dataDir" exclude each other');
  const dataDir = inMemory === true ? undefined : (configuredDataDir ?? resolve(join(stateDir, 'storacle')));
  const exportDir = path('exportDir') ?? resolve(join(dataDir ?? stateDir, 'exports'));

  const ack = raw.ack ?? storageDefaults.ack;
  if (typeof ack !== 'string' || !(ACK_MODES as readonly string[]).includes(ack)) problems.push(`"ack" must be one of ${ACK_MODES.join(', ')}, got ${JSON.stringify(ack)}`);

  const topics = raw.measurementTopics ?? storageDefaults.measurementTopics;
  const measurementTopics: string[] = [];
  if (!Array.isArray(topics)) problems.push('"measurementTopics" must be a list of topic names');
  else {
    for (const topic of topics) {
      if (typeof topic !== 'string' || topic === '' || /[\u0000-\u001f]/.test(topic)) problems.push(`"measurementTopics": ${JSON.stringify(topic)} is not a topic name`);
      else if (topic.startsWith('storage/')) problems.push(`"measurementTopics": ${topic} is one of the storage module's own event topics`);
      else measurementTopics.push(topic);
    }
  }

  let retention: RetentionOptions | undefined;
  if (raw.retention !== undefined && raw.retention !== null) {
    const r = raw.retention as Record<string, unknown>;
    if (typeof r !== 'object' || Array.isArray(r)) problems.push('"retention" must be an object { maxAgeMs?, maxBytes? }');
    else {
      retention = {};
      for (const key of Object.keys(r)) {
        const value = r[key];
        if (key !== 'maxAgeMs' && key !== 'maxBytes') problems.push(`"retention": unknown key "${key}" (known: maxAgeMs, maxBytes)`);
        else if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) problems.push(`"retention.${key}" must be a positive number`);
        else retention[key] = value;
      }
    }
  }

  const remote = parseRemoteSettings(raw.remote, problems);
  // The remote tier copies files of the disk tier; a RAM-only store has none.
  if (inMemory === true && raw.remote !== undefined && raw.remote !== null) problems.push('"remote" needs the store on disk: it cannot be used with "inMemory": true');

  const settings: StorageSettings = {
    dataDir,
    ack: ack as AckMode,
    chunkSize: integer('chunkSize', 16, 1 << 20),
    groupCommitMaxDelayMs: integer('groupCommitMaxDelayMs', 0, 1000),
    checkpointIntervalMs: integer('checkpointIntervalMs', 0, 24 * 3600_000) ?? storageDefaults.checkpointIntervalMs,
    retention,
    exportDir,
    measurementTopics,
    maxEntriesPerReply: integer('maxEntriesPerReply', 1, 10_000_000) ?? storageDefaults.maxEntriesPerReply,
    histogramExactLimit: integer('histogramExactLimit', 0, 100_000_000) ?? storageDefaults.histogramExactLimit,
    maxTopologyBytes: integer('maxTopologyBytes', 1, 1 << 30) ?? storageDefaults.maxTopologyBytes,
    segmentPeriodMs: integer('segmentPeriodMs', 1000, 366 * 24 * 3600_000),
    remote,
    statusIntervalMs: integer('statusIntervalMs', 0, 3600_000) ?? storageDefaults.statusIntervalMs,
  };
  if (settings.statusIntervalMs > 0 && settings.statusIntervalMs < 100) problems.push('"statusIntervalMs" must be 0 (no status reports) or at least 100');
  if (settings.checkpointIntervalMs > 0 && settings.checkpointIntervalMs < 100) problems.push('"checkpointIntervalMs" must be 0 (only at shutdown) or at least 100');
  if (problems.length > 0) throw new StorageSettingsError(`storage settings: ${problems.join('; ')}`);
  if (!isAbsolute(settings.exportDir)) throw new StorageSettingsError('storage settings: exportDir did not resolve to an absolute path');
  return settings;
}
