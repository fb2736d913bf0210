// The gateway's settings (module configuration "settings"), checked when the module starts; a bad
// value stops the start with a message naming the setting.

import { isAbsolute, resolve } from 'node:path';

export interface RestSettings {
  /** Interface to listen on; loopback unless the gateway is meant to be reached from outside. */
  host: string;
  /** TCP port; 0 picks a free one (logged, and written to `portFile` when set). */
  port: number;
  /** JSON file of bearer tokens: `{ "tokens": [{ "name": "...", "token": "...", "scopes": ["read", "admin"] }] }`. */
  tokensFile: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** When set, the port actually listened on is written there (useful with port 0). */
  portFile: string;
}

export interface XmppSettings {
  /** e.g. `xmpp://127.0.0.1:5222`. */
  service: string;
  /** The XMPP domain of the gateway's account. */
  domain: string;
  username: string;
  /** File holding the account's password (first line). */
  passwordFile: string;
  resource: string;
  /** Bare JIDs whose commands are carried out; everyone else gets a refusal. */
  allow: string[];
}

export interface GatewaySettings {
  /** REST gateway; absent: not served. */
  rest?: RestSettings;
  /** XMPP gateway; absent: not connected. */
  xmpp?: XmppSettings;
  /** The AppManager: the default role means this host's, found by bus id (own-app-manager.ts); anything else is used as it is. */
  appManager: string;
  /** How long a request waits for this host's AppManager while its agent runs none (a restart), before Unavailable. */
  appManagerWaitMs: number;
  /** Timeout of the AppManager's quick answers (apps, catalogue, plan). */
  queryTimeoutMs: number;
  /** Timeout of lifecycle operations (install, start, stop, remove, upgrade, configure). */
  operationTimeoutMs: number;
  /** How long the progress of a finished operation stays available. */
  keepOperationsMs: number;
}

export const gatewayDefaults = {
  appManager: 'app-manager',
  appManagerWaitMs: 3000,
  queryTimeoutMs: 10_000,
  operationTimeoutMs: 300_000,
  keepOperationsMs: 600_000,
} satisfies Omit<GatewaySettings, 'rest' | 'xmpp'>;

const restDefaults = { host: '127.0.0.1', port: 8480, maxBodyBytes: 1_048_576, portFile: '' };

type Raw = Record<string, unknown>;

function objectAt(raw: Raw, key: string, where: string): Raw | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`app-gateway setting "${where}${key}" must be an object`);
  return value as Raw;
}

function textAt(raw: Raw, key: string, where: string, fallback?: string): string {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'string') throw new Error(`app-gateway setting "${where}${key}" must be a string`);
  return value;
}

function integerAt(raw: Raw, key: string, where: string, min: number, max: number, fallback?: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new Error(`app-gateway setting "${where}${key}" must be an integer from ${min} to ${max}`);
  return value;
}

const absolute = (path: string): string => (path === '' || isAbsolute(path) ? path : resolve(path));

/** Relative files are taken relative to the working directory. */
export function parseGatewaySettings(raw: Raw): GatewaySettings {
  const settings: GatewaySettings = {
    appManager: textAt(raw, 'appManager', ''),
    appManagerWaitMs: integerAt(raw, 'appManagerWaitMs', '', 0, 600_000),
    queryTimeoutMs: integerAt(raw, 'queryTimeoutMs', '', 100, 3_600_000),
    operationTimeoutMs: integerAt(raw, 'operationTimeoutMs', '', 100, 86_400_000),
    keepOperationsMs: integerAt(raw, 'keepOperationsMs', '', 1000, 86_400_000),
  };
  const rest = objectAt(raw, 'rest', '');
  if (rest) {
    const tokensFile = textAt(rest, 'tokensFile', 'rest.');
    if (tokensFile === '') throw new Error('app-gateway setting "rest.tokensFile" is required: the REST gateway serves nobody without tokens');
    settings.rest = {
      host: textAt(rest, 'host', 'rest.', restDefaults.host),
      port: integerAt(rest, 'port', 'rest.', 0, 65_535, restDefaults.port),
      tokensFile: absolute(tokensFile),
      maxBodyBytes: integerAt(rest, 'maxBodyBytes', 'rest.', 1024, 1 << 30, restDefaults.maxBodyBytes),
      portFile: absolute(textAt(rest, 'portFile', 'rest.', restDefaults.portFile)),
    };
  }
  const xmpp = objectAt(raw, 'xmpp', '');
  if (xmpp) {
    const allowRaw = xmpp.allow ?? [];
    if (!Array.isArray(allowRaw) || allowRaw.some((jid) => typeof jid !== 'string' || !/^[^@/\s]+@[^@/\s]+$/.test(jid))) {
      throw new Error('app-gateway setting "xmpp.allow" must be a list of bare JIDs (user@domain)');
    }
    const service = textAt(xmpp, 'service', 'xmpp.');
    if (!/^(xmpps?|wss?):\/\//.test(service)) throw new Error(`app-gateway setting "xmpp.service" must be an xmpp://, xmpps://, ws:// or wss:// URL, not "${service}"`);
    settings.xmpp = {
      service,
      domain: textAt(xmpp, 'domain', 'xmpp.'),
      username: textAt(xmpp, 'username', 'xmpp.'),
      passwordFile: absolute(textAt(xmpp, 'passwordFile', 'xmpp.')),
      resource: textAt(xmpp, 'resource', 'xmpp.', 'app-gateway'),
      allow: (allowRaw as string[]).map((jid) => jid.toLowerCase()),
    };
    if (settings.xmpp.domain === '' || settings.xmpp.username === '' || settings.xmpp.passwordFile === '') {
      throw new Error('app-gateway settings "xmpp.domain", "xmpp.username" and "xmpp.passwordFile" are required for the XMPP gateway');
    }
  }
  return settings;
}
