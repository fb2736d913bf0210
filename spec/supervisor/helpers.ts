/**
 * Support for the spec/supervisor suites: a host agent as a real process
 * (`gridlink up <tree file>`, its events as JSON lines on stdout), children
 * that are real module processes (spec/fixtures/modules/supervisor-child.ts),
 * and a bus peer in the test process that asks the agent on role supervisor.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildCommand, ChildCommandReply, TreeReply, TreeRequest, type ChildAction, type ChildInfo } from '../../schemas/generated/messages.js';
import { domainFlags, startGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from '../actor/helpers.js';
import { distPath, freeUdpPort, uniqueCluster, type JsonEvent, type LineProcess } from '../support/processes.js';

export const CHILD = distPath('spec/fixtures/modules/supervisor-child.js');

export interface ChildSettings {
  exitAfterMs?: number;
  exitCode?: number;
  refuseShutdown?: string;
  hangOnShutdown?: boolean;
  hangAfterMs?: number;
}

/** A worker of a tree file running the test child with these settings (its config file written into `dir`). */
export function child(dir: string, name: string, settings: ChildSettings = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const config = writeConfig(dir, { stateDir: join(dir, 'state', name), settings }, `${name}.config.json`);
  return { name, module: CHILD, config, ...extra };
}

export async function newDomain(): Promise<Domain> {
  return { port: await freeUdpPort(), cluster: uniqueCluster('sup') };
}

export class Agent {
  constructor(
    readonly process: LineProcess,
    readonly peer: TestPeer,
    readonly dir: string,
  ) {}

  /** The supervisor events seen so far. */
  events(kind?: string, child?: string): JsonEvent[] {
    return this.process.events.filter((e) => e.event === 'supervisor' && (kind === undefined || e.kind === kind) && (child === undefined || e.child === child));
  }

  waitEvent(kind: string, child: string, count = 1, timeoutMs = 15_000): Promise<JsonEvent[]> {
    return until(() => (this.events(kind, child).length >= count ? this.events(kind, child) : undefined), `${count} ${kind} event(s) of ${child}`, timeoutMs, this.process);
  }

  async tree(): Promise<ChildInfo> {
    const reply = await this.peer.bus.request('supervisor', TreeRequest, {}, TreeReply, { timeoutMs: 5000 });
    if (!reply.root) throw new Error('TreeReply without a root');
    return reply.root;
  }

  async node(path: string): Promise<ChildInfo> {
    const find = (info: ChildInfo): ChildInfo | undefined => (info.path === path ? info : (info.children ?? []).map(find).find((x) => x !== undefined));
    const found = find(await this.tree());
    if (!found) throw new Error(`no ${path} in the tree`);
    return found;
  }

  command(child: string, action: ChildAction, force = false, reason = 'test'): Promise<ChildCommandReply> {
    return this.peer.bus.request('supervisor', ChildCommand, { child, action, force, reason }, ChildCommandReply, { timeoutMs: 20_000 });
  }

  logFile(path: string): string {
    const file = join(this.dir, 'logs', `${path.replaceAll('/', '.')}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async stop(): Promise<void> {
    await this.process.kill('SIGTERM');
    await this.peer.close();
  }
}

/** Writes the tree file (logs in dir/logs), runs `gridlink up` on it and waits until it reports up and answers on role supervisor. */
/**
 * A root supervisor that restarts at once and often: for tests that kill a module and wait for its
 * successor (backoff 50..200 ms, up to 100 restarts a minute). Spread it into the root of startAgent.
 */
export const QUICK_RESTARTS = {
  strategy: 'one_for_one',
  intensity: 100,
  periodMs: 60_000,
  backoff: { minMs: 50, maxMs: 200, randomFactor: 0, resetAfterMs: 10_000 },
} as const;

export async function startAgent(domain: Domain, dir: string, root: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Agent> {
  const treeFile = writeConfig(dir, { root, logs: { dir: join(dir, 'logs'), maxBytes: 65_536, keep: 2 }, ...extra }, 'tree.json');
  const peer = await TestPeer.start(domain, 'spec-supervisor');
  const running = startGridlink(['up', treeFile, ...domainFlags(domain)], { cwd: dir, label: 'gridlink up' });
  const agent = new Agent(running, peer, dir);
  await Promise.race([
    running.waitFor((e) => e.event === 'up', 30_000, '"up"'),
    running.exited.then(({ code, signal }) => {
      throw new Error(`gridlink up ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
  await until(() => peer.bus.registry.holders('supervisor').length > 0, 'the agent on role supervisor', 10_000, running);
  return agent;
}

/** Whether /proc shows the process, and not as a zombie. */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export { tempDir, until };
