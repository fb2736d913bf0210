// Operator notifications over XMPP: each notification's text as a chat message to every JID of
// `to`. While the connection is down (login retried, @xmpp/client reconnecting) the texts wait in
// a bounded queue and go out, oldest first, once it is online again; beyond the bound the oldest
// are dropped and counted (the notifications stay on `alarms/notifications` and the alarms in
// GetAlarms either way). Flood protection upstream keeps the rate low, so the bound is rarely met.

import type { Logger } from '../../core/log/logger.js';
import { XmppConnection, type XmppAccount } from '../../core/xmpp/xmpp-connection.js';

export interface XmppNotifierSettings extends XmppAccount {
  /** Bare JIDs that get every notification. */
  readonly to: readonly string[];
}

const MAX_QUEUED = 500;

export class XmppNotifier {
  private readonly connection: XmppConnection;
  private readonly queue: string[] = [];
  private dropped = 0;
  private sending = false;
  private sent = 0;

  constructor(
    private readonly settings: XmppNotifierSettings,
    private readonly log: Logger,
  ) {
    this.connection = new XmppConnection(settings, log, 'alarms');
    this.connection.onOnline(() => void this.drain());
  }

  start(): Promise<void> {
    return this.connection.start();
  }

  /** Queues a text for every recipient; sent now when online. */
  notify(text: string): void {
    if (this.settings.to.length === 0) return;
    this.queue.push(text);
    if (this.queue.length > MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 100 === 0) this.log.warn('XMPP notifications dropped while offline', { dropped: this.dropped, queued: this.queue.length });
    }
    void this.drain();
  }

  stats(): { sent: number; queued: number; dropped: number; online: boolean } {
    return { sent: this.sent, queued: this.queue.length, dropped: this.dropped, online: this.connection.online };
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && this.connection.online) {
        const text = this.queue[0]!;
        try {
          for (const to of this.settings.to) await this.connection.sendChat(to, text);
        } catch (error) {
          // Left in the queue: the next 'online' sends it (a recipient may then get it twice).
          this.log.warn('XMPP notification not sent; kept for the reconnect', { error: error instanceof Error ? error.message : String(error) });
          return;
        }
        this.queue.shift();
        this.sent++;
      }
    } finally {
      this.sending = false;
    }
  }
}
