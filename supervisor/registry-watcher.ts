/**
 * Maps the pid of a child process on this host to its bus record (module id,
 * incarnation) through this agent's registry replica, and tells when such a
 * record expires (its heartbeats stopped) while the process still runs.
 */
import type { Subscription } from 'rxjs';
import type { Bus, ModuleRecord } from '../core/bus/bus.js';

export interface Registration {
  readonly id: string;
  readonly incarnation: bigint;
  readonly name: string;
}

export class RegistryWatcher {
  private readonly byPid = new Map<number, ModuleRecord>();
  private readonly waiters = new Map<number, Set<(record: ModuleRecord) => void>>();
  private readonly expiredListeners = new Set<(pid: number, record: ModuleRecord, reason: string) => void>();
  private readonly subscription: Subscription;

  constructor(private readonly bus: Bus) {
    for (const record of bus.registry.list()) this.seen(record);
    this.subscription = bus.changes.subscribe((change) => {
      if (change.kind === 'leave') {
        const known = this.byPid.get(change.record.pid);
        if (known?.id === change.record.id) {
          this.byPid.delete(change.record.pid);
          if (change.reason.startsWith('expired')) for (const listener of this.expiredListeners) listener(change.record.pid, change.record, change.reason);
        }
      } else this.seen(change.record);
    });
  }

  /** The record of the module process with this pid, if it has registered. */
  lookup(pid: number): Registration | undefined {
    return this.byPid.get(pid);
  }

  /** Resolves with the record once the process registers (undefined after `timeoutMs` or when `cancel` resolves). */
  waitFor(pid: number, timeoutMs: number, cancel: Promise<unknown>): Promise<Registration | undefined> {
    const known = this.byPid.get(pid);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      let set = this.waiters.get(pid);
      if (!set) this.waiters.set(pid, (set = new Set()));
      const done = (record: ModuleRecord | undefined): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(pid);
        resolve(record);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      set.add(done);
      void cancel.then(() => done(undefined));
    });
  }

  /** Called when a child's record expires in this replica (its heartbeats stopped). */
  onExpired(listener: (pid: number, record: Registration, reason: string) => void): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  /** Forgets a pid whose process ended. */
  forget(pid: number): void {
    this.byPid.delete(pid);
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  private seen(record: ModuleRecord): void {
    if (record.hostKey !== this.bus.record.hostKey || record.id === this.bus.id || record.pid <= 0) return;
    if (record.state !== 'running') return;
    this.byPid.set(record.pid, record);
    for (const waiter of [...(this.waiters.get(record.pid) ?? [])]) waiter(record);
  }
}
