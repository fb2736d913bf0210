/**
 * Raw zeromq.js 6.8.0 peer of `npm run bench:bus`: the same socket patterns
 * the Gridlink bus uses, with nothing on top, each run between two worker
 * processes over tcp://127.0.0.1 (scripts in ./workers/zmq-*.ts).
 */
import { stringField } from '../harness.js';
import { idleRun, oneWay, probedPublish, requestRun } from './runs.js';
import type { IdleParams, IdleResult, RequestParams, RequestResult, ThroughputParams, ThroughputResult } from './types.js';

/** High-water mark of every socket in the throughput runs (as in research/bus.md, Appendix A). */
export const HWM = 100_000;

/** PUB → SUB, one topic, counted at the subscriber from its first to its last message. */
export function publishThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  return probedPublish(params, { script: 'zmq-pub', label: 'zmq-pub', args: { messages: params.messages, payload: params.payloadBytes, hwm: HWM } }, (ready) => ({
    script: 'zmq-sub',
    label: 'zmq-sub',
    args: { endpoint: stringField(ready, 'endpoint', 'zmq-pub'), hwm: HWM },
  }));
}

/** DEALER → ROUTER one-way (the pattern of the bus's `send`), counted at the ROUTER. */
export function sendThroughput(params: ThroughputParams): Promise<ThroughputResult> {
  return oneWay(params, { script: 'zmq-router-sink', label: 'zmq-router', args: { messages: params.messages, hwm: HWM } }, (ready) => ({
    script: 'zmq-dealer-send',
    label: 'zmq-dealer',
    args: { endpoint: stringField(ready, 'endpoint', 'zmq-router'), messages: params.messages, payload: params.payloadBytes, hwm: HWM },
  }));
}

/** DEALER ↔ ROUTER echo, `inFlight` requests outstanding, timed at the DEALER. */
export function requestReply(params: RequestParams): Promise<RequestResult> {
  return requestRun(params, { script: 'zmq-router-echo', label: 'zmq-router', args: { hwm: HWM } }, (ready) => ({
    script: 'zmq-dealer-request',
    label: 'zmq-dealer',
    args: {
      endpoint: stringField(ready, 'endpoint', 'zmq-router'),
      warmup: params.warmup,
      requests: params.requests,
      'in-flight': params.inFlight,
      payload: params.payloadBytes,
      hwm: HWM,
    },
  }));
}

/** Two idle processes with a bus peer's sockets, connected to each other; VmRSS of one of them. */
export function idleRss(params: IdleParams): Promise<IdleResult> {
  return idleRun(params, { script: 'zmq-idle', label: 'zmq-idle-a' }, { script: 'zmq-idle', label: 'zmq-idle-b' }, (a, b) => {
    a.go(b.ready);
    b.go(a.ready);
  });
}
