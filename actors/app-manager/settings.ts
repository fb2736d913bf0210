// The AppManager's settings (module configuration "settings"), checked when the module starts;
// a bad value stops the start with a message naming the setting.

import { isAbsolute, join, resolve } from 'node:path';
import type { ExtractLimits } from '../../core/provisioning/package/index.js';

export interface AppManagerSettings {
  /** Where apps are installed: `<appsDir>/<name>/<version>/`, `<appsDir>/<name>/config.json`, `<appsDir>/apps.json`. */
  appsDir: string;
  /** The App Store (http://host:port); empty: no store, only installed apps can be started. */
  storeUrl: string;
  /** Public keys packages must be signed with (a PEM file or a folder of them). */
  trustedKeys: string;
  /** How long a new version must stay registered and alive after an upgrade before it counts as healthy. */
  healthWindowMs: number;
  /** How long a started app may take to register on the bus. */
  startTimeoutMs: number;
  /** Role address of the host agent that runs the apps' processes. */
  agent: string;
  /** Path of the supervisor in the agent's tree the apps are added to. */
  supervisor: string;
  /** Grace period of an app's shutdown (ShutdownRequest, then SIGTERM, then SIGKILL). */
  shutdownMs: number;
  /** Limits of package extraction (entries, sizes, compression ratio). */
  limits: Partial<ExtractLimits>;
}

export const appManagerDefaults = {
  appsDir: '',
  storeUrl: '',
  trustedKeys: '',
  healthWindowMs: 5000,
  startTimeoutMs: 15_000,
  agent: 'supervisor',
  supervisor: 'root',
  shutdownMs: 5000,
  limits: {},
} satisfies AppManagerSettings;

const LIMIT_KEYS = ['maxEntries', 'maxEntryBytes', 'maxTotalBytes', 'maxRatio'] as const;

/** Relative folders and files are taken relative to the working directory; appsDir defaults to `<stateDir>/apps`. */
export function parseAppManagerSettings(raw: Record<string, unknown>, stateDir: string): AppManagerSettings {
  const text = (key: string): string => {
    const value = raw[key];
    if (typeof value !== 'string') throw new Error(`app-manager setting "${key}" must be a string`);
    return value;
  };
  const count = (key: string, min: number): number => {
    const value = raw[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`app-manager setting "${key}" must be an integer ≥ ${min}`);
    return value;
  };
  const limitsRaw = raw.limits ?? {};
  if (typeof limitsRaw !== 'object' || limitsRaw === null || Array.isArray(limitsRaw)) throw new Error('app-manager setting "limits" must be an object');
  const limits: Partial<ExtractLimits> = {};
  for (const [key, value] of Object.entries(limitsRaw)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) throw new Error(`app-manager setting "limits.${key}" is unknown (known: ${LIMIT_KEYS.join(', ')})`);
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`app-manager setting "limits.${key}" must be a positive number`);
    limits[key as (typeof LIMIT_KEYS)[number]] = value;
  }
  const absolute = (path: string): string => (path === '' || isAbsolute(path) ? path : resolve(path));
  const appsDir = text('appsDir');
  const storeUrl = text('storeUrl');
  if (storeUrl && !/^https?:\/\//.test(storeUrl)) throw new Error(`app-manager setting "storeUrl" must be an http(s) URL, not "${storeUrl}"`);
  return {
    appsDir: appsDir ? absolute(appsDir) : resolve(join(stateDir, 'apps')),
    storeUrl: storeUrl.replace(/\/+$/, ''),
    trustedKeys: absolute(text('trustedKeys')),
    healthWindowMs: count('healthWindowMs', 0),
    startTimeoutMs: count('startTimeoutMs', 100),
    agent: text('agent'),
    supervisor: text('supervisor'),
    shutdownMs: count('shutdownMs', 0),
    limits,
  };
}
