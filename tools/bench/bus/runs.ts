/**
 * The choreography every subject of `bench:bus` shares: two worker processes
 * started in order (the second may need what the first reported), one of the
 * run shapes below, and both stopped whatever happens. The subjects
 * (zeromq.ts, nats.ts, ours.ts) only say which scripts run with which arguments.
 */
import { sampleRss, sleep, startWorker, type WireData, type WorkerProcess } from '../harness.js';
import { requestResult, throughputResult } from './results.js';
import type { IdleParams, IdleResult, RequestParams, RequestResult, ThroughputParams, ThroughputResult } from './types.js';

/** One worker: a script of ./workers, its label and its --name=value arguments. */
export interface Side {
  script: string;
  label: string;
  args?: Record<string, string | number>;
}

function start(side: Side): Promise<WorkerProcess> {
  return startWorker({ script: new URL(`./workers/${side.script}.js`, import.meta.url), label: side.label, args: side.args });
}

/** Starts `first`, then `second` (built from first's ready report), runs `body`, stops both. */
export async function withPair<R>(first: Side, second: (firstReady: WireData) => Side, body: (a: WorkerProcess, b: WorkerProcess) => Promise<R>): Promise<R> {
  let a: WorkerProcess | undefined;
  let b: WorkerProcess | undefined;
  try {
    a = await start(first);
    b = await start(second(a.ready));
    return await body(a, b);
  } finally {
    await Promise.all([b?.stop(), a?.stop()]);
  }
}

/**
 * Publisher → subscriber with a slow-joiner guard: the publisher probes until
 * the subscriber has seen one (first go), then sends the timed run (second go).
 */
export function probedPublish(params: ThroughputParams, publisher: Side, subscriber: (publisherReady: WireData) => Side): Promise<ThroughputResult> {
  return withPair(publisher, subscriber, async (pub, sub) => {
    pub.go();
    await sub.result(10_000);
    pub.go();
    const sent = await pub.result(params.timeoutMs);
    const received = await sub.result(params.timeoutMs);
    return throughputResult(sent, received, sub.label);
  });
}

/** Receiver first, sender second; one go; the receiver's count against the sender's. */
export function oneWay(params: ThroughputParams, receiver: Side, sender: (receiverReady: WireData) => Side): Promise<ThroughputResult> {
  return withPair(receiver, sender, async (sink, source) => {
    source.go();
    const sent = await source.result(params.timeoutMs);
    const received = await sink.result(params.timeoutMs);
    return throughputResult(sent, received, sink.label);
  });
}

/** Replier first, requester second; one go; what the requester timed. */
export function requestRun(params: RequestParams, replier: Side, requester: (replierReady: WireData) => Side): Promise<RequestResult> {
  return withPair(replier, requester, async (_server, client) => {
    client.go();
    return requestResult(await client.result(params.timeoutMs), client.label);
  });
}

/**
 * Two idle processes that find each other (`introduce` passes each the
 * other's ready report where the subject needs it), then VmRSS of the first
 * after the settle time.
 */
export function idleRun(params: IdleParams, a: Side, b: Side, introduce?: (a: WorkerProcess, b: WorkerProcess) => void): Promise<IdleResult> {
  return withPair(a, () => b, async (first, second) => {
    introduce?.(first, second);
    await Promise.all([first.result(params.timeoutMs), second.result(params.timeoutMs)]);
    await sleep(params.settleMs);
    const sample = await sampleRss(first.pid, { durationMs: params.sampleMs });
    return { rssBytes: sample.maxBytes };
  });
}
