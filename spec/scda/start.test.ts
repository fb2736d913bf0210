/**
 * `npm start` (dist/tools/start.js) end to end on a discovery domain and scratch folder of the
 * test: the host agent with storage, the simulated feeder written into it, grm, brm, ssd and
 * bems-aa added to the agent's tree, the first assignment printed with its accuracy against the
 * simulator's ground truth; the test's bus peer sees every module and reads the stored result;
 * then the feeder keeps measuring: storage's most recent entry of a building moves past the stored
 * history. SIGINT stops every process. With --flip-switch SSD catches the switch and nothing is assigned.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GetAssignment, GetMostRecentEntry } from '../../schemas/generated/messages.js';
import { distPath, freeUdpPort, killAll, LineProcess, uniqueCluster } from '../support/processes.js';
import { removeTempDirs, tempDir, TestPeer, until, type Domain } from '../actor/helpers.js';
import { ask } from '../grm/helpers.js';

const MODULES = ['host-agent', 'storage', 'grm', 'brm', 'ssd', 'bems-aa'];
/** Every pid seen, killed at the end should a failed test leave any (the agent runs in its own process group). */
const pids = new Set<number>();
const peers: TestPeer[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  await killAll();
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const peer of peers) await peer.close();
  removeTempDirs();
});

interface Started {
  readonly domain: Domain;
  readonly peer: TestPeer;
  readonly start: LineProcess;
  readonly scratch: string;
}

async function npmStart(label: string, args: readonly string[] = []): Promise<Started> {
  const domain = { port: await freeUdpPort(), cluster: uniqueCluster(label) };
  const peer = await TestPeer.start(domain);
  peers.push(peer);
  const scratch = tempDir('start');
  const child = spawn(process.execPath, [distPath('tools/start.js'), '--cluster', domain.cluster, '--port', String(domain.port), ...args], {
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GRIDLINK_START_DIR: scratch },
  });
  return { domain, peer, start: new LineProcess(child, 'start.js'), scratch };
}

function line(started: Started, pattern: RegExp, timeoutMs: number): Promise<string> {
  return started.start.waitFor((event) => event.event === 'text' && pattern.test(String(event.text)), timeoutMs, `a line matching ${pattern}`).then((event) => String(event.text));
}

/** SIGINT to start.js: it ends with 0 once the agent stopped every module, and none is left. */
async function stop(started: Started, pidsOfModules: readonly number[]): Promise<void> {
  started.start.child.kill('SIGINT');
  expect(await started.start.exited).toEqual({ code: 0, signal: null });
  await line(started, /^gridlink start: stopped$/, 1000);
  await until(() => pidsOfModules.every((pid) => !alive(pid)), 'every module process to have ended', 5000);
  await until(() => !started.peer.bus.registry.list().some((record) => MODULES.includes(record.name) && record.state === 'running'), 'every module gone from the registry', 15_000);
}

describe('npm start', () => {
  it('prints --help', async () => {
    const started = await npmStart('start-help', ['--help']);
    expect(await started.start.exited).toEqual({ code: 0, signal: null });
    const text = started.start.events.map((event) => String(event.text)).join('\n');
    expect(text).toMatch(/--flip-switch/);
    expect(text).toMatch(/npx gridlink subscribe 'bems-aa\/events'/);
    expect(text).toMatch(/--feed-interval-ms/);
  });

  it('runs the SCDA sequence on a simulated feeder: the first assignment with its accuracy, the result stored; SIGINT stops everything', { timeout: 60_000 }, async () => {
    const started = await npmStart('start-scda', ['--methods', 'least-squares,pearson']);
    const first = await line(started, /^gridlink start: first assignment \(least-squares\): /, 45_000);
    const accuracy = Number(/accuracy ([\d.]+) %/.exec(first)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(95);
    expect(first).toMatch(/of 60 buildings at the monitoring point of the ground truth/);
    expect(first).toMatch(/stored=true/);
    await line(started, /^  grm verified grid: valid: SSD verified/, 1000);
    await line(started, /^gridlink start: for comparison, assignment \(pearson\): accuracy/, 20_000);
    await line(started, /^gridlink start: stored result, assignment \(least-squares\)/, 20_000);
    await line(started, /^gridlink start: feeding 66 data points on `measurements`, one simulated minute per second/, 5000);
    await line(started, /^gridlink start: running until Ctrl-C/, 5000);
    await line(started, /^  npx gridlink subscribe measurements/, 1000);
    expect(existsSync(join(started.scratch, 'sim', 'feeder.json'))).toBe(true);

    // The feeder keeps measuring: a building's most recent stored entry moves past the history's end.
    const truth = JSON.parse(readFileSync(join(started.scratch, 'sim', 'feeder.json'), 'utf8')) as { grid: { startMs: number; stepMs: number; samples: number }; buildings: { dataPoint: string }[] };
    const historyEndMs = truth.grid.startMs + (truth.grid.samples - 1) * truth.grid.stepMs;
    const dataPoint = truth.buildings[7]!.dataPoint;
    const mostRecent = async (): Promise<number> => (await ask(started.peer, 'storage', GetMostRecentEntry, { dataPoint })).entry?.timestampMs ?? 0;
    const deadline = Date.now() + 10_000;
    let latest = await mostRecent();
    while (latest <= historyEndMs + truth.grid.stepMs && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      latest = await mostRecent();
    }
    // Two steps past the end: the feed goes on, not just one stray sample.
    expect(latest).toBeGreaterThan(historyEndMs + truth.grid.stepMs);
    expect((latest - historyEndMs) % truth.grid.stepMs).toBe(0);

    const records = await Promise.all(MODULES.map((name) => started.peer.module(name, undefined, 5000)));
    for (const record of records) pids.add(record.pid);
    // Every module its own process, none of them start.js.
    expect(new Set(records.map((record) => record.pid)).size).toBe(MODULES.length);
    expect(records.map((record) => record.pid)).not.toContain(started.start.pid);
    const stored = await ask(started.peer, 'bems-aa', GetAssignment, {});
    expect(stored).toMatchObject({ validTopology: true, stored: true, method: 'least-squares' });
    expect(stored.assignments).toHaveLength(60);

    await stop(started, records.map((record) => record.pid));
    expect(started.start.stderr.filter((text) => /error/i.test(text) && !/SIGINT|SIGTERM/.test(text))).toEqual([]);
  });

  it('--flip-switch: SSD catches the switch recorded in the wrong state and nothing is assigned', { timeout: 60_000 }, async () => {
    const started = await npmStart('start-flip', ['--flip-switch']);
    const recorded = await line(started, /^gridlink start: the CIM files record (.+) \(([\w-]+)\) (open|closed); it is actually (open|closed)$/, 30_000);
    const [, name, id] = /record (.+) \(([\w-]+)\)/.exec(recorded)!;
    const refused = await line(started, /^gridlink start: first assignment \(least-squares\): refused: /, 45_000);
    expect(refused).toContain(`${name} (${id}) recorded`);
    await line(started, new RegExp(`^gridlink start: SSD caught 1 of 1 switch\\(es\\) recorded in the wrong state \\(${name}\\); nothing was assigned \\(0 assignments\\) and nothing stored \\(stored=false\\)$`), 1000);
    const records = await Promise.all(MODULES.map((module) => started.peer.module(module, undefined, 5000)));
    for (const record of records) pids.add(record.pid);
    await stop(started, records.map((record) => record.pid));
  });
});
