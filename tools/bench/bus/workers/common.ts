/**
 * Pieces shared by the bus benchmark's worker scripts, whatever the
 * transport: the receiver-side throughput counter and the request loops.
 * Mirror these in the workers of "ours" so all subjects are timed alike.
 */
import { nowNs, summarize } from '../../stats.js';
import type { WireData } from '../../wire.js';

/** A payload of `bytes` bytes with a recognisable, non-zero pattern. */
export function makePayload(bytes: number): Buffer {
  const payload = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = 0x41 + (i % 26);
  return payload;
}

/** Counts messages at the receiver and times them from the first to the last one. */
export class ThroughputCounter {
  received = 0;
  private firstNs = 0;
  private lastNs = 0;

  /** Call once per received data message. */
  tick(): void {
    const t = nowNs();
    if (this.received === 0) this.firstNs = t;
    this.lastNs = t;
    this.received++;
  }

  /**
   * The receiver's figures. With n messages there are n-1 intervals between
   * the first and the last, so the rate is (n-1) ÷ seconds.
   */
  result(): WireData {
    const seconds = (this.lastNs - this.firstNs) / 1e9;
    const messagesPerSecond = this.received > 1 && seconds > 0 ? (this.received - 1) / seconds : 0;
    return { received: this.received, seconds, messagesPerSecond };
  }
}

/** The figures a requester reports (see RequestResult in ../types.ts). */
export function requestFigures(latenciesNs: Float64Array, seconds: number): WireData {
  const summary = summarize(latenciesNs);
  return {
    requests: latenciesNs.length,
    seconds,
    requestsPerSecond: latenciesNs.length / seconds,
    p50Us: summary.p50 / 1000,
    p99Us: summary.p99 / 1000,
    p999Us: summary.p999 / 1000,
    maxUs: summary.max / 1000,
  };
}

/**
 * A closed loop for clients whose request() returns a promise per request:
 * keeps `inFlight` requests outstanding until `total` have completed and
 * records each round trip. Returns the latencies (ns) and the elapsed seconds.
 */
export async function closedLoop(
  total: number,
  inFlight: number,
  request: () => Promise<unknown>,
): Promise<{ latenciesNs: Float64Array; seconds: number }> {
  const latenciesNs = new Float64Array(total);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const start = nowNs();
      await request();
      latenciesNs[i] = nowNs() - start;
    }
  };
  const started = nowNs();
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  return { latenciesNs, seconds: (nowNs() - started) / 1e9 };
}
