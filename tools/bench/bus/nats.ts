/**
 * NATS peer of `npm run bench:bus`: Debian's nats-server started by the
 * benchmark on a free loopback port (no config file), and the npm `nats`
 * client in two worker processes (scripts in ./workers/nats-*.ts). Every
 * message goes client → server → client, as NATS always does.
 */
import { canConnect, findExecutable, freeLoopbackPort, startProgram, type ProgramProcess } from '../harness.js';
import { basename, dirname, resolve } from 'node:path';
import { oneWay, requestRun } from './runs.js';
import type { RequestParams, RequestResult, ThroughputParams, ThroughputResult } from './types.js';

/** Where nats-server is looked for besides PATH (Debian installs it in /usr/sbin). */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];

/**
 * Path of the nats-server binary, or undefined: $NATS_SERVER when set (it
 * must then be an executable file), else PATH and the usual sbin folders.
 */
export function findNatsServer(): string | undefined {
  const fromEnv = process.env.NATS_SERVER;
  if (fromEnv !== undefined && fromEnv !== '') {
    return findExecutable(basename(fromEnv), [dirname(resolve(fromEnv))], { pathToo: false });
  }
  return findExecutable('nats-server', EXTRA_DIRS);
}

/** The one-line notice printed when nats-server is missing. */
export function missingNotice(): string {
  const fromEnv = process.env.NATS_SERVER;
  return fromEnv !== undefined && fromEnv !== ''
    ? `NATS_SERVER=${fromEnv} is not an executable file`
    : 'nats-server not found on PATH or in /usr/sbin (Debian: apt-get install nats-server; or set NATS_SERVER=/path/to/nats-server)';
}

let server: { process: ProgramProcess; url: string } | undefined;

/** Starts nats-server on a free 127.0.0.1 port (once); returns its URL. */
export async function startNatsServer(): Promise<string> {
  if (server?.process.running) return server.url;
  const command = findNatsServer();
  if (command === undefined) throw new Error(missingNotice());
  let lastError: unknown;
  // The free port could be taken between our probe and the server's bind: retry a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    try {
      const program = await startProgram({
        command,
        args: ['-a', '127.0.0.1', '-p', String(port)],
        label: 'nats-server',
        isReady: () => canConnect(port),
        timeoutMs: 10_000,
      });
      server = { process: program, url: `nats://127.0.0.1:${port}` };
      return server.url;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** Stops the server started by startNatsServer, if any. */
export async function stopNatsServer(): Promise<void> {
  const running = server;
  server = undefined;
  await running?.process.stop();
}

/** Core NATS publish → subscribe on one subject, counted at the subscriber from first to last. */
export async function publishThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  const url = await startNatsServer();
  const subject = 'bench.pub';
  // The subscriber connects first; NATS has no slow-joiner window once it is subscribed.
  return oneWay(params, { script: 'nats-sub', label: 'nats-sub', args: { url, subject } }, () => ({
    script: 'nats-pub',
    label: 'nats-pub',
    args: { url, subject, messages: params.messages, payload: params.payloadBytes },
  }));
}

/** nc.request → a replier that echoes the payload, `inFlight` outstanding, timed at the requester. */
export async function requestReply(params: RequestParams): Promise<RequestResult> {
  const url = await startNatsServer();
  const subject = 'bench.echo';
  return requestRun(params, { script: 'nats-reply', label: 'nats-reply', args: { url, subject } }, () => ({
    script: 'nats-request',
    label: 'nats-request',
    args: { url, subject, warmup: params.warmup, requests: params.requests, 'in-flight': params.inFlight, payload: params.payloadBytes },
  }));
}
