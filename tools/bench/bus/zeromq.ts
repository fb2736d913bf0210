/**
 * Raw zeromq.js 6.8.0 peer of `npm run bench:bus`: the same socket patterns
 * the Gridlink bus uses, with nothing on top, each run between two worker
 * processes over tcp://127.0.0.1 (scripts in ./workers/zmq-*.ts).
 */
import { sampleRss, sleep, startWorker, stringField, type WorkerProcess } from '../harness.js';
import { requestResult, throughputResult } from './results.js';
import type { IdleParams, IdleResult, RequestParams, RequestResult, ThroughputParams, ThroughputResult } from './types.js';

/** High-water mark of every socket in the throughput runs (as in research/bus.md, Appendix A). */
export const HWM = 100_000;

const script = (name: string): URL => new URL(`./workers/${name}.js`, import.meta.url);

async function stopAll(workers: readonly (WorkerProcess | undefined)[]): Promise<void> {
  await Promise.all(workers.map((w) => w?.stop()));
}

/** PUB → SUB, one topic, counted at the subscriber from its first to its last message. */
export async function publishThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  let pub: WorkerProcess | undefined;
  let sub: WorkerProcess | undefined;
  try {
    pub = await startWorker({
      script: script('zmq-pub'),
      label: 'zmq-pub',
      args: { messages: params.messages, payload: params.payloadBytes, hwm: HWM },
    });
    sub = await startWorker({
      script: script('zmq-sub'),
      label: 'zmq-sub',
      args: { endpoint: stringField(pub.ready, 'endpoint', 'zmq-pub'), hwm: HWM },
    });
    pub.go(); // probe until the subscriber sees one
    await sub.result(10_000);
    pub.go(); // the timed run
    const sent = await pub.result(params.timeoutMs);
    const received = await sub.result(params.timeoutMs);
    return throughputResult(sent, received, 'zmq-sub');
  } finally {
    await stopAll([pub, sub]);
  }
}

/** DEALER → ROUTER one-way (the pattern of the bus's `send`), counted at the ROUTER. */
export async function sendThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  let sink: WorkerProcess | undefined;
  let sender: WorkerProcess | undefined;
  try {
    sink = await startWorker({
      script: script('zmq-router-sink'),
      label: 'zmq-router',
      args: { messages: params.messages, hwm: HWM },
    });
    sender = await startWorker({
      script: script('zmq-dealer-send'),
      label: 'zmq-dealer',
      args: {
        endpoint: stringField(sink.ready, 'endpoint', 'zmq-router'),
        messages: params.messages,
        payload: params.payloadBytes,
        hwm: HWM,
      },
    });
    sender.go();
    const sent = await sender.result(params.timeoutMs);
    const received = await sink.result(params.timeoutMs);
    return throughputResult(sent, received, 'zmq-router');
  } finally {
    await stopAll([sender, sink]);
  }
}

/** DEALER ↔ ROUTER echo, `inFlight` requests outstanding, timed at the DEALER. */
export async function requestReply(params: RequestParams): Promise<RequestResult> {
  let server: WorkerProcess | undefined;
  let client: WorkerProcess | undefined;
  try {
    server = await startWorker({ script: script('zmq-router-echo'), label: 'zmq-router', args: { hwm: HWM } });
    client = await startWorker({
      script: script('zmq-dealer-request'),
      label: 'zmq-dealer',
      args: {
        endpoint: stringField(server.ready, 'endpoint', 'zmq-router'),
        warmup: params.warmup,
        requests: params.requests,
        'in-flight': params.inFlight,
        payload: params.payloadBytes,
        hwm: HWM,
      },
    });
    client.go();
    return requestResult(await client.result(params.timeoutMs), 'zmq-dealer');
  } finally {
    await stopAll([client, server]);
  }
}

/** Two idle processes with a bus peer's sockets, connected to each other; VmRSS of one of them. */
export async function idleRss(params: IdleParams): Promise<IdleResult> {
  let a: WorkerProcess | undefined;
  let b: WorkerProcess | undefined;
  try {
    a = await startWorker({ script: script('zmq-idle'), label: 'zmq-idle-a' });
    b = await startWorker({ script: script('zmq-idle'), label: 'zmq-idle-b' });
    a.go(b.ready);
    b.go(a.ready);
    await Promise.all([a.result(params.timeoutMs), b.result(params.timeoutMs)]);
    await sleep(params.settleMs);
    const sample = await sampleRss(a.pid, { durationMs: params.sampleMs });
    return { rssBytes: sample.maxBytes };
  } finally {
    await stopAll([a, b]);
  }
}
