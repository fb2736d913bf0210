// SSD's settings (the "settings" object of its configuration file): the noise model and the
// hypotheses tried (core/grid/ssd/api.ts SsdOptions). Documented in ./README.md.

import type { SsdOptions } from '../../core/grid/ssd/api.js';
import { DEFAULT_SSD_OPTIONS, resolveSsdOptions } from '../../core/grid/ssd/verify.js';

export type SsdSettings = Required<SsdOptions>;

export const ssdDefaults: SsdSettings = { ...DEFAULT_SSD_OPTIONS };

const KNOWN_KEYS = Object.keys(ssdDefaults);

export class SsdSettingsError extends Error {
  override readonly name = 'SsdSettingsError';
}

export function parseSsdSettings(raw: Record<string, unknown>): SsdSettings {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.includes(key)) problems.push(`unknown setting "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
  for (const key of KNOWN_KEYS) {
    const value = raw[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) problems.push(`"${key}" must be a number, got ${JSON.stringify(value)}`);
  }
  if (problems.length > 0) throw new SsdSettingsError(`ssd settings: ${problems.join('; ')}`);
  try {
    return resolveSsdOptions(raw as SsdOptions);
  } catch (error) {
    throw new SsdSettingsError(`ssd settings: ${(error as Error).message}`);
  }
}
