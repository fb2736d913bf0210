/**
 * The Gridlink bus (core/bus) as a subject of `npm run bench:bus`: each run
 * between two module processes (scripts in ./workers/ours-*.ts), every one a
 * full bus node (beacons, registry, envelope, batching) in a discovery domain
 * of its own. Peers on one host find each other on loopback and use ipc.
 */
import { createSocket } from 'node:dgram';
import { idleRun, oneWay, probedPublish, requestRun } from './runs.js';
import type { IdleParams, IdleResult, RequestParams, RequestResult, ThroughputParams, ThroughputResult } from './types.js';

/** A discovery domain of the run's own: a free UDP port and a unique cluster name. */
async function domain(): Promise<{ 'discovery-port': number; cluster: string }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { 'discovery-port': port, cluster: `bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}` };
}

/** `publish(topic, 64 B)` from one module process, counted in a subscribed module process from first to last. */
export async function publishThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  const where = await domain();
  return probedPublish(params, { script: 'ours-pub', label: 'ours-pub', args: { ...where, messages: params.messages, payload: params.payloadBytes } }, () => ({
    script: 'ours-sub',
    label: 'ours-sub',
    args: where,
  }));
}

/** `send(role, 64 B)` from one module process to the one module holding the role, counted at the receiver. */
export async function sendThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  const where = await domain();
  return oneWay(params, { script: 'ours-sink', label: 'ours-sink', args: { ...where, messages: params.messages } }, () => ({
    script: 'ours-send',
    label: 'ours-send',
    args: { ...where, messages: params.messages, payload: params.payloadBytes },
  }));
}

/** `request(role, 64 B)` answered by an echo handler in another module process, `inFlight` outstanding. */
export async function requestReply(params: RequestParams): Promise<RequestResult> {
  const where = await domain();
  return requestRun(params, { script: 'ours-echo', label: 'ours-echo', args: where }, () => ({
    script: 'ours-request',
    label: 'ours-request',
    args: { ...where, warmup: params.warmup, requests: params.requests, 'in-flight': params.inFlight, payload: params.payloadBytes },
  }));
}

/** VmRSS of an idle module process (a real Module under ModuleRuntime) that has joined the bus with one other module. */
export async function idleRss(params: IdleParams): Promise<IdleResult> {
  const where = await domain();
  return idleRun(
    params,
    { script: 'ours-idle', label: 'ours-idle-a', args: { ...where, name: 'idle-a', peer: 'idle-b' } },
    { script: 'ours-idle', label: 'ours-idle-b', args: { ...where, name: 'idle-b', peer: 'idle-a' } },
  );
}
