/**
 * The dashboard's authentication and authorisation against the real module (`gridlink run`):
 * login (no user enumeration: a wrong password and an unknown user get the same answer), the
 * rate limit (the 6th failure of a user within the window is 429 with Retry-After, and then even
 * the right password waits), CSRF and origin checks of state-changing requests, role refusals
 * audited, logout, idle and absolute session expiry, a user removed with the CLI losing the
 * session, and a module without a users file refusing to start.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, AuditEntry, SessionInfo } from '../../actors/dashboard/api.js';
import { readUsers } from '../../actors/dashboard/server/users-file.js';
import { GRIDLINK, removeTempDirs, startGridlink, tempDir, writeConfig } from '../actor/helpers.js';
import { runCli } from '../cli/helpers.js';
import { killAll } from '../support/processes.js';
import { newDomain } from '../supervisor/helpers.js';
import { auditLines, DASHBOARD_MODULE, DashboardClient, runDashboard, USERS, type RunningDashboard } from './backend-helpers.js';

let dashboard: RunningDashboard;
const password = (name: string): string => USERS.find((u) => u.name === name)!.password;

async function loggedIn(name: string): Promise<DashboardClient> {
  const client = new DashboardClient(dashboard.url);
  const answer = await client.login(name, password(name));
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return client;
}

beforeAll(async () => {
  dashboard = await runDashboard(await newDomain(), tempDir('dashboard-auth'));
});

afterAll(async () => {
  await killAll();
  removeTempDirs();
});

describe('dashboard login and sessions', () => {
  it('logs in: session cookie HttpOnly, SameSite=Strict; GET /api/session answers with the CSRF token; audited', async () => {
    const client = new DashboardClient(dashboard.url);
    const answer = await client.login('ada', password('ada'));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ user: 'ada', role: 'administrator' });
    expect(answer.json.csrfToken.length).toBeGreaterThanOrEqual(40);
    expect(answer.json.expiresMs).toBeGreaterThan(Date.now());
    const cookie = answer.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^gridlink_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    // Loopback: no HTTPS in front, so not Secure (the setting secureCookies turns it on).
    expect(cookie).not.toContain('Secure');
    const session = await client.get<SessionInfo>('/api/session');
    expect(session.status).toBe(200);
    expect(session.json).toMatchObject({ user: 'ada', role: 'administrator', csrfToken: answer.json.csrfToken });
    expect(auditLines(dashboard.auditFile).some((e) => e.action === 'login' && e.user === 'ada' && e.outcome === 'ok' && e.address === '127.0.0.1')).toBe(true);
  });

  it('answers a wrong password and an unknown user the same (no user enumeration), and sets no cookie', async () => {
    const wrong = await new DashboardClient(dashboard.url).login('erik', 'not-his-password');
    const unknown = await new DashboardClient(dashboard.url).login('nobody-here', 'whatever-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual(wrong.json);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const entries = auditLines(dashboard.auditFile);
    expect(entries.filter((e) => e.action === 'login-failed' && (e.user === 'erik' || e.user === 'nobody-here')).map((e) => e.outcome)).toEqual(['failed', 'failed']);
  });

  it('refuses the 6th failed login of a user with 429 and Retry-After, then even the right password', async () => {
    const client = new DashboardClient(dashboard.url);
    for (let i = 0; i < 5; i++) expect((await client.login('victim', `wrong-${i}`)).status).toBe(401);
    const sixth = await client.login('victim', 'wrong-5');
    expect(sixth.status).toBe(429);
    expect((sixth.json as unknown as ApiError).code).toBe('TooManyRequests');
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(300);
    const right = await client.login('victim', password('victim'));
    expect(right.status).toBe(429);
    // Another user from the same address is still let in (the address limit is 20).
    expect((await new DashboardClient(dashboard.url).login('erik', password('erik'))).status).toBe(200);
  });

  it('refuses a POST without or with a wrong X-CSRF-Token (403, audited) and one from a foreign Origin', async () => {
    const olga = await loggedIn('olga');
    const without = await olga.post<ApiError>('/api/alarms/ack', { key: 'k' }, { csrf: null });
    expect(without.status).toBe(403);
    expect(without.json.code).toBe('Forbidden');
    expect(without.json.message).toContain('X-CSRF-Token');
    const wrong = await olga.post<ApiError>('/api/alarms/ack', { key: 'k' }, { csrf: `${olga.csrfToken.slice(0, -2)}xx` });
    expect(wrong.status).toBe(403);
    const foreign = await olga.post<ApiError>('/api/alarms/ack', { key: 'k' }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json.message).toContain('origin');
    // With the right token the request reaches the route: no alarms module on this bus -> 503.
    const right = await olga.post<ApiError>('/api/alarms/ack', { key: 'k' });
    expect(right.status).toBe(503);
    expect(right.json.code).toBe('Unavailable');
    const refused = auditLines(dashboard.auditFile).filter((e) => e.user === 'olga' && e.outcome === 'refused');
    expect(refused.map((e) => String(e.detail).split(':')[0])).toEqual(['csrf', 'csrf', 'origin']);
    const failed = auditLines(dashboard.auditFile).filter((e) => e.user === 'olga' && e.action === 'alarm-ack' && e.outcome === 'failed');
    expect(failed).toHaveLength(1);
  });

  it("refuses what a role may not do (403) and audits it: an engineer's alarm POST, an operator reading the audit log", async () => {
    const erik = await loggedIn('erik');
    const ack = await erik.post<ApiError>('/api/alarms/ack', { key: 'spec:any' });
    expect(ack.status).toBe(403);
    expect(ack.json.message).toContain('engineer');
    const olga = await loggedIn('olga');
    expect((await olga.get('/api/audit')).status).toBe(403);
    const entries = auditLines(dashboard.auditFile);
    expect(entries).toContainEqual(expect.objectContaining({ user: 'erik', role: 'engineer', action: 'alarm-ack', target: 'spec:any', outcome: 'refused' }));
    expect(entries).toContainEqual(expect.objectContaining({ user: 'olga', role: 'operator', action: 'GET /api/audit', outcome: 'refused' }));
    // The administrator reads them, newest first.
    const ada = await loggedIn('ada');
    const audit = await ada.get<AuditEntry[]>('/api/audit?limit=500');
    expect(audit.status).toBe(200);
    expect(audit.json[0]!.atMs).toBeGreaterThanOrEqual(audit.json[audit.json.length - 1]!.atMs);
    expect(audit.json).toContainEqual(expect.objectContaining({ user: 'erik', action: 'alarm-ack', outcome: 'refused' }));
    expect((await ada.get<AuditEntry[]>('/api/audit?user=erik&action=alarm-ack')).json.every((e) => e.user === 'erik' && e.action === 'alarm-ack')).toBe(true);
  });

  it('needs a session for everything but login (401), and GET /api/nothing is 404, PUT /api/session 405', async () => {
    const anonymous = new DashboardClient(dashboard.url);
    for (const path of ['/api/session', '/api/modules', '/api/hosts', '/api/alarms']) expect((await anonymous.get(path)).status).toBe(401);
    const ada = await loggedIn('ada');
    expect((await ada.get<ApiError>('/api/nothing')).status).toBe(404);
    expect((await ada.call('PUT', '/api/session', {})).status).toBe(405);
  });

  it('logs out: 204, the cookie cleared, the session gone, audited', async () => {
    const client = await loggedIn('erik');
    const out = await client.post('/api/logout', {});
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await client.get('/api/session')).status).toBe(401);
    expect(auditLines(dashboard.auditFile)).toContainEqual(expect.objectContaining({ user: 'erik', action: 'logout', outcome: 'ok' }));
  });

  it('ends the sessions of a user removed with `gridlink dashboard user remove`; the file stays 0600', async () => {
    const client = await loggedIn('erik');
    const listed = await runCli(['dashboard', 'user', 'list', '--json', '--users-file', dashboard.usersFile]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual({ name: 'erik', role: 'engineer' });
    const removed = await runCli(['dashboard', 'user', 'remove', 'erik', '--users-file', dashboard.usersFile]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(readUsers(dashboard.usersFile).map((u) => u.name)).not.toContain('erik');
    expect(statSync(dashboard.usersFile).mode & 0o777).toBe(0o600);
    expect((await client.get('/api/session')).status).toBe(401);
    expect((await new DashboardClient(dashboard.url).login('erik', password('erik'))).status).toBe(401);
  });
});

describe('session expiry', () => {
  it('ends a session idle for sessionIdleMs, and an active one after sessionMaxMs', async () => {
    const short = await runDashboard(await newDomain(), tempDir('dashboard-expiry'), { sessionIdleMs: 1_000, sessionMaxMs: 2_500 });
    const idle = new DashboardClient(short.url);
    expect((await idle.login('olga', password('olga'))).status).toBe(200);
    const active = new DashboardClient(short.url);
    expect((await active.login('ada', password('ada'))).status).toBe(200);
    const started = Date.now();
    const statuses: number[] = [];
    // The active session is touched every 200 ms (well within its idle time); the other is left alone.
    const touchUntil = async (sinceStartMs: number): Promise<void> => {
      while (Date.now() - started < sinceStartMs) {
        statuses.push((await active.get('/api/session')).status);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await touchUntil(1_500);
    expect((await idle.get('/api/session')).status).toBe(401);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await touchUntil(2_700);
    expect((await active.get('/api/session')).status).toBe(401);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    await short.process.kill('SIGTERM');
  });
});

describe('users file', () => {
  it('the module refuses to start without its users file, naming it and the CLI to create it', async () => {
    const dir = tempDir('dashboard-no-users');
    const missing = join(dir, 'missing-users.json');
    const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { port: 0, usersFile: missing } });
    const domain = await newDomain();
    const proc = startGridlink(['run', DASHBOARD_MODULE, '--config', configPath, '--port', String(domain.port), '--cluster', domain.cluster], { cwd: dir, label: 'dashboard without users' });
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    const log = proc.stderr.join('\n');
    expect(log).toContain(missing);
    expect(log).toContain('gridlink dashboard user add');
  });

  it('`gridlink dashboard user add --password-stdin` adds a user the running dashboard lets in; refuses a duplicate and a short password', async () => {
    const add = (name: string, secret: string, ...extra: string[]): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [GRIDLINK, 'dashboard', 'user', 'add', name, '--role', 'engineer', '--password-stdin', '--users-file', dashboard.usersFile, ...extra], { stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
        child.stdin.end(`${secret}\n`);
      });
    const added = await add('newbie', 'newbie-secret-1');
    expect(added.code, added.stderr).toBe(0);
    expect(readUsers(dashboard.usersFile).find((u) => u.name === 'newbie')?.password).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(statSync(dashboard.usersFile).mode & 0o777).toBe(0o600);
    const login = await new DashboardClient(dashboard.url).login('newbie', 'newbie-secret-1');
    expect(login.status).toBe(200);
    expect(login.json.role).toBe('engineer');
    const duplicate = await add('newbie', 'another-secret-1');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('--replace');
    const short = await add('shorty', 'short');
    expect(short.code).toBe(2);
    expect(readUsers(dashboard.usersFile).map((u) => u.name)).not.toContain('shorty');
  });
});
