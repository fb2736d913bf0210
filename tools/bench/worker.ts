/**
 * The worker-process side of the benchmark harness. A worker script is a
 * compiled module started by `startWorker` (tools/bench/child.ts) with
 * `--name=value` arguments. It reports `ready` after setting up, may wait for
 * `go`, reports one or more `result`s, and exits on `stop` or when the parent
 * goes away. Built-ins only, so an idle worker's RSS is its own.
 *
 *   runWorker(async () => {
 *     const count = intArg('count');
 *     await sendReady({ endpoint });
 *     await nextGo();
 *     ...
 *     await sendResult({ messagesPerSecond });
 *   });
 */
import { asParentMessage, type WireData, type WorkerMessage } from './wire.js';

const argMap = new Map<string, string>();
for (const arg of process.argv.slice(2)) {
  const match = /^--([^=]+)=(.*)$/s.exec(arg);
  if (match) argMap.set(match[1] as string, match[2] as string);
}

/** A string argument `--name=value`, or the fallback; throws when absent without a fallback. */
export function stringArg(name: string, fallback?: string): string {
  const value = argMap.get(name) ?? fallback;
  if (value === undefined) throw new Error(`missing argument --${name}=<value>`);
  return value;
}

/** A non-negative integer argument `--name=value`, or the fallback. */
export function intArg(name: string, fallback?: number): number {
  const raw = argMap.get(name);
  if (raw === undefined) {
    if (fallback === undefined) throw new Error(`missing argument --${name}=<integer>`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

const goQueue: WireData[] = [];
let goWaiter: ((data: WireData) => void) | undefined;
let stopResolve: () => void = () => {};
const stopPromise = new Promise<void>((resolve) => {
  stopResolve = resolve;
});
let stopping = false;

function requestStop(): void {
  if (stopping) return;
  stopping = true;
  stopResolve();
}

if (process.send === undefined) {
  process.stderr.write('this is a benchmark worker: start it through the bench harness (it needs an IPC channel)\n');
  process.exit(2);
}

process.on('message', (raw: unknown) => {
  const message = asParentMessage(raw);
  if (message === undefined) return;
  if (message.kind === 'stop') {
    requestStop();
    return;
  }
  if (goWaiter) {
    const waiter = goWaiter;
    goWaiter = undefined;
    waiter(message.data);
  } else {
    goQueue.push(message.data);
  }
});
// The parent died or closed the channel: nobody will read our results.
process.on('disconnect', requestStop);

const pendingSends = new Set<Promise<void>>();

function post(message: WorkerMessage): Promise<void> {
  const sent = new Promise<void>((resolve) => {
    if (!process.connected || process.send === undefined) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
  pendingSends.add(sent);
  void sent.finally(() => pendingSends.delete(sent));
  return sent;
}

/** Tells the parent that setup is done (endpoints, pid-visible state ...). Call once. */
export function sendReady(data: WireData = {}): Promise<void> {
  return post({ kind: 'ready', data });
}

/** Sends a result to the parent. */
export function sendResult(data: WireData): Promise<void> {
  return post({ kind: 'result', data });
}

/** Waits for the parent's next `go` command and returns its data. Rejects if the parent stops the worker first. */
export function nextGo(): Promise<WireData> {
  const queued = goQueue.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  return new Promise<WireData>((resolve, reject) => {
    goWaiter = resolve;
    void stopPromise.then(() => reject(new Error('stopped while waiting for go')));
  });
}

/** Resolves when the parent asks the worker to stop (or disconnects). */
export function stopRequested(): Promise<void> {
  return stopPromise;
}

/** True once a stop was requested. */
export function isStopping(): boolean {
  return stopping;
}

/**
 * Runs the worker body: on success the worker exits 0 once its messages are
 * flushed; on failure it reports the error to the parent and exits 1. The body
 * should close its sockets before returning (servers: after `stopRequested()`).
 */
export function runWorker(main: () => Promise<void>): void {
  const finish = async (code: number): Promise<never> => {
    await Promise.race([Promise.all([...pendingSends]), new Promise((resolve) => setTimeout(resolve, 1000))]);
    process.exit(code);
  };
  main().then(
    () => finish(0),
    async (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${message}\n`);
      await post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
      await finish(1);
    },
  );
}
