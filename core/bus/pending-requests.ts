import { PeerGoneError, TimeoutError, type BusError } from './errors.js';

export interface ReplyMessage {
  readonly type: string;
  readonly body: Uint8Array;
  readonly sender: string;
}

interface Pending {
  resolve(reply: ReplyMessage): void;
  reject(error: BusError): void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
  peer: string;
  role: string;
  type: string;
}

/**
 * Requests in flight, by correlation id (the NATS.js "mux subscription"
 * idea: one inbox, a token map, and failing everything that depended on a
 * peer the moment that peer is gone).
 */
export class PendingRequests {
  private readonly byId = new Map<number, Pending>();
  private readonly byPeer = new Map<string, Set<number>>();
  private next = 1;

  get size(): number {
    return this.byId.size;
  }

  add(peer: string, role: string, type: string, timeoutMs: number): { id: number; promise: Promise<ReplyMessage> } {
    let id = this.next;
    while (this.byId.has(id) || id === 0) id = (id + 1) >>> 0;
    this.next = (id + 1) >>> 0;
    const promise = new Promise<ReplyMessage>((resolve, reject) => {
      // The id travels as the timer's argument: no closure per request.
      const timer = setTimeout(this.expire, timeoutMs, id);
      this.byId.set(id, { resolve, reject, timer, timeoutMs, peer, role, type });
    });
    let set = this.byPeer.get(peer);
    if (!set) this.byPeer.set(peer, (set = new Set()));
    set.add(id);
    return { id, promise };
  }

  resolve(id: number, reply: ReplyMessage): boolean {
    const pending = this.take(id);
    if (!pending) return false;
    pending.resolve(reply);
    return true;
  }

  reject(id: number, error: (p: { role: string; type: string; peer: string }) => BusError): boolean {
    const pending = this.take(id);
    if (!pending) return false;
    pending.reject(error(pending));
    return true;
  }

  /** Fails every request waiting on a peer; returns how many. */
  failPeer(peer: string, why: string): number {
    const ids = this.byPeer.get(peer);
    if (!ids) return 0;
    let count = 0;
    for (const id of [...ids]) {
      if (this.reject(id, (p) => new PeerGoneError(p.role, p.type, peer, why))) count++;
    }
    this.byPeer.delete(peer);
    return count;
  }

  failAll(make: (p: { role: string; type: string; peer: string }) => BusError): void {
    for (const id of [...this.byId.keys()]) this.reject(id, make);
  }

  private readonly expire = (id: number): void => {
    const pending = this.take(id);
    if (pending) pending.reject(new TimeoutError(pending.role, pending.type, pending.timeoutMs, pending.peer));
  };

  private take(id: number): Pending | undefined {
    const pending = this.byId.get(id);
    if (!pending) return undefined;
    this.byId.delete(id);
    clearTimeout(pending.timer);
    const set = this.byPeer.get(pending.peer);
    if (set) {
      set.delete(id);
      if (set.size === 0) this.byPeer.delete(pending.peer);
    }
    return pending;
  }
}
