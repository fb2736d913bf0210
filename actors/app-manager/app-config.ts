// An app's configuration: the settings a person chose merged over the version's defaults, checked
// with ajv against the version's JSON schema, and written as the module configuration file
// `<appsDir>/<name>/config.json` = {"stateDir": "<appsDir>/<name>/state", "settings": {...}}.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, ErrorObject } from 'ajv';
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

export function moduleConfig(appsDir: string, name: string, settings: Settings): ModuleConfigFile {
  return { stateDir: stateDirOf(appsDir, name), settings };
}
