// The dashboard's settings (module configuration "settings"), checked when the module starts; a
// bad value stops the start with a message naming the setting. Documented in ./README.md.

import { isAbsolute, join, resolve } from 'node:path';

export interface LoginLimits {
  /** Failed logins of one user name within `windowMs` before further attempts get 429. */
  maxFailuresPerUser: number;
  /** Failed logins from one client address within `windowMs` before further attempts get 429. */
  maxFailuresPerAddress: number;
  windowMs: number;
}

export interface BusTimeouts {
  /** Reads (registry-backed views, alarms list, statistics, trees). */
  queryMs: number;
  /** Alarm actions (ack, shelve, unshelve). */
  actionMs: number;
  /** App lifecycle operations (install, upgrade...): they take as long as packages take. */
  operationMs: number;
  /** A host agent's supervision tree. */
  treeMs: number;
}

export interface DashboardSettings {
  /** Interface to listen on: loopback unless the dashboard is meant to be reached from other machines. */
  host: string;
  /** TCP port; 0 picks a free one (logged, and written to `portFile` when set). */
  port: number;
  portFile: string;
  /** JSON users file (`gridlink dashboard user add`); required. */
  usersFile: string;
  sessionIdleMs: number;
  sessionMaxMs: number;
  login: LoginLimits;
  /** JSON lines, one AuditEntry each; default <stateDir>/audit.jsonl. */
  auditFile: string;
  timeouts: BusTimeouts;
  /** Mark the session cookie Secure (HTTPS in front). Default: false on a loopback host, true otherwise. */
  secureCookies: boolean;
  /** Largest JSON request body, bytes. */
  maxBodyBytes: number;
  /** Origins allowed besides the dashboard's own (a reverse proxy's public address), e.g. "https://grid.example". */
  allowedOrigins: string[];
  /** Live socket: ping interval, and the most bytes queued for one browser before it is dropped as too slow. */
  livePingMs: number;
  liveMaxBufferedBytes: number;
  /** Operator notifications (storm summaries) kept for GET /api/alarms/notifications. */
  keepNotifications: number;
  /** Folder of the compiled web app; default: web/ beside the compiled module (dist/actors/dashboard/web). */
  webDir: string;
}

export const dashboardDefaults = {
  host: '127.0.0.1',
  port: 8490,
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 12 * 3_600_000,
  login: { maxFailuresPerUser: 5, maxFailuresPerAddress: 20, windowMs: 5 * 60_000 },
  timeouts: { queryMs: 5_000, actionMs: 10_000, operationMs: 600_000, treeMs: 3_000 },
  maxBodyBytes: 1_048_576,
  livePingMs: 20_000,
  liveMaxBufferedBytes: 4 * 1_048_576,
  keepNotifications: 100,
};

type Raw = Record<string, unknown>;

const fail = (key: string, must: string): never => {
  throw new Error(`dashboard setting "${key}" ${must}`);
};

function text(raw: Raw, key: string, fallback: string): string {
  const value = raw[key] ?? fallback;
  return typeof value === 'string' ? value : fail(key, 'must be a string');
}

function integer(raw: Raw, key: string, where: string, min: number, fallback: number): number {
  const value = raw[key] ?? fallback;
  return typeof value === 'number' && Number.isInteger(value) && value >= min ? value : fail(`${where}${key}`, `must be an integer >= ${min}`);
}

function object(raw: Raw, key: string): Raw {
  const value = raw[key] ?? {};
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : fail(key, 'must be an object');
}

const absolute = (path: string): string => (path === '' || isAbsolute(path) ? path : resolve(path));

export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** `raw` is the module's merged configuration; `stateDir` the module's state folder, `moduleDir` the folder of the compiled module. */
export function parseDashboardSettings(raw: Raw, stateDir: string, moduleDir: string): DashboardSettings {
  const host = text(raw, 'host', dashboardDefaults.host);
  if (host === '') fail('host', 'must not be empty');
  const port = integer(raw, 'port', '', 0, dashboardDefaults.port);
  if (port > 65535) fail('port', 'must be at most 65535');
  const usersFile = text(raw, 'usersFile', '');
  if (usersFile === '') fail('usersFile', 'is required: the JSON file of dashboard users (create it with `gridlink dashboard user add <name> --role administrator --users-file <file>`)');
  const loginRaw = object(raw, 'login');
  const d = dashboardDefaults;
  const login: LoginLimits = {
    maxFailuresPerUser: integer(loginRaw, 'maxFailuresPerUser', 'login.', 1, d.login.maxFailuresPerUser),
    maxFailuresPerAddress: integer(loginRaw, 'maxFailuresPerAddress', 'login.', 1, d.login.maxFailuresPerAddress),
    windowMs: integer(loginRaw, 'windowMs', 'login.', 1, d.login.windowMs),
  };
  const timeoutsRaw = object(raw, 'timeouts');
  const timeouts: BusTimeouts = {
    queryMs: integer(timeoutsRaw, 'queryMs', 'timeouts.', 1, d.timeouts.queryMs),
    actionMs: integer(timeoutsRaw, 'actionMs', 'timeouts.', 1, d.timeouts.actionMs),
    operationMs: integer(timeoutsRaw, 'operationMs', 'timeouts.', 1, d.timeouts.operationMs),
    treeMs: integer(timeoutsRaw, 'treeMs', 'timeouts.', 1, d.timeouts.treeMs),
  };
  const secure = raw.secureCookies ?? !isLoopback(host);
  if (typeof secure !== 'boolean') fail('secureCookies', 'must be true or false');
  const origins = raw.allowedOrigins ?? [];
  if (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/]+$/.test(o))) fail('allowedOrigins', 'must list origins like "https://grid.example" (scheme, host, optional port; no path)');
  const sessionIdleMs = integer(raw, 'sessionIdleMs', '', 1, d.sessionIdleMs);
  const sessionMaxMs = integer(raw, 'sessionMaxMs', '', 1, d.sessionMaxMs);
  return {
    host,
    port,
    portFile: absolute(text(raw, 'portFile', '')),
    usersFile: absolute(usersFile),
    sessionIdleMs,
    sessionMaxMs,
    login,
    auditFile: absolute(text(raw, 'auditFile', '') || join(stateDir, 'audit.jsonl')),
    timeouts,
    secureCookies: secure as boolean,
    maxBodyBytes: integer(raw, 'maxBodyBytes', '', 1, d.maxBodyBytes),
    allowedOrigins: origins as string[],
    livePingMs: integer(raw, 'livePingMs', '', 100, d.livePingMs),
    liveMaxBufferedBytes: integer(raw, 'liveMaxBufferedBytes', '', 1024, d.liveMaxBufferedBytes),
    keepNotifications: integer(raw, 'keepNotifications', '', 0, d.keepNotifications),
    webDir: absolute(text(raw, 'webDir', '') || join(moduleDir, 'web')),
  };
}
