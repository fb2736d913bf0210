import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadKeyring, parseKeyring } from '../bus/keyring-file.js';
import type { BusOptionsInput } from '../bus/config.js';
import { parseProxyConfig, type ProxyConfig } from '../bus/proxies/from-config.js';

/**
 * A module's configuration file (JSON):
 *   {
 *     "bus":      { "discovery": { "port": 5670, "cluster": "gridlink", "interface": "eth0" },
 *                   "keyring": "substation.keyring.json", ... },
 *     "proxies":  { "outbound": [...], "inbound": [...] },
 *     "stateDir": ".gridlink/state",
 *     "settings": { ...the module's own settings... }
 *   }
 * Every part is optional; what is missing takes its default.
 */
export interface ModuleConfig {
  bus: Omit<BusOptionsInput, 'name'>;
  proxies: ProxyConfig;
  stateDir: string;
  settings: Record<string, unknown>;
}

export class ConfigError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'ConfigError';
  }
}

const TOP_LEVEL = ['bus', 'proxies', 'stateDir', 'settings'];

export const defaultStateDir = '.gridlink/state';

/** Checks a parsed configuration; says what is wrong and where (`file: key: problem`). */
export function parseModuleConfig(value: unknown, where: string): ModuleConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(where, 'expected a JSON object');
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL.includes(key)) throw new ConfigError(where, `unknown key "${key}" (known: ${TOP_LEVEL.join(', ')})`);
  }
  const object = (key: string): Record<string, unknown> => {
    const v = raw[key];
    if (v === undefined) return {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(where, `"${key}" must be an object`);
    return v as Record<string, unknown>;
  };
  if (raw.stateDir !== undefined && typeof raw.stateDir !== 'string') throw new ConfigError(where, '"stateDir" must be a string');
  let proxies: ProxyConfig;
  try {
    proxies = parseProxyConfig(raw.proxies);
  } catch (error) {
    throw new ConfigError(where, (error as Error).message);
  }
  const bus = object('bus');
  if (typeof bus.keyring === 'string') {
    // A path, relative to the configuration file: keeps the secret key out of the configuration.
    const path = resolve(dirname(where), bus.keyring);
    try {
      bus.keyring = loadKeyring(path);
    } catch (error) {
      throw new ConfigError(where, `bus.keyring: ${(error as Error).message}`);
    }
  } else if (bus.keyring !== undefined) {
    try {
      bus.keyring = parseKeyring(bus.keyring, 'bus.keyring');
    } catch (error) {
      throw new ConfigError(where, (error as Error).message);
    }
  }
  return {
    bus: bus as Omit<BusOptionsInput, 'name'>,
    proxies,
    stateDir: (raw.stateDir as string | undefined) ?? defaultStateDir,
    settings: object('settings'),
  };
}

/** Reads and checks a configuration file; a JSON syntax error names the file and position. */
export function loadModuleConfig(path: string): ModuleConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, `cannot read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `not valid JSON: ${(error as Error).message}`);
  }
  return parseModuleConfig(value, path);
}

/**
 * Calls `onChange` with the new configuration whenever the file changes
 * (polling, so editors that replace the file are seen too); a broken edit
 * goes to `onError` and the running configuration stays.
 */
export function watchModuleConfig(path: string, onChange: (config: ModuleConfig) => void, onError: (error: Error) => void, intervalMs = 500): () => void {
  const listener = (current: { mtimeMs: number }, previous: { mtimeMs: number }): void => {
    if (current.mtimeMs === previous.mtimeMs) return;
    try {
      onChange(loadModuleConfig(path));
    } catch (error) {
      onError(error as Error);
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
