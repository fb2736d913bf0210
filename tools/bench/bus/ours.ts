/**
 * The Gridlink bus (core/bus) as a subject of `npm run bench:bus`.
 *
 * Not wired yet: every function throws, and the table shows "n/a" for ours.
 * To wire it, implement each function like its twin in ./zeromq.ts: start
 * two worker processes (one script per side per pattern, e.g.
 * ./workers/ours-publisher.ts and ./workers/ours-subscriber.ts, mirroring
 * ./workers/zmq-*.ts and using ./workers/common.ts for counting and timing),
 * each a bus module over tcp://127.0.0.1, and return what the receiver or
 * requester measured. See docs/BENCHMARKS.md for what each row measures.
 */
import type { IdleParams, IdleResult, RequestParams, RequestResult, ThroughputParams, ThroughputResult } from './types.js';

function notWired(): never {
  throw new Error('gridlink bus not wired yet');
}

/** `publish(topic, 64 B)` from one module process, counted in a subscribed module process from first to last. */
export async function publishThroughput(_params: ThroughputParams): Promise<ThroughputResult> {
  return notWired();
}

/** `send(role, 64 B)` from one module process to the one module holding the role, counted at the receiver. */
export async function sendThroughput(_params: ThroughputParams): Promise<ThroughputResult> {
  return notWired();
}

/** `request(role, 64 B)` answered by an echo handler in another module process, `inFlight` outstanding. */
export async function requestReply(_params: RequestParams): Promise<RequestResult> {
  return notWired();
}

/** VmRSS of an idle module process that has joined the bus with one other module. */
export async function idleRss(_params: IdleParams): Promise<IdleResult> {
  return notWired();
}
