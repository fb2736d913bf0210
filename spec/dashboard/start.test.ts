/**
 * `npm start` (dist/tools/start.js) and the dashboard: alarms and the dashboard run in the host
 * agent's tree beside storage; the first start makes the administrator "admin" with a random
 * password written to dashboard-admin.txt (mode 0600) in the scratch folder and prints the
 * dashboard's address and where the password is; that password logs in as an administrator who
 * sees the modules. A second start on the same scratch folder keeps the account and its password.
 * The SCDA sequence itself is spec/scda/start.test.ts's; here each start is stopped with SIGINT as
 * soon as the dashboard is up.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModuleView } from '../../actors/dashboard/api.js';
import { readUsers } from '../../actors/dashboard/server/users-file.js';
import { removeTempDirs, tempDir } from '../actor/helpers.js';
import { distPath, freeUdpPort, killAll, LineProcess, uniqueCluster } from '../support/processes.js';
import { DashboardClient } from './backend-helpers.js';

afterAll(async () => {
  await killAll();
  removeTempDirs();
});

interface Started {
  start: LineProcess;
  /** The dashboard's line: "gridlink start: dashboard: <url> (...)". */
  line: string;
  url: string;
}

/** start.js on a domain of its own with a small feeder and no live feed; resolves once the dashboard's line is printed. */
async function npmStart(scratch: string): Promise<Started> {
  const port = await freeUdpPort();
  const args = ['--cluster', uniqueCluster('start-dashboard'), '--port', String(port), '--dashboard-port', '0', '--buildings', '12', '--switches', '3', '--monitoring-points', '3', '--days', '1', '--feed-interval-ms', '0', '--methods', 'least-squares'];
  const child = spawn(process.execPath, [distPath('tools/start.js'), ...args], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GRIDLINK_START_DIR: scratch } });
  const start = new LineProcess(child, 'start.js');
  const event = await Promise.race([
    start.waitFor((e) => e.event === 'text' && /^gridlink start: dashboard: /.test(String(e.text)), 40_000, 'the dashboard line'),
    start.exited.then(({ code, signal }) => {
      throw new Error(`start.js ended early (${signal ?? `exit code ${code}`}):\n${start.stderr.join('\n')}`);
    }),
  ]);
  const line = String(event.text);
  const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1];
  if (url === undefined) throw new Error(`no address in ${line}`);
  return { start, line, url };
}

async function stop(started: Started): Promise<void> {
  started.start.child.kill('SIGINT');
  expect(await started.start.exited).toEqual({ code: 0, signal: null });
}

function passwordIn(file: string): string {
  const password = /^password: (\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (password === undefined) throw new Error(`no "password: " line in ${file}`);
  return password;
}

describe('npm start and the dashboard', () => {
  it('prints the --dashboard-port option and the users file in --help', async () => {
    const child = spawn(process.execPath, [distPath('tools/start.js'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const help = new LineProcess(child, 'start.js --help');
    expect(await help.exited).toEqual({ code: 0, signal: null });
    const text = help.events.map((event) => String(event.text)).join('\n');
    expect(text).toMatch(/--dashboard-port/);
    expect(text).toMatch(/dashboard-admin\.txt/);
  });

  it('serves the dashboard: the first administrator made once (password file 0600), its address printed, the same password at the next start', { timeout: 90_000 }, async () => {
    const scratch = tempDir('start-dashboard');
    const passwordFile = join(scratch, 'dashboard-admin.txt');
    const usersFile = join(scratch, 'dashboard-users.json');

    const first = await npmStart(scratch);
    expect(first.line).toContain(`log in as admin; the password of admin is in ${passwordFile} (made by this start)`);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = passwordIn(passwordFile);
    expect(password.length).toBeGreaterThanOrEqual(16);
    // The users file holds a hash, never the password.
    expect(readUsers(usersFile)).toEqual([{ name: 'admin', role: 'administrator', password: expect.stringMatching(/^scrypt\$/) as unknown as string }]);
    expect(readFileSync(usersFile, 'utf8')).not.toContain(password);

    const admin = new DashboardClient(first.url);
    expect((await admin.login('admin', password)).json).toMatchObject({ user: 'admin', role: 'administrator' });
    const modules = await admin.get<ModuleView[]>('/api/modules');
    expect(modules.status).toBe(200);
    expect(modules.json.map((module) => module.name)).toEqual(expect.arrayContaining(['host-agent', 'storage', 'alarms', 'dashboard']));
    // The web app itself is served at the address printed.
    const index = await fetch(`${first.url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toMatch(/<script type="module"/);
    await stop(first);

    const second = await npmStart(scratch);
    expect(second.line).toContain(`the password of admin is in ${passwordFile}`);
    expect(second.line).not.toContain('made by this start');
    expect(passwordIn(passwordFile)).toBe(password);
    expect(readUsers(usersFile)).toHaveLength(1);
    expect((await new DashboardClient(second.url).login('admin', password)).status).toBe(200);
    await stop(second);
  });
});
