/**
 * The measurement functions of `npm run bench:bus`, one set per subject
 * (raw zeromq.js in zeromq.ts, NATS in nats.ts, the Gridlink bus in ours.ts).
 * Each function runs in the benchmark process and drives TWO worker processes
 * over loopback TCP (127.0.0.1); figures are measured where stated.
 */

/** A one-way throughput run. */
export interface ThroughputParams {
  /** Messages the sender sends in the timed phase. */
  messages: number;
  /** Payload size in bytes (64 in the table). */
  payloadBytes: number;
  /** Time limit for the whole run, worker start-up included. */
  timeoutMs: number;
}

/** Measured at the receiver, from the first to the last message received. */
export interface ThroughputResult {
  /** received ÷ seconds. */
  messagesPerSecond: number;
  /** Messages the sender handed to its socket/client. */
  sent: number;
  /** Messages the receiver counted (below `sent` when publications were dropped). */
  received: number;
  /** Seconds from the first to the last message at the receiver. */
  seconds: number;
}

/** A request/reply run. */
export interface RequestParams {
  /** Untimed requests first (connection set-up, JIT warm-up). */
  warmup: number;
  /** Timed requests. */
  requests: number;
  /** Requests outstanding at any time: 1 = one at a time (latency), 10, 100 (throughput). */
  inFlight: number;
  payloadBytes: number;
  timeoutMs: number;
}

/** Measured at the requester. */
export interface RequestResult {
  /** requests ÷ seconds of the timed phase. */
  requestsPerSecond: number;
  /** Round trip per request, from the send to its reply, in microseconds. */
  p50Us: number;
  p99Us: number;
  requests: number;
  seconds: number;
}

/** An idle-module memory run. */
export interface IdleParams {
  /** How long the module sits idle, after creating and connecting its sockets, before sampling. */
  settleMs: number;
  /** How long VmRSS is sampled (every 100 ms). */
  sampleMs: number;
  timeoutMs: number;
}

export interface IdleResult {
  /** Largest VmRSS of the idle module process while sampled, in bytes. */
  rssBytes: number;
}

/** Every bus subject implements these with exactly these signatures (ours.ts, zeromq.ts). */
export interface BusMeasurements {
  /** publish: 1 publisher process → 1 subscriber process, one topic. */
  publishThroughput(params: ThroughputParams): Promise<ThroughputResult>;
  /** send: one-way, 1 sender process → 1 receiver process. */
  sendThroughput(params: ThroughputParams): Promise<ThroughputResult>;
  /** request: requester process ↔ replier process that echoes the payload. */
  requestReply(params: RequestParams): Promise<RequestResult>;
  /** Idle module: a process that has set up its bus sockets (connected to one other peer) and sits idle. */
  idleRss(params: IdleParams): Promise<IdleResult>;
}

/** NATS has no direct "send"/idle-module counterpart in this bench. */
export type NatsMeasurements = Pick<BusMeasurements, 'publishThroughput' | 'requestReply'>;
