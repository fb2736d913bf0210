/**
 * One module process: spawned as `node bin/gridlink.js run <module>` on the
 * agent's bus, its stdout/stderr captured to a rotated log file, its exit
 * detected and announced on the bus at once, and stopped with the shutdown
 * sequence: ShutdownRequest over the bus (a refusal is reported unless
 * forced), the grace period, SIGTERM, the grace period again, SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShutdownReply, ShutdownRequest, type ChildInfo, type ChildState } from '../schemas/generated/messages.js';
import { RESTART_TYPE, type ChildNode, type ExitInfo, type StopOptions, type StopOutcome, type TreeContext } from './child.js';
import { RotatingLog } from './log-file.js';
import type { Registration } from './registry-watcher.js';
import type { WorkerSpec } from './spec.js';

/** bin/gridlink.js, seen from dist/supervisor/worker.js. */
export const GRIDLINK_BIN = fileURLToPath(new URL('../../bin/gridlink.js', import.meta.url));

const CLOCK_TICKS = 100;

export class WorkerProcess implements ChildNode {
  state: ChildState = 'Stopped';
  restarts = 0;
  onExit: (info: ExitInfo) => void = () => undefined;
  readonly log: RotatingLog;
  readonly restartKind;
  private process: ChildProcess | undefined;
  private exited: Promise<ExitInfo> | undefined;
  private startedAt = 0;
  private registration: Registration | undefined;
  /** Set while this agent stops the process: its exit is then no crash. */
  private stopping = false;
  /** Why the agent killed it on its own (liveness), to report with the exit. */
  private killedBecause: string | undefined;
  private lastExit = '';
  private cpuSample: { ticks: number; at: number; percent: number } | undefined;

  constructor(
    readonly spec: WorkerSpec,
    readonly path: string,
    private readonly context: TreeContext,
  ) {
    this.restartKind = spec.restart;
    this.log = new RotatingLog(join(context.logs.dir, `${path.replaceAll('/', '.')}.log`), context.logs.maxBytes, context.logs.keep);
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Bus id and incarnation of the running process, once it registered. */
  get bus(): Registration | undefined {
    return this.registration;
  }

  uptimeMs(): number {
    return this.state === 'Running' || this.state === 'Starting' ? Date.now() - this.startedAt : 0;
  }

  async start(): Promise<void> {
    if (this.process) return;
    const args = [GRIDLINK_BIN, 'run', this.spec.module, ...(this.spec.config ? ['--config', this.spec.config] : []), ...this.context.childBusArgs];
    this.state = 'Starting';
    this.registration = undefined;
    this.killedBecause = undefined;
    this.cpuSample = undefined;
    this.startedAt = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: this.context.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C at the agent's terminal reaches the agent only, which stops the children in order.
      detached: true,
      env: { ...process.env, GRIDLINK_LOG: process.env.GRIDLINK_CHILD_LOG ?? 'info' },
    });
    this.process = child;
    child.stdout?.on('data', (chunk: Buffer) => this.log.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.log.write(chunk));
    this.exited = new Promise<ExitInfo>((resolve) => {
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, failure?: string): void => {
        if (settled) return;
        settled = true;
        resolve(this.ended(child, code, signal, failure));
      };
      child.once('exit', (code, signal) => finish(code, signal));
      child.once('error', (error) => finish(null, null, `could not start: ${error.message}`));
    });
    const pid = child.pid;
    this.log.write(`--- ${new Date().toISOString()} supervisor: started ${this.spec.module} as pid ${pid ?? '?'}\n`);
    if (pid === undefined) {
      await this.exited;
      return;
    }
    this.context.emit({ kind: 'Started', child: this.path, pid });
    const registration = await this.context.watcher.waitFor(pid, this.context.registerTimeoutMs, this.exited);
    if (this.process === child && registration) {
      this.registration = registration;
      this.state = 'Running';
    } else if (this.process === child) {
      // Not registered in time: it runs, but without a bus record (yet).
      this.state = 'Running';
    }
  }

  async stop(options: StopOptions): Promise<StopOutcome> {
    const child = this.process;
    const exited = this.exited;
    if (!child || !exited) {
      this.state = 'Stopped';
      return { stopped: true };
    }
    const previous = this.state;
    this.stopping = true;
    this.state = 'Stopping';
    const shutdown = this.spec.shutdown;
    if (shutdown === 'brutal_kill') {
      child.kill('SIGKILL');
      await exited;
      return { stopped: true };
    }
    const grace = shutdown === 'infinity' ? Number.POSITIVE_INFINITY : shutdown;
    const deadline = Date.now() + grace;
    const registration = this.registration ?? (child.pid === undefined ? undefined : this.context.watcher.lookup(child.pid));
    let asked = false;
    if (registration) {
      const reply = await Promise.race([
        this.context.bus
          .request(`shutdown@${registration.id}`, ShutdownRequest, { reason: options.reason, force: options.force }, ShutdownReply, { timeoutMs: Math.min(grace, 10_000) })
          .catch(() => undefined),
        exited.then(() => undefined),
      ]);
      if (reply && !reply.accepted && !options.force) {
        this.stopping = false;
        this.state = previous;
        return { stopped: false, refused: reply.reason || 'refused without a reason' };
      }
      asked = reply?.accepted === true;
    }
    if (asked && (await this.exitWithin(exited, deadline - Date.now()))) return { stopped: true };
    child.kill('SIGTERM');
    if (await this.exitWithin(exited, grace)) return { stopped: true };
    this.log.write(`--- ${new Date().toISOString()} supervisor: no exit within the grace period, SIGKILL\n`);
    child.kill('SIGKILL');
    await exited;
    return { stopped: true };
  }

  /** Kills the process because it is no longer alive on the bus; its exit counts as a crash. */
  killUnresponsive(reason: string): void {
    if (!this.process || this.stopping) return;
    this.killedBecause = reason;
    this.process.kill('SIGKILL');
  }

  info(): ChildInfo {
    const pid = this.process?.pid ?? 0;
    const usage = pid ? this.usage(pid) : { memoryBytes: 0, cpuPercent: 0 };
    return {
      name: this.name,
      path: this.path,
      kind: 'Worker',
      state: this.state,
      module: this.spec.module,
      pid,
      moduleId: this.registration?.id,
      incarnation: this.registration?.incarnation ?? 0n,
      uptimeMs: this.uptimeMs(),
      restarts: this.restarts,
      memoryBytes: usage.memoryBytes,
      cpuPercent: usage.cpuPercent,
      lastExit: this.lastExit,
      restart: RESTART_TYPE[this.spec.restart],
      strategy: 'OneForOne',
      intensity: 0,
      periodMs: 0,
      children: [],
    };
  }

  private exitWithin(exited: Promise<ExitInfo>, ms: number): Promise<boolean> {
    if (ms === Number.POSITIVE_INFINITY) return exited.then(() => true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, ms));
      void exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private ended(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, failure?: string): ExitInfo {
    const pid = child.pid ?? 0;
    let description = failure ?? (signal ? signal : `exit code ${code ?? '?'}`);
    if (this.killedBecause) description = `${this.killedBecause} (${description})`;
    const info: ExitInfo = { normal: code === 0 && signal === null && !failure && !this.killedBecause, code, signal, description, pid, uptimeMs: Date.now() - this.startedAt };
    const registration = this.registration ?? (pid ? this.context.watcher.lookup(pid) : undefined);
    // Peers fail requests pending on it now rather than after the heartbeat timeout.
    if (registration) this.context.bus.announceDeparture(registration.id, registration.incarnation, `process ${pid} ended: ${description}`);
    if (pid) this.context.watcher.forget(pid);
    this.log.write(`--- ${new Date().toISOString()} supervisor: pid ${pid} ended: ${description}\n`);
    this.process = undefined;
    this.exited = undefined;
    this.registration = undefined;
    this.lastExit = description;
    const requested = this.stopping;
    this.stopping = false;
    if (requested) {
      this.state = 'Stopped';
      this.context.emit({ kind: 'Stopped', child: this.path, pid, exitCode: code ?? -1, signal: signal ?? '', message: description });
    } else {
      this.state = 'Failed';
      this.context.emit({ kind: 'Exited', child: this.path, pid, exitCode: code ?? -1, signal: signal ?? '', message: description });
      queueMicrotask(() => this.onExit(info));
    }
    return info;
  }

  /** Resident memory and CPU share since the previous look, from /proc (zeros where /proc is missing). */
  private usage(pid: number): { memoryBytes: number; cpuPercent: number } {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const now = Date.now();
      const previous = this.cpuSample ?? { ticks: 0, at: this.startedAt, percent: 0 };
      const elapsed = now - previous.at;
      const percent = elapsed > 0 ? (((ticks - previous.ticks) / CLOCK_TICKS) * 1000 * 100) / elapsed : previous.percent;
      this.cpuSample = { ticks, at: now, percent };
      return { memoryBytes: rss ? Number(rss[1]) * 1024 : 0, cpuPercent: Math.round(percent * 10) / 10 };
    } catch {
      return { memoryBytes: 0, cpuPercent: 0 };
    }
  }
}
