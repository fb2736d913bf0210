// How the AppManager tells that an app runs: its process (pid, from the host agent) has a record
// in this module's registry replica in state "running" — the original Gridlink's criterion of a
// successful start — and, in a health window, that this record does not leave.

import type { Bus, ModuleRecord } from '../../core/bus/index.js';

/** Resolves with the record once the process with `pid` on this host is running on the bus; undefined after `timeoutMs` or when `cancel` settles. */
export function waitForRegistration(bus: Bus, pid: number, timeoutMs: number, cancel?: Promise<unknown>): Promise<ModuleRecord | undefined> {
  const match = (record: ModuleRecord): boolean => record.pid === pid && record.hostKey === bus.record.hostKey && record.state === 'running';
  const known = bus.registry.list().find(match);
  if (known) return Promise.resolve(known);
  return new Promise((resolve) => {
    const subscription = bus.changes.subscribe((change) => {
      if (change.kind !== 'leave' && match(change.record)) finish(change.record);
    });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    void cancel?.then(
      () => finish(undefined),
      () => finish(undefined),
    );
    function finish(record: ModuleRecord | undefined): void {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(record);
    }
  });
}

/** Resolves with the reason if the module `id` leaves the bus within `windowMs`; undefined if it stays. */
export function watchHealth(bus: Bus, id: string, windowMs: number): Promise<string | undefined> {
  if (!bus.registry.list().some((record) => record.id === id)) return Promise.resolve('it left the bus before its health window began');
  return new Promise((resolve) => {
    const subscription = bus.changes.subscribe((change) => {
      if (change.kind === 'leave' && change.record.id === id) finish(`it left the bus: ${change.reason}`);
      else if (change.kind === 'update' && change.record.id === id && change.record.state !== 'running') finish(`its state became ${change.record.state}`);
    });
    const timer = setTimeout(() => finish(undefined), windowMs);
    function finish(reason: string | undefined): void {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(reason);
    }
  });
}
