/**
 * The manifest of an app package (manifest.json at the package's root and in
 * the module's source folder): what the module is, which roles it provides
 * and requires, and its default settings with their JSON Schema.
 */
import semver from 'semver';
import { PackageError } from './package-error.js';
import { configSchemaProblem } from './config-schema-check.js';

export interface Manifest {
  /**
   * For a module of actors/, its folder below actors/ ("storage",
   * "examples/generator"; packModule checks it); lower-case letters, digits
   * and '-', segments separated by '/'.
   */
  name: string;
  /** Semantic version (semver.org), e.g. "1.2.0". */
  version: string;
  description?: string;
  /** The module file relative to the module folder, e.g. "module.js". */
  entry: string;
  /** Roles this module serves, each with the version of its contract. */
  provides: { role: string; version: string }[];
  /** Roles this module needs from others, each with a semver range. */
  requires: { role: string; range: string }[];
  /** Default settings (the "settings" object of the module's configuration). */
  config: Record<string, unknown>;
  /** JSON Schema the settings must satisfy. */
  configSchema: Record<string, unknown>;
}

const NAME = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;
const ROLE = /^[A-Za-z0-9][A-Za-z0-9._\/-]*$/;
const ENTRY = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*\.(js|mjs)$/;
const KNOWN_KEYS = new Set(['name', 'version', 'description', 'entry', 'provides', 'requires', 'config', 'configSchema']);
const MAX_NAME_LENGTH = 100;

/**
 * Checks a parsed manifest and returns it typed; the error names `where` (a
 * file or a ZIP entry) and the field at fault, e.g.
 * "actors/storage/manifest.json: requires[0].range: '^x' is not a semver range".
 */
export function parseManifest(json: unknown, where: string): Manifest {
  const fail = (field: string, problem: string): never => {
    throw new PackageError('InvalidArgument', `${where}: ${field}: ${problem}`, { file: where });
  };
  if (!isObject(json)) fail('manifest', 'expected a JSON object');
  const raw = json as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) fail(key, `unknown field (known: ${[...KNOWN_KEYS].join(', ')})`);
  }

  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    fail('name', `${show(name)} is not a module name (the folder below actors/: lower-case letters, digits, '-', segments separated by '/')`);
  }
  const version = raw.version;
  if (typeof version !== 'string' || semver.valid(version) !== version) fail('version', `${show(version)} is not a semantic version such as "1.0.0"`);
  if (raw.description !== undefined && typeof raw.description !== 'string') fail('description', 'expected a string');
  const entry = raw.entry;
  if (typeof entry !== 'string' || !ENTRY.test(entry) || entry.split('/').includes('..')) {
    fail('entry', `${show(entry)} is not a module file relative to the module folder, such as "module.js"`);
  }

  if (!Array.isArray(raw.provides)) fail('provides', 'expected an array of { role, version }');
  const provides = (raw.provides as unknown[]).map((item, index) => {
    const field = `provides[${index}]`;
    if (!isObject(item)) return fail(field, 'expected { role, version }');
    const { role, version: roleVersion, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0) fail(`${field}.${Object.keys(rest)[0]}`, 'unknown field');
    if (typeof role !== 'string' || !ROLE.test(role)) fail(`${field}.role`, `${show(role)} is not a role name`);
    if (typeof roleVersion !== 'string' || semver.valid(roleVersion) !== roleVersion) fail(`${field}.version`, `${show(roleVersion)} is not a semantic version`);
    return { role: role as string, version: roleVersion as string };
  });

  if (!Array.isArray(raw.requires)) fail('requires', 'expected an array of { role, range }');
  const requires = (raw.requires as unknown[]).map((item, index) => {
    const field = `requires[${index}]`;
    if (!isObject(item)) return fail(field, 'expected { role, range }');
    const { role, range, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0) fail(`${field}.${Object.keys(rest)[0]}`, 'unknown field');
    if (typeof role !== 'string' || !ROLE.test(role)) fail(`${field}.role`, `${show(role)} is not a role name`);
    if (typeof range !== 'string' || semver.validRange(range) === null) fail(`${field}.range`, `${show(range)} is not a semver range such as "^1.0.0"`);
    return { role: role as string, range: range as string };
  });

  if (!isObject(raw.config)) fail('config', 'expected an object (the default settings; {} when there are none)');
  if (!isObject(raw.configSchema)) fail('configSchema', 'expected a JSON Schema object ({ "type": "object", ... })');

  const problem = configSchemaProblem(raw.configSchema as Record<string, unknown>, raw.config as Record<string, unknown>);
  if (problem !== undefined) fail('config', `the default settings do not satisfy configSchema: ${problem}`);

  const manifest: Manifest = {
    name: name as string,
    version: version as string,
    entry: entry as string,
    provides,
    requires,
    config: raw.config as Record<string, unknown>,
    configSchema: raw.configSchema as Record<string, unknown>,
  };
  if (typeof raw.description === 'string') manifest.description = raw.description;
  return manifest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
