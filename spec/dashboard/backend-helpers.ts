/**
 * Support for the dashboard backend suites: the dashboard module as a real process (alone with
 * `gridlink run`, or in a tree under `gridlink up`), a users file with cheap scrypt hashes, and an
 * HTTP client with a cookie jar and the session's CSRF token (fetch of Node), plus raw requests
 * whose path is sent exactly as written (fetch would normalise "..").
 */
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import WebSocket from 'ws';
import type { LiveMessage, Role, SessionInfo } from '../../actors/dashboard/api.js';
import { hashPassword } from '../../actors/dashboard/server/password.js';
import { writeUsers } from '../../actors/dashboard/server/users-file.js';
import { domainFlags, startGridlink, until, writeConfig, type Domain } from '../actor/helpers.js';
import type { Bus } from '../../core/bus/index.js';
import { RawEvent } from '../../schemas/generated/messages.js';
import { distPath, type LineProcess } from '../support/processes.js';

export const DASHBOARD_MODULE = distPath('actors/dashboard/module.js');
/** Cheap hashes: tests log in often; the cost is read from each stored hash. */
export const TEST_COST = { N: 1024, r: 8, p: 1 };

export interface TestUser {
  name: string;
  role: Role;
  password: string;
}

export const USERS: TestUser[] = [
  { name: 'ada', role: 'administrator', password: 'ada-secret-1' },
  { name: 'olga', role: 'operator', password: 'olga-secret-1' },
  { name: 'erik', role: 'engineer', password: 'erik-secret-1' },
  { name: 'victim', role: 'operator', password: 'victim-secret-1' },
];

export async function writeTestUsers(file: string, users: readonly TestUser[] = USERS): Promise<void> {
  writeUsers(file, await Promise.all(users.map(async (u) => ({ name: u.name, role: u.role, password: await hashPassword(u.password, TEST_COST) }))));
}

/** The dashboard's configuration file in `dir` (port 0, its port written to dir/dashboard.port). */
export function dashboardConfig(dir: string, settings: Record<string, unknown> = {}): { configPath: string; portFile: string; usersFile: string; auditFile: string } {
  const portFile = join(dir, 'dashboard.port');
  const usersFile = join(dir, 'users.json');
  const auditFile = join(dir, 'audit.jsonl');
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state', 'dashboard'), settings: { port: 0, portFile, usersFile, auditFile, ...settings } }, 'dashboard.config.json');
  return { configPath, portFile, usersFile, auditFile };
}

/** Waits for the port file the dashboard writes once it listens; the base URL. */
export async function dashboardUrl(portFile: string, proc: LineProcess, timeoutMs = 20_000): Promise<string> {
  const port = await until(() => (existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() || undefined : undefined), 'the dashboard port file', timeoutMs, proc);
  return `http://127.0.0.1:${port}`;
}

export interface RunningDashboard {
  process: LineProcess;
  url: string;
  usersFile: string;
  auditFile: string;
}

/** `gridlink run dashboard` alone on the domain, with the test users. */
export async function runDashboard(domain: Domain, dir: string, settings: Record<string, unknown> = {}): Promise<RunningDashboard> {
  const { configPath, portFile, usersFile, auditFile } = dashboardConfig(dir, settings);
  if (!existsSync(usersFile)) await writeTestUsers(usersFile);
  const proc = startGridlink(['run', DASHBOARD_MODULE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'dashboard' });
  const url = await Promise.race([
    dashboardUrl(portFile, proc),
    proc.exited.then(({ code, signal }) => {
      throw new Error(`the dashboard ended early (${signal ?? `exit code ${code}`}):\n${proc.stderr.join('\n')}`);
    }),
  ]);
  return { process: proc, url, usersFile, auditFile };
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  json: T;
}

/** A browser-like client: keeps the session cookie, sends the CSRF token unless told otherwise. */
export class DashboardClient {
  cookie = '';
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  async login(user: string, password: string): Promise<Answer<SessionInfo>> {
    const answer = await this.call<SessionInfo>('POST', '/api/login', { user, password });
    if (answer.status === 200) {
      const setCookie = answer.headers.get('set-cookie') ?? '';
      this.cookie = setCookie.split(';')[0]!;
      this.csrfToken = answer.json.csrfToken;
    }
    return answer;
  }

  get<T = unknown>(path: string): Promise<Answer<T>> {
    return this.call<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown, options: { csrf?: string | null; origin?: string } = {}): Promise<Answer<T>> {
    return this.call<T>('POST', path, body, options);
  }

  async call<T>(method: string, path: string, body?: unknown, options: { csrf?: string | null; origin?: string } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = options.csrf === undefined ? this.csrfToken : options.csrf;
    if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
    if (options.origin) headers.origin = options.origin;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Opens /api/live with the session cookie; messages are collected. */
  async live(options: { origin?: string } = {}): Promise<LiveClient> {
    const socket = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/api/live`, { headers: this.cookie ? { cookie: this.cookie } : {}, ...(options.origin ? { origin: options.origin } : {}) });
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => reject(new Error(`live socket refused: ${response.statusCode}`)));
      socket.once('error', reject);
    });
    return client;
  }
}

export class LiveClient {
  readonly messages: LiveMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as LiveMessage));
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  waitFor<T extends LiveMessage>(match: (message: LiveMessage) => message is T, what: string, timeoutMs = 10_000): Promise<T> {
    return until(() => this.messages.find(match), what, timeoutMs);
  }

  close(): void {
    this.socket.terminate();
  }
}

/** GET with the path sent byte for byte as given (no URL normalisation). */
export function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

export function auditLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls an async check every `everyMs` until it gives a value; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Publishes `event` on alarms/raw until `row` (its alarm's row on the open alarms page) shows:
 * ZeroMQ drops what is published before the alarms module's subscription is up.
 */
export async function raiseUntilShown(bus: Bus, event: RawEvent, row: Locator): Promise<void> {
  await eventually(
    async () => {
      bus.publish('alarms/raw', RawEvent, { ...event, atMs: Date.now() });
      return (await row.count()) > 0 ? true : undefined;
    },
    'the raised alarm in the page',
    10_000,
    250,
  );
}
