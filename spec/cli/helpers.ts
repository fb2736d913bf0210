/**
 * Running the real, compiled `gridlink` CLI (node bin/gridlink.js) as a child
 * process, next to bus peers started in the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAUNCHER = join(ROOT, 'bin', 'gridlink.js');
const COMPILED_MAIN = join(ROOT, 'dist', 'tools', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Complete stdout lines so far. */
  lines(): string[];
  readonly done: Promise<CliResult>;
}

/** Starts `gridlink <args>`; the returned handle ends with the process. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  const started = Date.now();
  const child = spawn(process.execPath, [LAUNCHER, ...args], {
    cwd: ROOT,
    env: { ...process.env, GRIDLINK_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, elapsedMs: Date.now() - started }));
  });
  return {
    child,
    stdout: () => stdout,
    lines: () => stdout.split('\n').slice(0, -1),
    done,
  };
}

/** Runs `gridlink <args>` to its end; kills it after `limitMs` so a hang fails the test instead of the suite. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}, limitMs = 20_000): Promise<CliResult> {
  const running = startCli(args, env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), limitMs);
  try {
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}

/** A UDP port nobody uses right now, so suites never hear each other's beacons. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '0.0.0.0', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export function uniqueCluster(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Polls until the condition holds; throws with `what` when it does not within `maxMs`. */
export async function eventually(condition: () => boolean, what: string, maxMs = 10_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${maxMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Fails with a clear message when dist/ is missing or older than the CLI
 * sources: these tests run the compiled CLI (`npm test` builds first).
 */
export function assertCliBuilt(): void {
  let builtAt: number;
  try {
    builtAt = statSync(COMPILED_MAIN).mtimeMs;
  } catch {
    throw new Error(`${COMPILED_MAIN} is missing: run \`npm run build\` first (npm test does)`);
  }
  const newest = newestMtime(join(ROOT, 'tools', 'cli'));
  if (newest > builtAt) throw new Error('dist/ is older than tools/cli: run `npm run build` first (npm test does)');
}

function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : entry.name.endsWith('.ts') ? statSync(path).mtimeMs : 0;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

/** Parses every stdout line as JSON. */
export function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}
