/**
 * Support for the spec/actor suites: modules run as real OS processes with
 * the compiled `gridlink run` (node bin/gridlink.js run ...), each with its
 * own temporary folder (configuration file, state, working directory), and a
 * bus peer in the test process that talks to them over real ZeroMQ sockets.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus, type ModuleRecord } from '../../core/bus/index.js';
import { GetMostRecentEntry, MostRecentEntryReply } from '../../schemas/generated/messages.js';
import { distPath, LineProcess, repoRoot } from '../support/processes.js';

export const GRIDLINK = join(repoRoot, 'bin', 'gridlink.js');
export const PROBE = distPath('spec/fixtures/modules/probe.js');

/** A discovery domain of its own: a free UDP port and a unique cluster name. */
export interface Domain {
  port: number;
  cluster: string;
}

/** The command-line flags that put a process into the domain. */
export function domainFlags(domain: Domain): string[] {
  return ['--port', String(domain.port), '--cluster', domain.cluster];
}

/** Temporary folders, removed by removeTempDirs() (call it in afterAll). */
const tempDirs: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gridlink-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes a module configuration file (JSON) and returns its path. */
export function writeConfig(dir: string, config: unknown, file = 'config.json'): string {
  const path = join(dir, file);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

/**
 * Replaces a file's content the way editors save (a new file renamed over the
 * old one), so a watcher never reads it half written.
 */
export function replaceFile(path: string, content: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/**
 * Starts `node bin/gridlink.js <args>` in `cwd`: stdout JSON lines become
 * events (the probe's reports), stderr lines are kept (the module's log, at
 * info level). The process is killed by killAll() if a test leaves it.
 */
export function startGridlink(args: string[], options: { cwd: string; env?: Record<string, string>; label?: string }): LineProcess {
  const child = spawn(process.execPath, [GRIDLINK, ...args], {
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GRIDLINK_LOG: 'info', ...options.env },
  });
  return new LineProcess(child, options.label ?? args.slice(0, 2).join(' '));
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/gridlink.js <args>` to its end (killed after `limitMs`, so a hang fails the test, not the suite). */
export async function runGridlink(args: string[], options: { cwd: string; limitMs?: number }): Promise<Finished> {
  const running = startGridlink(args, { cwd: options.cwd });
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.limitMs ?? 15_000);
  try {
    const { code, signal } = await running.exited;
    // 'exit' may come before the last output lines: wait for the pipes to close.
    await Promise.all([running.child.stdout, running.child.stderr].map((stream) => (stream && !stream.closed ? once(stream, 'close') : undefined)));
    const stdout = running.events.map((event) => (event.event === 'text' ? String(event.text) : JSON.stringify(event))).join('\n');
    return { code, signal, stdout, stderr: running.stderr.join('\n') };
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every 10 ms; fails with `what` (and the log tail of `proc`) after `timeoutMs`. */
export async function until<T>(condition: () => T | undefined | false, what: string, timeoutMs = 10_000, proc?: LineProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const tail = proc ? `\nstderr of ${proc.label}:\n${proc.stderr.slice(-25).join('\n')}` : '';
      throw new Error(`no ${what} within ${timeoutMs} ms${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The first stderr line of the process (seen already or to come) that matches. */
export function logLine(proc: LineProcess, pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
  const matches = (line: string): boolean => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
  return until(() => proc.stderr.find(matches), `log line ${String(pattern)}`, timeoutMs, proc);
}

/** Counts the stderr lines that match. */
export function countLines(proc: LineProcess, pattern: RegExp | string): number {
  return proc.stderr.filter((line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line))).length;
}

/** The bus peer of a test: the administrator's side of the conversation. */
export class TestPeer {
  private constructor(readonly bus: Bus) {}

  static async start(domain: Domain, name = 'spec-actor'): Promise<TestPeer> {
    return new TestPeer(await Bus.start({ name, discovery: { port: domain.port, cluster: domain.cluster } }));
  }

  /** Waits until a module of that name (and pid, when given) is running in this peer's registry. */
  module(name: string, pid?: number, timeoutMs = 15_000, proc?: LineProcess): Promise<ModuleRecord> {
    return until(
      () => this.bus.registry.list().find((record) => record.name === name && record.state === 'running' && (pid === undefined || record.pid === pid)),
      `running module "${name}"${pid === undefined ? '' : ` with pid ${pid}`} in the registry`,
      timeoutMs,
      proc,
    );
  }

  /** Waits until no module of that name is in the registry any more. */
  gone(name: string, timeoutMs = 5000): Promise<true> {
    return until(() => !this.bus.registry.list().some((record) => record.name === name), `leave of "${name}"`, timeoutMs);
  }

  /** Asks the probe at `address` (e.g. "probe@probe-a") for an action; resolves with the reply. */
  ask(address: string, action: string, timeoutMs = 5000): Promise<MostRecentEntryReply> {
    return this.bus.request(address, GetMostRecentEntry, { dataPoint: action }, MostRecentEntryReply, { timeoutMs });
  }

  /** The number an action of the probe yields. */
  async value(address: string, action: string, timeoutMs = 5000): Promise<number> {
    const reply = await this.ask(address, action, timeoutMs);
    if (reply.entry === undefined) throw new Error(`probe reply to "${action}" has no entry`);
    return reply.entry.value;
  }

  close(): Promise<void> {
    return this.bus.close('test over');
  }
}

let probes = 0;

export interface RunningProbe {
  readonly process: LineProcess;
  readonly name: string;
  /** "probe@<name>": the probe role of exactly this probe. */
  readonly address: string;
  readonly record: ModuleRecord;
  readonly configPath: string;
  readonly dir: string;
}

/**
 * Runs the probe (spec/fixtures/modules/probe.ts) with `gridlink run`, a
 * configuration file with the given settings and proxies, and a stateDir in
 * its own temporary folder; resolves once `peer` sees it running.
 */
export async function startProbe(
  peer: TestPeer,
  domain: Domain,
  options: { name?: string; dir?: string; settings?: Record<string, unknown>; proxies?: unknown } = {},
): Promise<RunningProbe> {
  const name = options.name ?? `probe-${process.pid}-${++probes}`;
  const dir = options.dir ?? tempDir(name);
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings: options.settings ?? {}, ...(options.proxies ? { proxies: options.proxies } : {}) });
  const running = startGridlink(['run', PROBE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, env: { PROBE_NAME: name }, label: name });
  const record = await Promise.race([
    peer.module(name, running.pid, 15_000, running),
    running.exited.then(({ code, signal }) => {
      throw new Error(`${name} ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
  return { process: running, name, address: `probe@${name}`, record, configPath, dir };
}
