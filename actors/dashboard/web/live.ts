// The /api/live socket: one per tab, opened after login, reopened after any drop with a growing
// delay (0.5 s .. 10 s), so a dashboard restart or a network hiccup heals by itself. Pages
// subscribe by message type and refetch their lists when the socket reopens, since messages
// sent while it was down are lost.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveMessage } from '../api.js';

export type LiveType = LiveMessage['type'];
export type LiveMessageOf<T extends LiveType> = Extract<LiveMessage, { type: T }>;
/** "connecting" (first time or again), "open", "closed" (stopped: logged out). */
export type LiveStatus = 'connecting' | 'open' | 'closed';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

type AnyHandler = (message: LiveMessage) => void;

export class LiveClient {
  status: LiveStatus = 'closed';
  /** Times the socket opened; > 1 means it reconnected (pages refetch). */
  opened = 0;
  /**
   * Asked before each reconnection: false stops trying (the session is over; the caller
   * shows the login page). Set by the app to a session probe.
   */
  beforeReconnect: (() => Promise<boolean>) | undefined;

  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delayMs = FIRST_DELAY_MS;
  private stopped = true;
  private readonly handlers = new Map<LiveType, Set<AnyHandler>>();
  private readonly statusHandlers = new Set<(status: LiveStatus) => void>();

  constructor(private readonly url: string = LiveClient.defaultUrl()) {}

  static defaultUrl(): string {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${window.location.host}/api/live`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.delayMs = FIRST_DELAY_MS;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'logout');
    this.setStatus('closed');
  }

  /** Calls `handler` with every message of that type; returns the unsubscribe function. */
  on<T extends LiveType>(type: T, handler: (message: LiveMessageOf<T>) => void): () => void {
    let set = this.handlers.get(type);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(type, set);
    }
    const wrapped = handler as AnyHandler;
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  }

  /** Calls `handler` on every status change; returns the unsubscribe function. */
  onStatus(handler: (status: LiveStatus) => void): () => void {
    this.statusHandlers.add(handler);
    return () => {
      this.statusHandlers.delete(handler);
    };
  }

  private connect(): void {
    this.setStatus('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.delayMs = FIRST_DELAY_MS;
      this.opened += 1;
      this.setStatus('open');
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      let message: LiveMessage;
      try {
        message = JSON.parse(event.data) as LiveMessage;
      } catch {
        return;
      }
      const set = this.handlers.get(message.type);
      if (set === undefined) return;
      for (const handler of [...set]) {
        try {
          handler(message);
        } catch (error) {
          // One page's bug must not stop the others' updates.
          console.error(`live ${message.type} handler failed`, error);
        }
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.stopped) return;
      this.setStatus('connecting');
      this.timer = setTimeout(() => void this.reconnect(), this.delayMs);
      this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
    };
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    let goOn = true;
    try {
      goOn = this.beforeReconnect === undefined ? true : await this.beforeReconnect();
    } catch {
      // The dashboard itself is unreachable: keep trying, the socket will tell.
      goOn = true;
    }
    if (this.stopped) return;
    if (!goOn) {
      this.stop();
      return;
    }
    this.connect();
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const handler of [...this.statusHandlers]) handler(status);
  }
}

/** Subscribes a component to one message type for its lifetime; `handler` may change each render. */
export function useLive<T extends LiveType>(live: LiveClient, type: T, handler: (message: LiveMessageOf<T>) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => live.on(type, (message) => latest.current(message)), [live, type]);
}

/** The socket's status, rendering again on change. */
export function useLiveStatus(live: LiveClient): LiveStatus {
  const [status, setStatus] = useState(live.status);
  useEffect(() => {
    setStatus(live.status);
    return live.onStatus(setStatus);
  }, [live]);
  return status;
}

/**
 * A number that grows each time the socket reopens after a drop: put it in a fetch effect's
 * inputs so the page reloads its list (messages sent while the socket was down were lost).
 * The first opening does not count: the page fetched when it mounted.
 */
export function useLiveGeneration(live: LiveClient): number {
  useLiveStatus(live);
  return Math.max(0, live.opened - 1);
}
