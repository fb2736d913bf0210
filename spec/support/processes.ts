/**
 * Test support: real OS processes that speak JSON lines on stdout/stdin, and
 * the bookkeeping that makes sure none outlives its test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const distPath = (relative: string): string => fileURLToPath(new URL(`../../dist/${relative}`, import.meta.url));

export type JsonEvent = Record<string, unknown> & { event?: string };

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class LineProcess {
  readonly events: JsonEvent[] = [];
  readonly stderr: string[] = [];
  private waiters: { match: (e: JsonEvent) => boolean; resolve: (e: JsonEvent) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess, readonly label: string) {
    running.add(child);
    this.exited = once(child, 'exit').then(([code, signal]) => {
      running.delete(child);
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: JsonEvent;
      try {
        event = JSON.parse(line) as JsonEvent;
      } catch {
        event = { event: 'text', text: line };
      }
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(event)) return true;
        w.resolve(event);
        return false;
      });
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[${label}] ${line}\n`);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first event (already seen or to come) that matches; fails after timeoutMs. */
  waitFor(match: (e: JsonEvent) => boolean, timeoutMs = 10_000, what = 'event'): Promise<JsonEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms; stderr:\n${this.stderr.slice(-20).join('\n')}`));
      }, timeoutMs);
      const done = (e: JsonEvent): void => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** Waits for the next event matching, ignoring those already seen. */
  next(match: (e: JsonEvent) => boolean, timeoutMs = 10_000, what = 'event'): Promise<JsonEvent> {
    const seenBefore = new Set(this.events);
    return this.waitFor((e) => !seenBefore.has(e) && match(e), timeoutMs, what);
  }

  command(command: Record<string, unknown>): void {
    this.child.stdin!.write(JSON.stringify(command) + '\n');
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

export function startNode(script: string, args: string[], label: string, options: { env?: Record<string, string>; wrap?: string[] } = {}): LineProcess {
  const command = options.wrap ? options.wrap[0] : process.execPath;
  const argv = options.wrap ? [...options.wrap.slice(1), process.execPath, script, ...args] : [script, ...args];
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GRIDLINK_LOG: 'info', ...options.env } });
  return new LineProcess(child, label);
}

export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await once(child, 'exit').catch(() => undefined);
    }),
  );
}

/** A UDP port nobody on this host is using now, for a test's own discovery domain. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export function uniqueCluster(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
