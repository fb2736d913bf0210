// The GRM's settings (the "settings" object of its configuration file): where the topology comes
// from, monitoring points added or corrected by hand, the profile defaults and limits, and the
// topics. A typo is a clear start-up error rather than a module that silently runs on a default.
// Documented in ./README.md.

import { resolve } from 'node:path';
import { stringRecords } from '../../core/grid/serving/settings-records.js';

/** A monitoring point given in the configuration: adds one, or corrects the CIM's of the same id. */
export interface ConfiguredMonitoringPoint {
  readonly id: string;
  readonly element: string;
  readonly dataPoint: string;
  readonly name?: string;
}

export interface GrmSettings {
  /** CIM RDF/XML files or folders (every *.xml in them), absolute. */
  readonly cimFiles: readonly string[];
  /** Topology files stored in storage (PutTopology), read with GetTopology{file} and imported together. */
  readonly storageFiles: readonly string[];
  readonly monitoringPoints: readonly ConfiguredMonitoringPoint[];
  /** The profile grid step when a request gives 0. */
  readonly stepMs: number;
  /** Gaps up to this long are interpolated when a request gives -1. */
  readonly maxInterpolateMs: number;
  /** The longest span one profile request may cover. */
  readonly maxSpanMs: number;
  /** The most slots one profile may have. */
  readonly maxSlots: number;
  /** Where SwitchChanged publications are heard. */
  readonly switchTopic: string;
  /** How long a request to storage may take, and how long to wait for storage to be discovered. */
  readonly storageTimeoutMs: number;
  /** How often a load that failed because storage did not answer is tried again. */
  readonly retryMs: number;
  /** Profiles read from storage at the same time. */
  readonly readConcurrency: number;
  /** How long SSD may take to verify a topology (GetVerifiedGrid), discovery included. */
  readonly ssdTimeoutMs: number;
  /** Pass on only a topology SSD verified; false lets an unverified one through, saying so. */
  readonly requireVerification: boolean;
}

export const DAY_MS = 86_400_000;

export const grmDefaults = {
  stepMs: 60_000,
  maxInterpolateMs: 300_000,
  maxSpanMs: 35 * DAY_MS,
  maxSlots: 100_000,
  switchTopic: 'grid/switches',
  storageTimeoutMs: 5000,
  retryMs: 10_000,
  readConcurrency: 4,
  ssdTimeoutMs: 10_000,
};

const KNOWN_KEYS = ['cimFiles', 'storageFile', 'monitoringPoints', 'requireVerification', ...Object.keys(grmDefaults)];

export class GrmSettingsError extends Error {
  override readonly name = 'GrmSettingsError';
}

/** A list of strings from a string or an array of them; pushes a problem for anything else. */
function stringList(raw: unknown, key: string, problems: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list)) {
    problems.push(`"${key}" must be a string or a list of strings`);
    return [];
  }
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '' || /[\u0000-\u001f]/.test(item)) problems.push(`"${key}": ${JSON.stringify(item)} is not a usable name`);
    else out.push(item);
  }
  return out;
}

function positive(raw: Record<string, unknown>, key: keyof typeof grmDefaults, problems: string[], { integer = false, zeroOk = false } = {}): number {
  const value = raw[key] ?? grmDefaults[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk) || (integer && !Number.isInteger(value))) {
    problems.push(`"${key}" must be a ${integer ? 'whole number' : 'number'} ${zeroOk ? '>= 0' : '> 0'}, got ${JSON.stringify(value)}`);
    return grmDefaults[key] as number;
  }
  return value;
}

export function parseGrmSettings(raw: Record<string, unknown>): GrmSettings {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) problems.push(`unknown setting "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
  }
  const cimFiles = stringList(raw.cimFiles, 'cimFiles', problems).map((path) => resolve(path));
  const storageFiles = stringList(raw.storageFile, 'storageFile', problems);
  for (const file of storageFiles) {
    if (file.includes('/') || file.includes('\\')) problems.push(`"storageFile": ${JSON.stringify(file)} is a path; storage holds plain file names (PutTopology)`);
  }
  if (cimFiles.length > 0 && storageFiles.length > 0) problems.push('"cimFiles" and "storageFile" exclude each other: give the one the topology comes from');

  const monitoringPoints: ConfiguredMonitoringPoint[] = stringRecords(raw.monitoringPoints, { list: 'monitoringPoints', required: ['id', 'element', 'dataPoint'], optional: ['name'] }, problems);

  const switchTopic = raw.switchTopic ?? grmDefaults.switchTopic;
  if (typeof switchTopic !== 'string' || switchTopic === '' || /[\u0000-\u001f]/.test(switchTopic)) problems.push(`"switchTopic" must be a topic name, got ${JSON.stringify(switchTopic)}`);

  const requireVerification = raw.requireVerification ?? true;
  if (typeof requireVerification !== 'boolean') problems.push(`"requireVerification" must be true or false, got ${JSON.stringify(requireVerification)}`);

  const settings: GrmSettings = {
    cimFiles,
    storageFiles,
    monitoringPoints,
    stepMs: positive(raw, 'stepMs', problems),
    maxInterpolateMs: positive(raw, 'maxInterpolateMs', problems, { zeroOk: true }),
    maxSpanMs: positive(raw, 'maxSpanMs', problems),
    maxSlots: positive(raw, 'maxSlots', problems, { integer: true }),
    switchTopic: switchTopic as string,
    storageTimeoutMs: positive(raw, 'storageTimeoutMs', problems, { integer: true }),
    retryMs: positive(raw, 'retryMs', problems, { integer: true }),
    readConcurrency: positive(raw, 'readConcurrency', problems, { integer: true }),
    ssdTimeoutMs: positive(raw, 'ssdTimeoutMs', problems, { integer: true }),
    requireVerification: requireVerification === true,
  };
  if (problems.length > 0) throw new GrmSettingsError(`grm settings: ${problems.join('; ')}`);
  return settings;
}
