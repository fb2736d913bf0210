/**
 * Support for the dashboard route suites: the dashboard module (dist/actors/dashboard/module.js)
 * as a real `gridlink run` process with a users file, and a small HTTP client that logs in and
 * sends the session cookie and CSRF token the way the web app does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../actors/dashboard/server/password.js';
import { writeUsers, type UserRecord } from '../../actors/dashboard/server/users-file.js';
import type { OperationView, Role, SessionInfo } from '../../actors/dashboard/api.js';
import { distPath, type LineProcess } from '../support/processes.js';
import { domainFlags, startGridlink, tempDir, until, writeConfig, type Domain, type TestPeer } from '../actor/helpers.js';

export const DASHBOARD_MODULE = distPath('actors/dashboard/module.js');
export const PASSWORD = 'a-long-test-password-1';

/** Writes a users file with one user per role given (name = role + "1"); returns its path. */
export async function usersFile(dir: string, roles: readonly Role[]): Promise<string> {
  const file = join(dir, 'users.json');
  const hash = await hashPassword(PASSWORD);
  writeUsers(file, roles.map((role): UserRecord => ({ name: `${role}1`, role, password: hash })));
  return file;
}

/** The dashboard's settings for a test: loopback, a free port written to a file. */
export async function dashboardConfig(dir: string, roles: readonly Role[], settings: Record<string, unknown> = {}): Promise<{ configPath: string; portFile: string }> {
  const portFile = join(dir, 'dashboard.port');
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state', 'dashboard'), settings: { host: '127.0.0.1', port: 0, portFile, usersFile: await usersFile(dir, roles), ...settings } }, 'dashboard.config.json');
  return { configPath, portFile };
}

/** The dashboard's address once its port file is written. */
export async function dashboardUrl(portFile: string, process?: LineProcess): Promise<string> {
  const port = await until(() => (existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) || undefined : undefined), 'the dashboard port file', 15_000, process);
  return `http://127.0.0.1:${port}`;
}

/** Starts the dashboard as its own process on `domain`; resolves with its address. */
export async function startDashboard(peer: TestPeer, domain: Domain, roles: readonly Role[], settings: Record<string, unknown> = {}): Promise<{ url: string; process: LineProcess }> {
  const dir = tempDir('dashboard');
  const { configPath, portFile } = await dashboardConfig(dir, roles, settings);
  const running = startGridlink(['run', DASHBOARD_MODULE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'dashboard' });
  await Promise.race([
    peer.module('dashboard', running.pid, 20_000, running),
    running.exited.then(({ code, signal }) => {
      throw new Error(`dashboard ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
  return { url: await dashboardUrl(portFile, running), process: running };
}

export interface Answer<T = unknown> {
  status: number;
  json: T;
  bytes: Uint8Array;
  contentType: string;
}

/** A logged-in browser, without the browser: cookie, CSRF token, same-origin requests. */
export class DashboardClient {
  private constructor(
    readonly url: string,
    readonly session: SessionInfo,
    private readonly cookie: string,
  ) {}

  static async login(url: string, user: string, password = PASSWORD): Promise<DashboardClient> {
    const response = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: url }, body: JSON.stringify({ user, password }) });
    if (response.status !== 200) throw new Error(`login of ${user} answered ${response.status}: ${await response.text()}`);
    const cookie = (response.headers.getSetCookie?.() ?? [response.headers.get('set-cookie') ?? ''])
      .map((c) => c.split(';')[0]!)
      .filter((c) => c.startsWith('gridlink_session='))
      .join('; ');
    return new DashboardClient(url, (await response.json()) as SessionInfo, cookie);
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        Cookie: this.cookie,
        Origin: this.url,
        ...(method === 'GET' ? {} : { 'X-CSRF-Token': this.session.csrfToken }),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? '';
    let json: unknown = undefined;
    if (contentType.includes('json') && bytes.length > 0) json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return { status: response.status, json: json as T, bytes, contentType };
  }

  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<Answer<T>> {
    return this.request<T>('GET', path, undefined, headers);
  }

  /**
   * Polls GET /api/operations/:id until the operation is no longer running and its events hold
   * every one of `stages` ("<stage> <app name>" or "<stage>"): AppEvents are publications, the
   * AppManager's reply a direct message, so the reply may overtake the last events.
   */
  async finished(operationId: string, stages: readonly string[] = [], timeoutMs = 60_000): Promise<OperationView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.get<OperationView>(`/api/operations/${operationId}`);
      if (answer.status !== 200) throw new Error(`GET /api/operations/${operationId} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
      const seen = new Set(answer.json.events.flatMap((e) => [e.stage, `${e.stage} ${e.name}`]));
      if (answer.json.state !== 'running' && stages.every((stage) => seen.has(stage))) return answer.json;
      if (Date.now() > deadline) throw new Error(`operation ${operationId} still running after ${timeoutMs} ms: ${JSON.stringify(answer.json.events.map((e) => e.stage))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
