// BEMS-AA's settings (the "settings" object of its configuration file). Documented in ./README.md.

import { isAssignmentMethod } from '../../core/grid/assignment/assign.js';
import type { AssignmentMethod } from '../../core/grid/assignment/api.js';

export interface BemsAaSettings {
  readonly method: AssignmentMethod;
  /** The span of a run when RunAssignment gives none, and of periodic runs: the last windowMs. */
  readonly windowMs: number;
  readonly stepMs: number;
  /** Below it a building is reported, not assigned; null in the file: no minimum. */
  readonly minScore: number | undefined;
  readonly maxLagSlots: number;
  readonly differences: boolean;
  /** Periodic runs every intervalMs; 0: only on request. */
  readonly intervalMs: number;
  readonly runOnStart: boolean;
  readonly grmTimeoutMs: number;
  readonly brmTimeoutMs: number;
  readonly storageTimeoutMs: number;
  /** The topology file name the result is stored as (PutTopology). */
  readonly storageFile: string;
}

export const bemsAaDefaults = {
  method: 'iterative',
  windowMs: 86_400_000,
  stepMs: 60_000,
  minScore: null,
  maxLagSlots: 0,
  differences: false,
  intervalMs: 0,
  runOnStart: false,
  grmTimeoutMs: 30_000,
  brmTimeoutMs: 30_000,
  storageTimeoutMs: 5000,
  storageFile: 'bems-aa-assignment.json',
};

export class BemsAaSettingsError extends Error {
  override readonly name = 'BemsAaSettingsError';
}

export function parseBemsAaSettings(raw: Record<string, unknown>): BemsAaSettings {
  const problems: string[] = [];
  const known = Object.keys(bemsAaDefaults);
  for (const key of Object.keys(raw)) if (!known.includes(key)) problems.push(`unknown setting "${key}" (known: ${known.join(', ')})`);
  const get = <K extends keyof typeof bemsAaDefaults>(key: K): unknown => raw[key] ?? bemsAaDefaults[key];
  const number = (key: 'windowMs' | 'stepMs' | 'maxLagSlots' | 'intervalMs' | 'grmTimeoutMs' | 'brmTimeoutMs' | 'storageTimeoutMs', zeroOk: boolean, integer: boolean): number => {
    const value = get(key);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk) || (integer && !Number.isInteger(value))) {
      problems.push(`"${key}" must be a ${integer ? 'whole number' : 'number'} ${zeroOk ? '>= 0' : '> 0'}, got ${JSON.stringify(value)}`);
      return bemsAaDefaults[key];
    }
    return value;
  };
  const flag = (key: 'differences' | 'runOnStart'): boolean => {
    const value = get(key);
    if (typeof value !== 'boolean') {
      problems.push(`"${key}" must be true or false, got ${JSON.stringify(value)}`);
      return bemsAaDefaults[key];
    }
    return value;
  };
  const method = get('method');
  if (typeof method !== 'string' || !isAssignmentMethod(method)) problems.push(`"method" must be one of pearson, spearman, iterative, least-squares, got ${JSON.stringify(method)}`);
  const minScore = raw.minScore ?? null;
  if (minScore !== null && (typeof minScore !== 'number' || !Number.isFinite(minScore))) problems.push(`"minScore" must be a number or null, got ${JSON.stringify(minScore)}`);
  const storageFile = get('storageFile');
  if (typeof storageFile !== 'string' || storageFile === '' || /[/\\\u0000-\u001f]/.test(storageFile)) problems.push(`"storageFile" must be a file name (no folders), got ${JSON.stringify(storageFile)}`);
  const settings: BemsAaSettings = {
    method: typeof method === 'string' && isAssignmentMethod(method) ? method : 'iterative',
    windowMs: number('windowMs', false, false),
    stepMs: number('stepMs', false, false),
    minScore: typeof minScore === 'number' ? minScore : undefined,
    maxLagSlots: number('maxLagSlots', true, true),
    differences: flag('differences'),
    intervalMs: number('intervalMs', true, false),
    runOnStart: flag('runOnStart'),
    grmTimeoutMs: number('grmTimeoutMs', false, true),
    brmTimeoutMs: number('brmTimeoutMs', false, true),
    storageTimeoutMs: number('storageTimeoutMs', false, true),
    storageFile: typeof storageFile === 'string' ? storageFile : bemsAaDefaults.storageFile,
  };
  if (problems.length > 0) throw new BemsAaSettingsError(`bems-aa settings: ${problems.join('; ')}`);
  return settings;
}
