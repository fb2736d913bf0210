/**
 * The parent side of benchmark worker processes: start a compiled Node worker
 * script (tools/bench/worker.ts on the other side) as its own OS process,
 * wait for its ready/result messages with time limits, stop it, and make sure
 * nothing outlives the benchmark. Also starts plain programs (e.g. a
 * nats-server) and finds free loopback ports.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asWorkerMessage, type ParentMessage, type WireData } from './wire.js';

/** How a process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Running children, each with the sequence number it was started under. */
const live = new Map<ChildProcess, number>();
let sequence = 0;
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.set(child, ++sequence);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: whatever happens to the benchmark, its children die with it.
  process.once('exit', () => {
    for (const c of live.keys()) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const c of live.keys()) c.kill('SIGKILL');
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** A mark to pass to `killProcessesSince` later: processes started after it can be cleaned up together. */
export function processMark(): number {
  return sequence;
}

/**
 * Kills every process started through this module after `mark` (default:
 * all) that is still running, and waits until they are gone.
 */
export async function killProcessesSince(mark = 0): Promise<void> {
  const victims = [...live].filter(([, seq]) => seq > mark).map(([child]) => child);
  const waits = victims.map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

/** Number of started processes still running (for leak checks). */
export function liveProcessCount(): number {
  return live.size;
}

/** Forwards a child's output to our stderr, line by line with a label, and keeps the last lines for error reports. */
function forwardOutput(stream: NodeJS.ReadableStream | null, label: string, tail: string[]): void {
  if (stream === null) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      process.stderr.write(`  [${label}] ${line}\n`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  });
  stream.on('end', () => {
    if (partial !== '') {
      process.stderr.write(`  [${label}] ${partial}\n`);
      tail.push(partial);
    }
  });
}

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** The compiled worker script, e.g. `new URL('./workers/zmq-sub.js', import.meta.url)`. */
  script: URL;
  /** Short name used in logs and errors, e.g. "zmq-sub". */
  label: string;
  /** Passed as `--name=value` arguments (read with intArg/stringArg in the worker). */
  args?: Record<string, string | number>;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Extra node flags, e.g. ['--expose-gc']. */
  execArgv?: string[];
  /** How long the worker may take to report ready (default 20 s). */
  readyTimeoutMs?: number;
}

type Waiter = { resolve: (data: WireData) => void; reject: (error: Error) => void };

/** A running worker process. Obtain one with `startWorker`. */
export class WorkerProcess {
  readonly label: string;
  readonly pid: number;
  /** The data the worker sent with `ready`. */
  ready: WireData = {};
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitStatus>;

  private readonly child: ChildProcess;
  private readonly results: WireData[] = [];
  private waiter: Waiter | undefined;
  private readyWaiter: Waiter | undefined;
  private failure: Error | undefined;
  private readonly tail: string[] = [];

  /** @internal use startWorker */
  constructor(options: WorkerOptions) {
    this.label = options.label;
    const argv = Object.entries(options.args ?? {}).map(([k, v]) => `--${k}=${v}`);
    this.child = fork(fileURLToPath(options.script), argv, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env },
      execArgv: options.execArgv ?? [],
      serialization: 'json',
    });
    if (this.child.pid === undefined) throw new Error(`${this.label}: could not start ${options.script.href}`);
    this.pid = this.child.pid;
    track(this.child);
    forwardOutput(this.child.stdout, this.label, this.tail);
    forwardOutput(this.child.stderr, this.label, this.tail);

    this.child.on('message', (raw: unknown) => {
      const message = asWorkerMessage(raw);
      if (message === undefined) return;
      if (message.kind === 'error') {
        this.fail(new Error(`${this.label}: ${message.message}`));
      } else if (message.kind === 'ready') {
        this.ready = message.data;
        const w = this.readyWaiter;
        this.readyWaiter = undefined;
        w?.resolve(message.data);
      } else if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(message.data);
      } else {
        this.results.push(message.data);
      }
    });
    // 'close' (not 'exit'): it comes after the IPC channel and the output
    // pipes are drained, so a result sent just before exiting is not lost.
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        const detail = this.tail.length > 0 ? `; last output:\n    ${this.tail.slice(-5).join('\n    ')}` : '';
        this.fail(new Error(`${this.label} exited (code ${code}, signal ${signal}) before reporting${detail}`));
        resolve({ code, signal });
      });
    });
    this.child.on('error', (error) => this.fail(new Error(`${this.label}: ${error.message}`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiters = [this.waiter, this.readyWaiter];
    this.waiter = undefined;
    this.readyWaiter = undefined;
    for (const w of waiters) w?.reject(this.failure);
  }

  /** @internal */
  waitReady(timeoutMs: number): Promise<WireData> {
    if (this.failure) return Promise.reject(this.failure);
    return this.withTimeout(
      new Promise<WireData>((resolve, reject) => {
        this.readyWaiter = { resolve, reject };
      }),
      timeoutMs,
      'ready',
    );
  }

  /** Sends `go` (start the measured phase) with optional data. */
  go(data: WireData = {}): void {
    this.post({ kind: 'go', data });
  }

  /**
   * The worker's next result. Rejects when the worker reports an error,
   * exits first, or sends nothing within `timeoutMs` (the worker is then killed).
   */
  result(timeoutMs: number): Promise<WireData> {
    const queued = this.results.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return this.withTimeout(
      new Promise<WireData>((resolve, reject) => {
        this.waiter = { resolve, reject };
      }),
      timeoutMs,
      'result',
    );
  }

  /** Asks the worker to stop; kills it if it has not exited after `graceMs`. */
  async stop(graceMs = 3000): Promise<ExitStatus> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.post({ kind: 'stop' });
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }

  /** Kills the worker at once. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  private post(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  private withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms (killed)`));
      }, timeoutMs);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

/** Starts a worker process and resolves once it has reported `ready`. */
export async function startWorker(options: WorkerOptions): Promise<WorkerProcess> {
  const worker = new WorkerProcess(options);
  try {
    await worker.waitReady(options.readyTimeoutMs ?? 20_000);
  } catch (error) {
    worker.kill();
    throw error;
  }
  return worker;
}

/** A running non-Node program (e.g. a message broker a peer needs). */
export class ProgramProcess {
  readonly label: string;
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];

  /** @internal use startProgram */
  constructor(command: string, args: readonly string[], label: string) {
    this.label = label;
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(this.child);
    forwardOutput(this.child.stdout, label, this.tail);
    forwardOutput(this.child.stderr, label, this.tail);
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      this.child.once('error', () => resolve({ code: null, signal: null }));
    });
    this.pid = this.child.pid ?? -1;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.pid > 0;
  }

  /** The last lines it printed (for error messages). */
  lastOutput(): string {
    return this.tail.slice(-5).join('\n    ');
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<ExitStatus> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}

/**
 * Starts a program and resolves once `isReady()` resolves true (polled every
 * 50 ms), or rejects (killing it) when it exits or `timeoutMs` passes first.
 */
export async function startProgram(options: {
  command: string;
  args: readonly string[];
  label: string;
  isReady: () => Promise<boolean>;
  timeoutMs?: number;
}): Promise<ProgramProcess> {
  const program = new ProgramProcess(options.command, options.args, options.label);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let exited = false;
  void program.exited.then(() => {
    exited = true;
  });
  while (!exited && Date.now() < deadline) {
    if (await options.isReady()) return program;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await program.stop(500);
  const output = program.lastOutput();
  throw new Error(
    `${options.label} did not become ready (${exited ? 'it exited' : `timeout ${options.timeoutMs ?? 10_000} ms`})` +
      (output ? `; last output:\n    ${output}` : ''),
  );
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Finds an executable by name on PATH and in `extraDirs` (e.g. /usr/sbin,
 * which is not on every user's PATH). Returns its path or undefined.
 */
export function findExecutable(
  name: string,
  extraDirs: readonly string[] = [],
  options: { pathToo?: boolean } = {},
): string | undefined {
  const onPath = options.pathToo === false ? [] : (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const dirs = [...onPath, ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (!statSync(candidate).isFile()) continue;
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
