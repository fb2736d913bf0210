/**
 * The hosts as this bus peer sees them: the last HostStatus each host agent published on
 * "supervisor/hosts", and which hosts are lost (their agent left the bus, or stopped reporting).
 * Placement chooses only among hosts that are up.
 */
import type { Subscription } from 'rxjs';
import type { Bus, Delivery } from '../../bus/bus.js';
import { HostStatus, HostStatusRequest } from '../../../schemas/generated/messages.js';

/** Same topic as HOSTS_TOPIC in supervisor/agent.ts (core does not import supervisor/). */
export const HOST_STATUS_TOPIC = 'supervisor/hosts';
/** The agents' role; "supervisor@<agent id>" addresses one agent. */
export const AGENT_ROLE = 'supervisor';

export interface KnownHost {
  name: string;
  status: HostStatus;
  /** When the last status arrived here (this clock). */
  lastSeenMs: number;
  /** Why the host is lost; undefined while it is up. */
  lost?: string;
}

export type HostChange = { kind: 'up'; host: string; status: HostStatus } | { kind: 'lost'; host: string; reason: string };

export interface HostMonitorOptions {
  /** A host whose last status is older than this is lost (default 10 s; agents report every 2 s). */
  staleAfterMs?: number;
}

export class HostMonitor {
  private readonly hosts = new Map<string, KnownHost>();
  private readonly listeners = new Set<(change: HostChange) => void>();
  private readonly unsubscribe: () => void;
  private readonly registryWatch: Subscription;
  private readonly timer: NodeJS.Timeout;
  private readonly staleAfterMs: number;

  constructor(
    private readonly bus: Bus,
    options: HostMonitorOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
    this.unsubscribe = bus.subscribe(HOST_STATUS_TOPIC, (delivery: Delivery) => {
      if (delivery.type !== HostStatus.name) return;
      try {
        this.record(HostStatus.decode(delivery.body));
      } catch (error) {
        bus.log.warn('a malformed HostStatus was ignored', { sender: delivery.sender, error: (error as Error).message });
      }
    });
    this.registryWatch = bus.changes.subscribe((change) => {
      if (change.kind !== 'leave') return;
      for (const host of this.hosts.values()) {
        if (host.status.agentId === change.record.id) this.markLost(host, `its agent ${change.record.id} left the bus (${change.reason})`);
      }
    });
    this.timer = setInterval(() => this.checkStale(), Math.min(1000, this.staleAfterMs / 2));
    this.timer.unref();
  }

  /** Every host that reported since this monitor started, up or lost, by name. */
  list(): KnownHost[] {
    return [...this.hosts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): KnownHost | undefined {
    return this.hosts.get(name);
  }

  /** Reports every host coming up (again) and every host lost. */
  onChange(listener: (change: HostChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks one agent for its status now (after a placement, the published one is up to a period old). */
  async refresh(agentId: string, timeoutMs = 3000): Promise<HostStatus> {
    const status = await this.bus.request(`${AGENT_ROLE}@${agentId}`, HostStatusRequest, {}, HostStatus, { timeoutMs });
    this.record(status);
    return status;
  }

  /** Resolves with the host's status once `accept` holds for it; rejects after `timeoutMs`. */
  waitFor(name: string, accept: (host: KnownHost) => boolean, timeoutMs: number): Promise<KnownHost> {
    return new Promise<KnownHost>((resolve, reject) => {
      const check = (): boolean => {
        const host = this.hosts.get(name);
        if (host && accept(host)) {
          done();
          resolve(host);
          return true;
        }
        return false;
      };
      const poll = setInterval(check, 50);
      const timer = setTimeout(() => {
        done();
        const host = this.hosts.get(name);
        reject(new Error(`host ${name}: ${host ? `last status ${Math.round(Date.now() - host.lastSeenMs)} ms ago${host.lost ? `, lost: ${host.lost}` : ''}` : 'no HostStatus received'} (waited ${timeoutMs} ms)`));
      }, timeoutMs);
      const done = (): void => {
        clearInterval(poll);
        clearTimeout(timer);
      };
      check();
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    this.registryWatch.unsubscribe();
  }

  private record(status: HostStatus): void {
    const name = status.host ?? '';
    if (name === '') return;
    const known = this.hosts.get(name);
    // A status from an agent that has left (a late publication, or the dead incarnation) must not revive the host.
    const agentGone = status.agentId !== undefined && this.bus.registry.get(status.agentId) === undefined;
    if (known?.lost && (agentGone || known.status.agentId === status.agentId && status.atMs <= known.status.atMs)) return;
    if (known && !known.lost && known.status.agentId === status.agentId && status.atMs < known.status.atMs) return;
    const wasUp = known !== undefined && known.lost === undefined;
    this.hosts.set(name, { name, status, lastSeenMs: Date.now() });
    if (!wasUp) this.emit({ kind: 'up', host: name, status });
  }

  private markLost(host: KnownHost, reason: string): void {
    if (host.lost) return;
    host.lost = reason;
    this.bus.log.warn('host lost: excluded from placement', { host: host.name, reason });
    this.emit({ kind: 'lost', host: host.name, reason });
  }

  private checkStale(): void {
    const now = Date.now();
    for (const host of this.hosts.values()) {
      if (!host.lost && now - host.lastSeenMs > this.staleAfterMs) {
        this.markLost(host, `no HostStatus for ${((now - host.lastSeenMs) / 1000).toFixed(1)} s (its agent stopped reporting)`);
      }
    }
  }

  private emit(change: HostChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
