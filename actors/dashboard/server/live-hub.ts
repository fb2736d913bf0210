// /api/live: one WebSocket per browser tab (the `ws` package), opened with the session cookie
// (checked on upgrade, like the Origin) and closed when the session ends. JSON text frames of
// LiveMessage go to every socket; the browser sends nothing but pings. A browser that does not
// keep up (more than liveMaxBufferedBytes queued) is dropped rather than letting the dashboard's
// memory grow; one that stops answering pings is dropped at the next ping.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../../core/log/logger.js';
import type { LiveMessage } from '../api.js';
import type { LiveBroadcast } from './context.js';
import type { Session } from './router.js';

/** Close codes the browser sees: 4401 session ended; 4408 too slow (1008/1013 style, app range). */
export const CLOSE_SESSION_ENDED = 4401;
export const CLOSE_TOO_SLOW = 4408;

interface Client {
  socket: WebSocket;
  session: Session;
  alive: boolean;
}

export interface LiveHubOptions {
  pingMs: number;
  maxBufferedBytes: number;
  /** Whether the session is still valid (checked at every ping). */
  sessionAlive: (session: Session) => boolean;
  log: Logger;
}

export class LiveHub implements LiveBroadcast {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly clients = new Set<Client>();
  private readonly pinger: NodeJS.Timeout;
  private dropped = 0;
  private sent = 0;

  constructor(private readonly options: LiveHubOptions) {
    this.pinger = setInterval(() => this.ping(), options.pingMs);
    this.pinger.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get stats(): { clients: number; sent: number; droppedSlow: number } {
    return { clients: this.clients.size, sent: this.sent, droppedSlow: this.dropped };
  }

  /** Takes over an HTTP upgrade the server has already authorised for `session`. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, session: Session): void {
    this.server.handleUpgrade(request, socket, head, (ws) => {
      const client: Client = { socket: ws, session, alive: true };
      this.clients.add(client);
      ws.on('pong', () => (client.alive = true));
      // The browser has nothing to say; a message counts as a sign of life only.
      ws.on('message', () => (client.alive = true));
      ws.on('close', () => this.clients.delete(client));
      ws.on('error', (error) => {
        this.options.log.debug('live socket error', { user: session.user, error: error.message });
        this.clients.delete(client);
      });
    });
  }

  broadcast(message: LiveMessage): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const client of this.clients) {
      if (client.socket.readyState !== client.socket.OPEN) continue;
      if (client.socket.bufferedAmount + text.length > this.options.maxBufferedBytes) {
        this.dropped++;
        this.options.log.warn('live socket dropped: the browser does not keep up', { user: client.session.user, bufferedBytes: client.socket.bufferedAmount });
        this.clients.delete(client);
        client.socket.terminate();
        continue;
      }
      client.socket.send(text);
      this.sent++;
    }
  }

  /** Closes the sockets of a session that ended (logout, expiry, user removed). */
  endSession(session: Session): void {
    for (const client of this.clients) {
      if (client.session.id !== session.id) continue;
      this.clients.delete(client);
      client.socket.close(CLOSE_SESSION_ENDED, 'session ended');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private ping(): void {
    for (const client of this.clients) {
      if (!this.options.sessionAlive(client.session)) {
        this.clients.delete(client);
        client.socket.close(CLOSE_SESSION_ENDED, 'session ended');
        continue;
      }
      if (!client.alive) {
        this.clients.delete(client);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}
