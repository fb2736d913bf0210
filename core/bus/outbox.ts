import { BatchWriter } from './batch.js';
import type { EnvelopeEncoder, EnvelopeTemplate, MessageKind } from './envelope.js';

/** Messages waiting for one (kind, target, type) on one destination. */
export interface OutboxEntry {
  readonly kind: MessageKind;
  readonly target: string;
  readonly type: string;
  readonly batch: BatchWriter;
  readonly template: EnvelopeTemplate;
  /** Frame sent before the envelope (the topic of a publication), if any. */
  readonly prefix?: Buffer;
}

/** A batch this large leaves at once instead of at the end of the turn. */
export const FLUSH_BYTES = 256 * 1024;

const SEPARATOR = '\u0000';

/**
 * What one destination (a peer's DEALER, or our publisher) has yet to send
 * this turn, one batch per (kind, target, type). The bus appends during a turn
 * of the event loop and drains everything at its end.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  /** Something was appended since the last drain. */
  dirty = false;

  constructor(
    private readonly encoder: EnvelopeEncoder,
    private readonly prefixOf?: (target: string) => Buffer,
  ) {}

  /** Appends one message; returns its entry so the caller can drain it early when it is full. */
  append(kind: MessageKind, target: string, type: string, body: Uint8Array, correlationId: number, deadlineMs: number): OutboxEntry {
    const key = `${kind}${SEPARATOR}${target}${SEPARATOR}${type}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { kind, target, type, batch: new BatchWriter(), template: this.encoder.template(kind, target, type), prefix: this.prefixOf?.(target) };
      if (this.entries.size > 10_000) this.dropEmpty();
      this.entries.set(key, entry);
    }
    entry.batch.append(body, correlationId);
    if (deadlineMs > entry.batch.deadlineMs) entry.batch.deadlineMs = deadlineMs;
    this.dirty = true;
    return entry;
  }

  /** The frames of an entry's batch ([prefix,] envelope, bodies), emptying it; undefined when empty. */
  take(entry: OutboxEntry): { frames: (Buffer | Uint8Array)[]; count: number } | undefined {
    const count = entry.batch.count;
    if (count === 0) return undefined;
    const envelope = this.encoder.fill(entry.template, 0, entry.batch.deadlineMs, count);
    const body = entry.batch.take();
    return { frames: entry.prefix ? [entry.prefix, envelope, body] : [envelope, body], count };
  }

  /** Hands every non-empty batch to `send`. */
  drain(send: (entry: OutboxEntry, frames: (Buffer | Uint8Array)[], count: number) => void): void {
    this.dirty = false;
    for (const entry of this.entries.values()) {
      const taken = this.take(entry);
      if (taken) send(entry, taken.frames, taken.count);
    }
  }

  /** Forgets idle entries (targets and types come and go over a long run). */
  private dropEmpty(): void {
    for (const [key, entry] of this.entries) if (entry.batch.count === 0) this.entries.delete(key);
  }
}
