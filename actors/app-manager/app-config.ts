// An app's configuration: the settings a person chose merged over the version's defaults, checked
// with ajv against the version's JSON schema, and written as the module configuration file
// `<appsDir>/<name>/config.json` = {"stateDir": "<appsDir>/<name>/state", "settings": {...}},
// plus "proxies" (the module's interceptor chains) when some are set.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, ErrorObject } from 'ajv';
import { parseProxyConfig, type ProxyConfig } from '../../core/bus/index.js';
import type { Manifest } from '../../core/provisioning/package/index.js';
import { AppError } from './app-error.js';

// ajv is CommonJS: required, not imported (see core/bus/zeromq.ts).
const Ajv = (createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass }).Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });

export type Settings = Record<string, unknown>;

/** What config.json holds. */
export interface ModuleConfigFile {
  stateDir: string;
  settings: Settings;
  proxies?: ProxyConfig;
}

/** What a ConfigureApp carries: new settings, new proxies, or both. */
export interface Configuration {
  readonly settings?: Settings;
  readonly proxies?: ProxyConfig;
}

export function configFileOf(appsDir: string, name: string): string {
  return join(appsDir, name, 'config.json');
}

export function stateDirOf(appsDir: string, name: string): string {
  return join(appsDir, name, 'state');
}

/** Parses a request's config_json: empty means none; anything but a JSON object is InvalidArgument. */
export function parseConfigJson(text: string | undefined, app: string): Settings | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError('InvalidArgument', `config_json of ${app}: not valid JSON: ${(error as Error).message}`, app);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AppError('InvalidArgument', `config_json of ${app}: expected a JSON object of settings`, app);
  return value as Settings;
}

/** The effective settings of a version: its defaults, then the chosen ones; checked against its schema (InvalidArgument with ajv's messages). */
export function effectiveSettings(manifest: Manifest, overrides: Settings): Settings {
  const settings = { ...manifest.config, ...overrides };
  let validate;
  try {
    validate = ajv.compile(manifest.configSchema);
  } catch (error) {
    throw new AppError('BadPackage', `${manifest.name} ${manifest.version}: configSchema is not a usable JSON schema: ${(error as Error).message}`, manifest.name);
  }
  if (!validate(settings)) {
    const problems = (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '(settings)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
    throw new AppError('InvalidArgument', `configuration of ${manifest.name} ${manifest.version} fails its schema: ${problems.join('; ')}`, manifest.name);
  }
  return settings;
}

/**
 * Reads ConfigureApp.config_json: a JSON object of settings, or a module
 * configuration `{"settings": {...}, "proxies": {...}}` (either part may be
 * left out to keep it). The second form is recognised when the object's keys
 * are only "settings" and/or "proxies" and the app's schema declares no
 * setting of those names.
 */
export function parseConfiguration(text: string, manifest: Manifest): Configuration {
  const value = parseConfigJson(text, manifest.name);
  if (!value) throw new AppError('InvalidArgument', `config_json of ${manifest.name}: empty (give a JSON object of settings)`, manifest.name);
  const keys = Object.keys(value);
  const declared = (manifest.configSchema as { properties?: Record<string, unknown> }).properties ?? {};
  const envelope = keys.length > 0 && keys.every((key) => (key === 'settings' || key === 'proxies') && !(key in declared));
  if (!envelope) return { settings: value };
  const settings = value.settings;
  if (settings !== undefined && (settings === null || typeof settings !== 'object' || Array.isArray(settings))) {
    throw new AppError('InvalidArgument', `config_json of ${manifest.name}: "settings" must be a JSON object`, manifest.name);
  }
  let proxies: ProxyConfig | undefined;
  if (value.proxies !== undefined) {
    try {
      proxies = parseProxyConfig(value.proxies, 'proxies');
    } catch (error) {
      throw new AppError('InvalidArgument', `config_json of ${manifest.name}: ${(error as Error).message}`, manifest.name);
    }
  }
  return { ...(settings === undefined ? {} : { settings: settings as Settings }), ...(proxies === undefined ? {} : { proxies }) };
}

export function moduleConfig(appsDir: string, name: string, settings: Settings, proxies?: ProxyConfig): ModuleConfigFile {
  const hasProxies = proxies !== undefined && ((proxies.inbound?.length ?? 0) > 0 || (proxies.outbound?.length ?? 0) > 0);
  return { stateDir: stateDirOf(appsDir, name), settings, ...(hasProxies ? { proxies } : {}) };
}
