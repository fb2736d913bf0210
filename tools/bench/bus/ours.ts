/**
 * The Gridlink bus (core/bus) as a subject of `npm run bench:bus`: each run
 * between two module processes (scripts in ./workers/ours-*.ts), every one a
 * full bus node (beacons, registry, envelope, batching), over loopback TCP
 * (the discovery beacon is sent to loopback, so peers on one host pick ipc;
 * see the note in docs/BENCHMARKS.md).
 */
import { createSocket } from 'node:dgram';
import { sampleRss, sleep, startWorker, type WorkerProcess } from '../harness.js';
import { requestResult, throughputResult } from './results.js';
import type { IdleParams, IdleResult, RequestParams, RequestResult, ThroughputParams, ThroughputResult } from './types.js';

const script = (name: string): URL => new URL(`./workers/${name}.js`, import.meta.url);

/** A discovery domain of the run's own: a free UDP port and a unique cluster name. */
async function domain(): Promise<{ 'discovery-port': number; cluster: string }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { 'discovery-port': port, cluster: `bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}` };
}

async function stopAll(workers: readonly (WorkerProcess | undefined)[]): Promise<void> {
  await Promise.all(workers.map((w) => w?.stop()));
}

/** `publish(topic, 64 B)` from one module process, counted in a subscribed module process from first to last. */
export async function publishThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  let pub: WorkerProcess | undefined;
  let sub: WorkerProcess | undefined;
  try {
    const where = await domain();
    pub = await startWorker({ script: script('ours-pub'), label: 'ours-pub', args: { ...where, messages: params.messages, payload: params.payloadBytes } });
    sub = await startWorker({ script: script('ours-sub'), label: 'ours-sub', args: where });
    pub.go(); // probe until the subscriber sees one
    await sub.result(10_000);
    pub.go(); // the timed run
    const sent = await pub.result(params.timeoutMs);
    const received = await sub.result(params.timeoutMs);
    return throughputResult(sent, received, 'ours-sub');
  } finally {
    await stopAll([pub, sub]);
  }
}

/** `send(role, 64 B)` from one module process to the one module holding the role, counted at the receiver. */
export async function sendThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  let sink: WorkerProcess | undefined;
  let sender: WorkerProcess | undefined;
  try {
    const where = await domain();
    sink = await startWorker({ script: script('ours-sink'), label: 'ours-sink', args: { ...where, messages: params.messages } });
    sender = await startWorker({ script: script('ours-send'), label: 'ours-send', args: { ...where, messages: params.messages, payload: params.payloadBytes } });
    sender.go();
    const sent = await sender.result(params.timeoutMs);
    const received = await sink.result(params.timeoutMs);
    return throughputResult(sent, received, 'ours-sink');
  } finally {
    await stopAll([sender, sink]);
  }
}

/** `request(role, 64 B)` answered by an echo handler in another module process, `inFlight` outstanding. */
export async function requestReply(params: RequestParams): Promise<RequestResult> {
  let server: WorkerProcess | undefined;
  let client: WorkerProcess | undefined;
  try {
    const where = await domain();
    server = await startWorker({ script: script('ours-echo'), label: 'ours-echo', args: where });
    client = await startWorker({
      script: script('ours-request'),
      label: 'ours-request',
      args: { ...where, warmup: params.warmup, requests: params.requests, 'in-flight': params.inFlight, payload: params.payloadBytes },
    });
    client.go();
    return requestResult(await client.result(params.timeoutMs), 'ours-request');
  } finally {
    await stopAll([client, server]);
  }
}

/** VmRSS of an idle module process that has joined the bus with one other module. */
export async function idleRss(params: IdleParams): Promise<IdleResult> {
  let a: WorkerProcess | undefined;
  let b: WorkerProcess | undefined;
  try {
    const where = await domain();
    a = await startWorker({ script: script('ours-idle'), label: 'ours-idle-a', args: { ...where, name: 'idle-a', peer: 'idle-b' } });
    b = await startWorker({ script: script('ours-idle'), label: 'ours-idle-b', args: { ...where, name: 'idle-b', peer: 'idle-a' } });
    await Promise.all([a.result(params.timeoutMs), b.result(params.timeoutMs)]);
    await sleep(params.settleMs);
    const sample = await sampleRss(a.pid, { durationMs: params.sampleMs });
    return { rssBytes: sample.maxBytes };
  } finally {
    await stopAll([a, b]);
  }
}
