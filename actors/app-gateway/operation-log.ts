// Progress of operations as the gateway sees it: the AppEvents the AppManager publishes (topic
// app-manager/events), grouped by operation id, plus the final outcome of the operations the
// gateway itself forwarded. Followers (a server-sent-events stream, an XMPP requester) get what
// happened so far and then every new entry. Bounded: old operations are forgotten after
// `keepMs`, and at most MAX_OPERATIONS / MAX_EVENTS are kept.

import type { JsonObject } from '../../core/provisioning/app-manager-client/index.js';

export type OperationEntry =
  | { kind: 'event'; event: JsonObject }
  | { kind: 'result'; result: JsonObject }
  | { kind: 'error'; error: JsonObject };

type Follower = (entry: OperationEntry) => void;

interface Operation {
  entries: OperationEntry[];
  followers: Set<Follower>;
  finished: boolean;
  touchedMs: number;
}

const MAX_OPERATIONS = 1000;
const MAX_EVENTS = 1000;
const SETTLE_MS = 300;

export class OperationLog {
  private readonly operations = new Map<string, Operation>();

  constructor(private readonly keepMs: number) {}

  add(id: string, entry: OperationEntry): void {
    if (id === '') return;
    const operation = this.operation(id);
    if (operation.finished) return;
    if (operation.entries.length < MAX_EVENTS || entry.kind !== 'event') operation.entries.push(entry);
    operation.touchedMs = Date.now();
    if (entry.kind !== 'event') operation.finished = true;
    for (const follower of operation.followers) follower(entry);
  }

  /**
   * Records the outcome a moment later: the AppManager publishes an operation's last events just
   * before it replies, but a publication and a reply travel separately, so those events may
   * arrive after the reply; followers should still see them before the outcome.
   */
  finish(id: string, entry: Exclude<OperationEntry, { kind: 'event' }>): void {
    if (id === '') return;
    setTimeout(() => this.add(id, entry), SETTLE_MS).unref();
  }

  /** What is known of the operation: its entries so far and whether it ended. */
  snapshot(id: string): { entries: OperationEntry[]; finished: boolean } | undefined {
    const operation = this.operations.get(id);
    return operation && { entries: [...operation.entries], finished: operation.finished };
  }

  /** Hands `follower` the entries so far, then each new one; returns the function that stops it. */
  follow(id: string, follower: Follower): () => void {
    const operation = this.operation(id);
    for (const entry of operation.entries) follower(entry);
    operation.followers.add(follower);
    return () => operation.followers.delete(follower);
  }

  private operation(id: string): Operation {
    let operation = this.operations.get(id);
    if (!operation) {
      this.forgetOld();
      operation = { entries: [], followers: new Set(), finished: false, touchedMs: Date.now() };
      this.operations.set(id, operation);
    }
    return operation;
  }

  private forgetOld(): void {
    const now = Date.now();
    for (const [id, operation] of this.operations) {
      const old = now - operation.touchedMs > this.keepMs;
      if ((old || this.operations.size >= MAX_OPERATIONS) && operation.followers.size === 0) this.operations.delete(id);
      if (!old && this.operations.size < MAX_OPERATIONS) break;
    }
  }
}
