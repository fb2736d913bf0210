// The BRM's settings (the "settings" object of its configuration file): buildings given by hand
// and/or the tag that marks building data points in storage, the profile defaults and limits.
// Documented in ./README.md.

import { stringRecords } from '../../core/grid/serving/settings-records.js';

export interface ConfiguredBuilding {
  readonly id: string;
  readonly dataPoint: string;
  readonly element?: string;
  readonly name?: string;
}

export interface BrmSettings {
  readonly buildings: readonly ConfiguredBuilding[];
  /** Data points with this tag are buildings; undefined: no discovery, only the configured ones. */
  readonly buildingTag: string | undefined;
  readonly stepMs: number;
  readonly maxInterpolateMs: number;
  readonly maxSpanMs: number;
  readonly maxSlots: number;
  readonly storageTimeoutMs: number;
  readonly readConcurrency: number;
}

export const brmDefaults = {
  buildingTag: 'building',
  stepMs: 60_000,
  maxInterpolateMs: 300_000,
  maxSpanMs: 35 * 86_400_000,
  maxSlots: 100_000,
  storageTimeoutMs: 5000,
  readConcurrency: 4,
};

type NumberKey = Exclude<keyof typeof brmDefaults, 'buildingTag'>;

const KNOWN_KEYS = ['buildings', ...Object.keys(brmDefaults)];

export class BrmSettingsError extends Error {
  override readonly name = 'BrmSettingsError';
}

export function parseBrmSettings(raw: Record<string, unknown>): BrmSettings {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) problems.push(`unknown setting "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
  }
  const number = (key: NumberKey, { integer = false, zeroOk = false } = {}): number => {
    const value = raw[key] ?? brmDefaults[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk) || (integer && !Number.isInteger(value))) {
      problems.push(`"${key}" must be a ${integer ? 'whole number' : 'number'} ${zeroOk ? '>= 0' : '> 0'}, got ${JSON.stringify(value)}`);
      return brmDefaults[key];
    }
    return value;
  };

  const buildings: ConfiguredBuilding[] = stringRecords(raw.buildings, { list: 'buildings', required: ['id', 'dataPoint'], optional: ['element', 'name'] }, problems);

  const tag = raw.buildingTag === undefined ? brmDefaults.buildingTag : raw.buildingTag;
  let buildingTag: string | undefined;
  if (tag === null || tag === '') buildingTag = undefined;
  else if (typeof tag !== 'string' || tag.trim() !== tag || /[\u0000-\u001f]/.test(tag)) problems.push(`"buildingTag" must be a tag (or "" / null for none), got ${JSON.stringify(tag)}`);
  else buildingTag = tag;
  if (buildingTag === undefined && buildings.length === 0 && problems.length === 0) problems.push('no buildings: give "buildings" or a "buildingTag" to discover them in storage');

  const settings: BrmSettings = {
    buildings,
    buildingTag,
    stepMs: number('stepMs'),
    maxInterpolateMs: number('maxInterpolateMs', { zeroOk: true }),
    maxSpanMs: number('maxSpanMs'),
    maxSlots: number('maxSlots', { integer: true }),
    storageTimeoutMs: number('storageTimeoutMs', { integer: true }),
    readConcurrency: number('readConcurrency', { integer: true }),
  };
  if (problems.length > 0) throw new BrmSettingsError(`brm settings: ${problems.join('; ')}`);
  return settings;
}
