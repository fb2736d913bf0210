/** A discovery domain of the run's own (free UDP port, unique cluster), and waiting for a process to register in it. */
import { createSocket } from 'node:dgram';
import type { Bus, ModuleRecord } from '../../../core/bus/index.js';

export interface BusDomain {
  port: number;
  cluster: string;
}

export async function newDomain(prefix: string): Promise<BusDomain> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { port, cluster: `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}` };
}

/** Resolves once the process `pid` has a record in state "running" in `bus`'s registry replica. */
export function registered(bus: Bus, pid: number, timeoutMs: number): Promise<ModuleRecord> {
  const match = (record: ModuleRecord): boolean => record.pid === pid && record.state === 'running';
  const known = bus.registry.list().find(match);
  if (known) return Promise.resolve(known);
  return new Promise((resolve, reject) => {
    const subscription = bus.changes.subscribe((change) => {
      if (change.kind !== 'leave' && match(change.record)) {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve(change.record);
      }
    });
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`process ${pid} did not register within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}
