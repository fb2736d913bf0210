import { Outbox } from './outbox.js';
import type { ModuleRecord } from './registry.js';
import type { SocketWriter } from './socket-writer.js';
import type { Dealer } from './zeromq.js';

/** One peer module as this node sees it: the DEALER that reaches its ROUTER, what waits for it, how alive it looks. */
export class PeerLink {
  lastSeen = Date.now();
  state: 'alive' | 'evasive' = 'alive';
  record?: ModuleRecord;
  pubEndpoint?: string;

  constructor(
    readonly id: string,
    readonly endpoint: string,
    readonly dealer: Dealer,
    readonly writer: SocketWriter,
    readonly outbox: Outbox,
  ) {}
}
