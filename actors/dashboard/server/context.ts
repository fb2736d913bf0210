// What every route file gets (register<Area>Routes(router, ctx)): the bus behind the dashboard,
// the live hub, the audit log, the settings and a logger. Routes never reach the bus any other way.

import type { ModuleRecord } from '../../../core/bus/index.js';
import type { Logger } from '../../../core/log/logger.js';
import type { MessageType } from '../../../core/schema/message-type.js';
import type { AuditEntry, LiveMessage } from '../api.js';
import type { DashboardSettings } from '../settings.js';

export interface DashboardBus {
  /**
   * Asks one holder of `address` (a role such as "alarms", or "supervisor@<agent id>").
   * Rejects with the BusError; a handler that lets it escape answers 503/504/502 by its kind
   * (see api-failure.ts), or catch it to decode a module's own error reply.
   */
  request<T, R>(address: string, type: MessageType<T>, value: T, replyType: MessageType<R>, timeoutMs?: number): Promise<R>;
  publish<T>(topic: string, type: MessageType<T>, value: T): void;
  /** Decoded publications of `topic` ("prefix/*" for a prefix) until the returned function is called. */
  subscribe<T>(topic: string, type: MessageType<T>, handler: (value: T) => void): () => void;
  /** This process's replica of the registry. */
  modules(): readonly ModuleRecord[];
  holders(role: string): readonly ModuleRecord[];
}

/** Fan-out to every browser on /api/live. */
export interface LiveBroadcast {
  broadcast(message: LiveMessage): void;
}

/** `atMs` defaults to now. */
export type AuditInput = Omit<AuditEntry, 'atMs'> & { atMs?: number };

export interface AuditWriter {
  write(entry: AuditInput): void;
}

export interface RouteContext {
  bus: DashboardBus;
  log: Logger;
  live: LiveBroadcast;
  audit: AuditWriter;
  settings: DashboardSettings;
}
