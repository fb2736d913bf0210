/**
 * The stage of bench:dashboard, shared by every subject of a run: a host agent
 * (`gridlink up`) whose tree runs storage, alarms and the dashboard on a
 * discovery domain of the bench, an administrator made with `gridlink
 * dashboard user add`, the series of the chart rows stored with AddEntries,
 * a bus peer of the bench, and one headless Chromium.
 *
 * The agent runs in its own process group, started here rather than through
 * the harness's process helpers: the harness kills what a subject started
 * when that subject is done, and the peers need the same storage as ours.
 * `close()` (and, failing that, the exit hook) stops the group.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { Bus } from '../../../core/bus/bus.js';
import { freeLoopbackPort } from '../harness.js';
import { launchChromium } from './chromium.js';
import { MONTH_OF_SECONDS, storeSeries, type StoredSeries } from './month.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = join(repoRoot, 'bin', 'gridlink.js');

export const BENCH_USER = 'bench-admin';
export const CHART_POINT = 'bench.month.u1';

export interface Stage {
  readonly dir: string;
  readonly baseUrl: string;
  readonly bus: Bus;
  readonly browser: Browser;
  readonly series: StoredSeries;
  /** The session cookie of the administrator, for browser contexts (logged in without the login page). */
  readonly sessionCookie: string;
  /** Storage's data folder, for the size on disk. */
  readonly storageStateDir: string;
}

let staged: Promise<Stage> | undefined;
let agent: ChildProcess | undefined;
let workDir: string | undefined;

function killAgentGroup(): void {
  if (agent?.pid === undefined || agent.exitCode !== null || agent.signalCode !== null) return;
  try {
    process.kill(-agent.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  killAgentGroup();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

async function until<T>(look: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await look();
    if (value !== undefined) return value;
    if (agent !== undefined && (agent.exitCode !== null || agent.signalCode !== null)) throw new Error(`gridlink up ended (${agent.signalCode ?? agent.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Random enough for a bench account that lives as long as the run. */
function password(): string {
  return `bench-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
}

async function logIn(baseUrl: string, user: string, secret: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: baseUrl }, body: JSON.stringify({ user, password: secret }) });
  if (!response.ok) throw new Error(`login as ${user}: HTTP ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('gridlink_session='));
  if (cookie === undefined) throw new Error('login answered without a gridlink_session cookie');
  return cookie.slice('gridlink_session='.length).split(';')[0]!;
}

async function start(quick: boolean, log: (message: string) => void): Promise<Stage> {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-bench-dashboard-'));
  workDir = dir;
  const usersFile = join(dir, 'users.json');
  const secret = password();
  const added = spawnSync(process.execPath, [CLI, 'dashboard', 'user', 'add', BENCH_USER, '--role', 'administrator', '--users-file', usersFile, '--password-stdin'], { input: `${secret}\n`, encoding: 'utf8' });
  if (added.status !== 0) throw new Error(`gridlink dashboard user add: exit ${added.status}: ${added.stderr}`);

  const stateDir = (name: string): string => join(dir, 'state', name);
  const config = (name: string, settings: Record<string, unknown>): string => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ stateDir: stateDir(name), settings }, null, 2));
    return file;
  };
  const portFile = join(dir, 'dashboard.port');
  const tree = join(dir, 'tree.json');
  writeFileSync(
    tree,
    JSON.stringify(
      {
        root: {
          name: 'root',
          strategy: 'one_for_one',
          children: [
            { name: 'storage', module: 'storage', config: config('storage', {}), restart: 'permanent' },
            { name: 'alarms', module: 'alarms', config: config('alarms', {}), restart: 'permanent' },
            { name: 'dashboard', module: 'dashboard', config: config('dashboard', { host: '127.0.0.1', port: 0, portFile, usersFile }), restart: 'permanent' },
          ],
        },
        logs: { dir: join(dir, 'logs') },
      },
      null,
      2,
    ),
  );
  const domain = { port: await freeLoopbackPort(), cluster: `bench-dashboard-${process.pid}` };
  log(`gridlink up ${tree} (storage, alarms, dashboard) on cluster ${domain.cluster}`);
  agent = spawn(process.execPath, [CLI, 'up', tree, '--port', String(domain.port), '--cluster', domain.cluster], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, GRIDLINK_LOG: 'warn' } });
  agent.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim() !== '') log(`[gridlink up] ${line}`);
  });
  const bus = await Bus.start({ name: 'bench-dashboard', discovery: { port: domain.port, cluster: domain.cluster } });
  const running = (name: string): boolean => bus.registry.list().some((record) => record.state === 'running' && record.name === name);
  try {
    await until(() => (running('storage') && running('alarms') && running('dashboard') ? true : undefined), 'storage, alarms and dashboard on the bus', 60_000);
  } catch (error) {
    await bus.close('bench stage failed');
    throw error;
  }
  const port = await until(() => (existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) || undefined : undefined), `the dashboard's port file ${portFile}`, 20_000);
  const baseUrl = `http://127.0.0.1:${port}`;

  const entries = quick ? 86_400 : MONTH_OF_SECONDS;
  const written = Date.now();
  const series = await storeSeries(bus, CHART_POINT, { entries });
  log(`stored ${entries.toLocaleString('en-US')} entries of ${CHART_POINT} (1 Hz) with AddEntries in ${((Date.now() - written) / 1000).toFixed(1)} s`);
  const sessionCookie = await logIn(baseUrl, BENCH_USER, secret);
  const browser = await launchChromium();
  log(`Chromium ${browser.version()} headless; dashboard at ${baseUrl}`);
  return { dir, baseUrl, bus, browser, series, sessionCookie, storageStateDir: stateDir('storage') };
}

/** The stage, started on first use (whichever subject comes first). */
export function stage(quick: boolean, log: (message: string) => void): Promise<Stage> {
  // A stage that failed stays failed: every subject of the run reports the same reason at once.
  staged ??= start(quick, log).catch((error: unknown) => {
    killAgentGroup();
    throw error;
  });
  return staged;
}

/** Stops the browser, the bus peer and the agent (its modules with it); removes the work folder. */
export async function closeStage(): Promise<void> {
  const started = staged;
  staged = undefined;
  if (started !== undefined) {
    const done = await started.catch(() => undefined);
    await done?.browser.close().catch(() => undefined);
    await done?.bus.close('bench done').catch(() => undefined);
  }
  if (agent !== undefined && agent.exitCode === null && agent.signalCode === null) {
    const exited = new Promise((resolve) => agent!.once('exit', resolve));
    agent.kill('SIGTERM');
    const killer = setTimeout(killAgentGroup, 10_000);
    await exited;
    clearTimeout(killer);
  }
  agent = undefined;
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}
