/**
 * The introductory use case end to end, the way the README tells a user to
 * run it: `gridlink up supervisor/examples/substation.json`, a host agent
 * whose tree runs storage (Storacle, actors/storage), the generator and the
 * monitor (actors/examples), each its own module process, on a discovery
 * domain of this test. The test process is one more bus peer: it looks at the
 * registry, listens to the measurements, asks the storage and the agent, and
 * reads the modules' log files (under the agent the modules log to files,
 * not to the agent's stderr).
 */
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ModuleRecord } from '../../core/bus/index.js';
import {
  ExistsDataPoint,
  ExistsDataPointReply,
  GetMostRecentEntry,
  LogsReply,
  LogsRequest,
  MeasurementEvent,
  MostRecentEntryReply,
  TreeReply,
  TreeRequest,
  type ChildInfo,
} from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, repoRoot, uniqueCluster, type LineProcess } from '../support/processes.js';
import { domainFlags, removeTempDirs, startGridlink, tempDir, TestPeer, until, type Domain } from './helpers.js';

/** The tree file the README names, used as it is in the checkout. */
const SUBSTATION = join(repoRoot, 'supervisor', 'examples', 'substation.json');
const MODULES = ['storage', 'generator', 'monitor'] as const;

/** Whether /proc shows the process, and not as a zombie (an ended child not yet reaped by the agent). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

interface Substation {
  domain: Domain;
  peer: TestPeer;
  agent: LineProcess;
  /** The agent's working directory: the default log folder and the modules' stateDir are under it. */
  workDir: string;
  measurements: { sender: string; event: MeasurementEvent }[];
}

let peers: TestPeer[] = [];

afterEach(async () => {
  await killAll();
  await Promise.all(peers.map((peer) => peer.close()));
  peers = [];
});
afterAll(removeTempDirs);

/** `gridlink up supervisor/examples/substation.json` in a fresh folder of its own; resolves once the agent reports up. */
async function upSubstation(label: string): Promise<Substation> {
  const domain = { port: await freeUdpPort(), cluster: uniqueCluster(`usecase-${label}`) };
  const peer = await TestPeer.start(domain, 'spec-usecase');
  peers.push(peer);
  const measurements: Substation['measurements'] = [];
  peer.bus.subscribe('measurements', (delivery) => measurements.push({ sender: delivery.sender, event: MeasurementEvent.decode(delivery.body) }));
  // A temp folder as working directory keeps .gridlink/logs and .gridlink/state out of the checkout.
  const workDir = tempDir(`usecase-${label}`);
  const agent = startGridlink(['up', SUBSTATION, ...domainFlags(domain)], { cwd: workDir, env: { GRIDLINK_CHILD_LOG: 'info' }, label: 'gridlink up' });
  await Promise.race([
    agent.waitFor((event) => event.event === 'up', 30_000, '"up"'),
    agent.exited.then(({ code, signal }) => {
      throw new Error(`gridlink up ended early (${signal ?? `exit code ${code}`}):\n${agent.stderr.join('\n')}`);
    }),
  ]);
  return { domain, peer, agent, workDir, measurements };
}

function logFile(substation: Substation, name: string): string {
  const file = join(substation.workDir, '.gridlink', 'logs', `root.${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function joined(substation: Substation): Promise<ModuleRecord[]> {
  return Promise.all(MODULES.map((name) => substation.peer.module(name, undefined, 20_000, substation.agent)));
}

/** Polls an asynchronous look (a bus request) every 200 ms until it yields something; fails with `what` after `timeoutMs`. */
async function eventually<T>(look: () => Promise<T | undefined>, what: string, timeoutMs: number, proc: LineProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await look();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms\nstderr of ${proc.label}:\n${proc.stderr.slice(-25).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The agent's exit, after its last stdout line was read. */
async function exitOf(agent: LineProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exit = await agent.exited;
  const stdout = agent.child.stdout;
  if (stdout && !stdout.closed) await once(stdout, 'close');
  return exit;
}

function workerPids(root: ChildInfo): Map<string, number> {
  return new Map((root.children ?? []).map((child) => [child.name ?? '', child.pid]));
}

describe('storage + generator + monitor (gridlink up supervisor/examples/substation.json)', () => {
  it('all three join, meterA.u1 is measured, stored and monitored; SIGINT stops them all and the generator saves its state', async () => {
    const substation = await upSubstation('sigint');
    const { peer, agent, measurements } = substation;
    const records = await joined(substation);
    const [storage, generator, monitor] = records;
    expect(storage.roles.map((role) => role.name)).toContain('storage');
    expect(storage.roles.find((role) => role.name === 'storage')?.requestTypes).toEqual(
      expect.arrayContaining(['gridlink.storage.CreateDataPoint', 'gridlink.storage.ExistsDataPoint', 'gridlink.storage.GetMostRecentEntry']),
    );
    expect(storage.topics).toContain('measurements');
    expect(generator.publishes).toContain('measurements');
    expect(monitor.name).toBe('monitor');

    // Three module processes, none of them the agent; the agent's tree names the same pids.
    const pids = records.map((record) => record.pid);
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(agent.pid);
    const tree = await peer.bus.request('supervisor', TreeRequest, {}, TreeReply, { timeoutMs: 5000 });
    expect(Object.fromEntries(workerPids(tree.root!))).toEqual({ storage: storage.pid, generator: generator.pid, monitor: monitor.pid });

    // The generator publishes meterA.u1 about every second.
    await until(() => measurements.length >= 2, 'two MeasurementEvents on "measurements"', 15_000, agent);
    for (const { sender, event } of measurements) {
      expect(sender).toBe(generator.id);
      expect(event.dataPoint).toBe('meterA.u1');
      expect(event.value).toBeGreaterThan(220);
      expect(event.value).toBeLessThan(240);
    }

    // It created its data point on role storage; the storage confirms it and holds values.
    await until(() => /generator: data point ready on role storage \{dataPoint=meterA\.u1, tag=voltage/.test(logFile(substation, 'generator')), 'the generator\'s "data point ready" log line', 15_000, agent);
    const exists = await peer.bus.request('storage', ExistsDataPoint, { dataPoint: 'meterA.u1' }, ExistsDataPointReply, { timeoutMs: 3000 });
    expect(exists).toEqual({ dataPoint: 'meterA.u1', exists: true });
    const unknown = await peer.bus.request('storage', ExistsDataPoint, { dataPoint: 'meterB.u9' }, ExistsDataPointReply, { timeoutMs: 3000 });
    expect(unknown.exists).toBe(false);
    const entry = await eventually(
      async () => (await peer.bus.request('storage', GetMostRecentEntry, { dataPoint: 'meterA.u1' }, MostRecentEntryReply, { timeoutMs: 3000 })).entry,
      'a stored entry of meterA.u1',
      15_000,
      agent,
    );
    expect(entry.value).toBeGreaterThan(220);
    expect(entry.value).toBeLessThan(240);

    // The monitor reads the stored value back; its log, as a user sees it through the agent (LogsRequest).
    const monitorLine = await eventually(
      async () => {
        const reply = await peer.bus.request('supervisor', LogsRequest, { child: 'root/monitor', lines: 50 }, LogsReply, { timeoutMs: 3000 });
        return reply.lines?.find((line) => /monitor: most recent entry \{dataPoint=meterA\.u1, value=/.test(line));
      },
      'a "most recent entry" line in the monitor\'s log',
      20_000,
      agent,
    );
    const readBack = Number(/value=([\d.]+)/.exec(monitorLine)?.[1]);
    expect(readBack).toBeGreaterThan(220);
    expect(readBack).toBeLessThan(240);

    // Ctrl-C at the agent's terminal: every module stops in reverse order, the agent exits 0.
    agent.child.kill('SIGINT');
    expect(await exitOf(agent)).toEqual({ code: 0, signal: null });
    expect(agent.events.filter((e) => e.event === 'supervisor' && e.kind === 'Stopped').map((e) => [e.child, e.exitCode])).toEqual([
      ['root/monitor', 0],
      ['root/generator', 0],
      ['root/storage', 0],
    ]);
    expect(agent.events.at(-1)).toMatchObject({ event: 'down' });
    for (const name of MODULES) await peer.gone(name);
    await until(() => pids.every((pid) => !alive(pid)), 'every module process to have ended', 5000);
    for (const name of MODULES) {
      const log = logFile(substation, name);
      expect(log, name).toMatch(new RegExp(`${name}: shutdown accepted \\{reason=host agent stopped`));
      expect(log, name).toContain(`${name}: stopping {reason=shutdown request}`);
      expect(log.split('\n').filter((line) => / ERROR /.test(line)), name).toEqual([]);
    }
    expect(agent.stderr.filter((line) => / ERROR /.test(line))).toEqual([]);
    // The generator's state goes to the default stateDir, .gridlink/state under the agent's working directory.
    const saved = JSON.parse(readFileSync(join(substation.workDir, '.gridlink', 'state', 'generator.state.json'), 'utf8')) as { published: number };
    expect(saved.published).toBeGreaterThanOrEqual(measurements.length);
  });

  it('SIGTERM (systemd stopping the agent) stops all three and leaves no process; the generator saves its state', async () => {
    const substation = await upSubstation('sigterm');
    const { peer, agent, measurements } = substation;
    const pids = (await joined(substation)).map((record) => record.pid);
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(agent.pid);
    await until(() => measurements.length >= 2, 'two MeasurementEvents on "measurements"', 15_000, agent);

    agent.child.kill('SIGTERM');
    expect(await exitOf(agent)).toEqual({ code: 0, signal: null });
    expect(agent.stderr.some((line) => line.includes('gridlink up: SIGTERM: stopping every module in reverse order'))).toBe(true);
    expect(agent.events.filter((e) => e.event === 'supervisor' && e.kind === 'Stopped').map((e) => e.child)).toEqual(['root/monitor', 'root/generator', 'root/storage']);
    for (const name of MODULES) await peer.gone(name);
    await until(() => pids.every((pid) => !alive(pid)), 'every module process to have ended', 5000);
    for (const name of MODULES) expect(logFile(substation, name), name).toContain(`${name}: stopping {reason=shutdown request}`);
    const saved = JSON.parse(readFileSync(join(substation.workDir, '.gridlink', 'state', 'generator.state.json'), 'utf8')) as { published: number };
    expect(saved.published).toBeGreaterThanOrEqual(measurements.length);
    expect(saved.published).toBeGreaterThanOrEqual(2);
  });
});
