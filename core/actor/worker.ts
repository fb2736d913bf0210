import { Worker, parentPort, type MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type * as Comlink from 'comlink';
import type { NodeEndpoint } from 'comlink/dist/umd/node-adapter.js';

// comlink ships UMD (CommonJS to Node): required, not imported (see core/bus/zeromq.ts).
// The adapter's module.exports is the function itself, whatever its typings say.
const require = createRequire(import.meta.url);
const comlink = require('comlink') as typeof Comlink;
const nodeEndpoint = require('comlink/dist/umd/node-adapter.js') as (endpoint: NodeEndpoint) => Comlink.Endpoint;

/**
 * CPU-heavy work in worker threads, so a module's mailbox stays responsive.
 * Comlink turns the worker's exported object into an async proxy. The
 * handle keeps a strong reference to the proxy for its whole life (comlink
 * issue #692: a collected transient proxy can hang an in-flight call) and
 * releases it on terminate.
 */
export type Remote<T> = Comlink.Remote<T>;

export interface WorkerHandle<T> {
  readonly api: Remote<T>;
  terminate(): Promise<void>;
}

/** Starts a worker thread from a compiled script that called exposeToModule(). */
export function startWorker<T>(script: URL): WorkerHandle<T> {
  const worker = new Worker(script);
  const api = comlink.wrap<T>(nodeEndpoint(worker));
  return {
    api,
    async terminate() {
      api[comlink.releaseProxy]();
      await worker.terminate();
    },
  };
}

/** Called inside the worker script: offers `api` to the module that started it. */
export function exposeToModule(api: object): void {
  if (!parentPort) throw new Error('exposeToModule() must run inside a worker thread');
  comlink.expose(api, nodeEndpoint(parentPort as MessagePort));
}
