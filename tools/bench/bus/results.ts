/** Reading worker reports into the result types of ./types.ts (shared by every bus subject). */
import { numberField, type WireData } from '../harness.js';
import type { RequestResult, ThroughputResult } from './types.js';

/**
 * Combines a sender's report {sent} and a receiver's report
 * {received, seconds, messagesPerSecond}. Notes dropped messages on stderr;
 * throws when (almost) nothing arrived.
 */
export function throughputResult(sender: WireData, receiver: WireData, receiverLabel: string): ThroughputResult {
  const result: ThroughputResult = {
    messagesPerSecond: numberField(receiver, 'messagesPerSecond', receiverLabel),
    received: numberField(receiver, 'received', receiverLabel),
    seconds: numberField(receiver, 'seconds', receiverLabel),
    sent: numberField(sender, 'sent', 'sender'),
  };
  if (result.received < 2 || result.messagesPerSecond <= 0) {
    throw new Error(`${receiverLabel}: only ${result.received} of ${result.sent} messages arrived`);
  }
  if (result.received < result.sent) {
    const lost = result.sent - result.received;
    process.stderr.write(
      `  [${receiverLabel}] received ${result.received} of ${result.sent} (${lost} dropped, ${((100 * lost) / result.sent).toFixed(1)} %)\n`,
    );
  }
  return result;
}

/** Reads a requester's report {requestsPerSecond, p50Us, p99Us, requests, seconds}. */
export function requestResult(data: WireData, from: string): RequestResult {
  return {
    requestsPerSecond: numberField(data, 'requestsPerSecond', from),
    p50Us: numberField(data, 'p50Us', from),
    p99Us: numberField(data, 'p99Us', from),
    requests: numberField(data, 'requests', from),
    seconds: numberField(data, 'seconds', from),
  };
}
