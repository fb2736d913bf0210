// The storage module's `remote` setting: where the remote tier (core/storacle/remote) copies the
// store's sealed files, when local files go, and how often it looks. Checked like the other
// settings: every problem is named with its path ("remote.target.host"), so a typo stops the
// start instead of leaving a substation that silently never archives. Documented in ./README.md.

import { isAbsolute, resolve } from 'node:path';

export const DEFAULT_DELETE_LOCAL_AFTER_MS = 30 * 24 * 3600_000;
export const DEFAULT_REMOTE_INTERVAL_MS = 10 * 60_000;

export interface DirectoryTargetSettings {
  type: 'directory';
  /** Absolute folder (a mounted archive disk or network share). */
  path: string;
}

export interface SftpTargetSettings {
  type: 'sftp';
  host: string;
  port: number;
  username: string;
  /** Absolute path of the private key file; read when the module starts. */
  privateKeyFile: string;
  /** `SHA256:...` as `ssh-keygen -l -E sha256` prints them; an unknown host key is refused. */
  hostKeyFingerprints: string[];
  /** Absolute folder on the server. */
  remoteDir: string;
}

export interface VictoriaMetricsTargetSettings {
  type: 'victoriametrics';
  url: string;
}

export interface InfluxDbTargetSettings {
  type: 'influxdb';
  url: string;
  database: string;
}

export type RemoteTargetSettings = DirectoryTargetSettings | SftpTargetSettings | VictoriaMetricsTargetSettings | InfluxDbTargetSettings;

export interface RemoteSettings {
  target: RemoteTargetSettings;
  /** A sealed file is released locally once its copy is verified and its newest entry is this old. */
  deleteLocalAfterMs: number;
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
}

const TARGET_KEYS: Record<RemoteTargetSettings['type'], readonly string[]> = {
  directory: ['type', 'path'],
  sftp: ['type', 'host', 'port', 'username', 'privateKeyFile', 'hostKeyFingerprints', 'remoteDir'],
  victoriametrics: ['type', 'url'],
  influxdb: ['type', 'url', 'database'],
};
const REMOTE_KEYS = ['target', 'deleteLocalAfterMs', 'intervalMs'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const hasControl = (text: string): boolean => /[\u0000-\u001f\u007f]/.test(text);

/**
 * Checks the `remote` setting; absent (undefined or null): no remote tier. Problems are pushed to
 * `problems` (each naming its setting) and the result is then undefined.
 */
export function parseRemoteSettings(raw: unknown, problems: string[]): RemoteSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const before = problems.length;
  if (!isObject(raw)) {
    problems.push('"remote" must be an object { target, deleteLocalAfterMs?, intervalMs? }');
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!REMOTE_KEYS.includes(key)) problems.push(`"remote": unknown key "${key}" (known: ${REMOTE_KEYS.join(', ')})`);
  }
  const duration = (key: 'deleteLocalAfterMs' | 'intervalMs', min: number, fallback: number): number => {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > Number.MAX_SAFE_INTEGER) {
      problems.push(`"remote.${key}" must be an integer of at least ${min} (milliseconds), got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const deleteLocalAfterMs = duration('deleteLocalAfterMs', 0, DEFAULT_DELETE_LOCAL_AFTER_MS);
  // Below 100 ms a failing target would be retried in a busy loop.
  const intervalMs = duration('intervalMs', 100, DEFAULT_REMOTE_INTERVAL_MS);
  const target = parseTarget(raw.target, problems);
  if (problems.length > before || target === undefined) return undefined;
  return { target, deleteLocalAfterMs, intervalMs };
}

function parseTarget(raw: unknown, problems: string[]): RemoteTargetSettings | undefined {
  const types = Object.keys(TARGET_KEYS);
  if (raw === undefined || raw === null) {
    problems.push(`"remote.target" is missing: { "type": ${types.map((t) => `"${t}"`).join(' | ')}, ... }`);
    return undefined;
  }
  if (!isObject(raw)) {
    problems.push('"remote.target" must be an object with a "type"');
    return undefined;
  }
  const type = raw.type;
  if (typeof type !== 'string' || !types.includes(type)) {
    problems.push(`"remote.target.type" must be one of ${types.join(', ')}, got ${JSON.stringify(type)}`);
    return undefined;
  }
  const known = TARGET_KEYS[type as RemoteTargetSettings['type']];
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) problems.push(`"remote.target": unknown key "${key}" for type ${type} (known: ${known.join(', ')})`);
  }
  const text = (key: string): string => {
    const value = raw[key];
    if (typeof value !== 'string' || value.trim() === '' || hasControl(value)) {
      problems.push(`"remote.target.${key}" must be a non-empty string, got ${JSON.stringify(value)}`);
      return '';
    }
    return value;
  };
  const absolutePath = (key: string, local: boolean): string => {
    const value = text(key);
    if (value === '') return value;
    if (!isAbsolute(value)) {
      problems.push(`"remote.target.${key}" must be an absolute path, got ${JSON.stringify(value)}`);
      return '';
    }
    return local ? resolve(value) : value;
  };
  const url = (): string => {
    const value = text('url');
    if (value === '') return value;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      problems.push(`"remote.target.url" is not a URL: ${JSON.stringify(value)}`);
      return '';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problems.push(`"remote.target.url" must be http:// or https://, got ${JSON.stringify(value)}`);
    return value;
  };

  switch (type as RemoteTargetSettings['type']) {
    case 'directory':
      return { type: 'directory', path: absolutePath('path', true) };
    case 'victoriametrics':
      return { type: 'victoriametrics', url: url() };
    case 'influxdb':
      return { type: 'influxdb', url: url(), database: text('database') };
    case 'sftp': {
      const portValue = raw.port ?? 22;
      let port = 22;
      if (typeof portValue !== 'number' || !Number.isInteger(portValue) || portValue < 1 || portValue > 65535) {
        problems.push(`"remote.target.port" must be an integer from 1 to 65535, got ${JSON.stringify(portValue)}`);
      } else port = portValue;
      const fingerprints: string[] = [];
      const list = raw.hostKeyFingerprints;
      if (!Array.isArray(list) || list.length === 0) {
        problems.push('"remote.target.hostKeyFingerprints" must be a non-empty list of "SHA256:..." fingerprints (ssh-keygen -l -E sha256 -f <host key>.pub)');
      } else {
        for (const item of list) {
          if (typeof item !== 'string' || !/^SHA256:[A-Za-z0-9+/]{43}$/.test(item)) {
            problems.push(`"remote.target.hostKeyFingerprints": ${JSON.stringify(item)} is not a fingerprint as ssh-keygen -l -E sha256 prints it ("SHA256:" and 43 base64 characters, no "=")`);
          } else fingerprints.push(item);
        }
      }
      return {
        type: 'sftp',
        host: text('host'),
        port,
        username: text('username'),
        privateKeyFile: absolutePath('privateKeyFile', true),
        hostKeyFingerprints: fingerprints,
        remoteDir: absolutePath('remoteDir', false),
      };
    }
  }
}
