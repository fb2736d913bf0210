import type { ModuleRecord } from './registry.js';

/**
 * Where to reach a module we learnt of by its Hello (not by a beacon, which
 * says by its source address whether it came over loopback or the LAN):
 * a seed endpoint we were given; ipc when the module shares our host and
 * network namespace; otherwise a LAN endpoint, preferring our own subnet.
 */
export function chooseRouterEndpoint(record: ModuleRecord, ownHostKey: string, lanAddress: string | undefined, isSeed: (endpoint: string) => boolean): string | undefined {
  const seeded = record.routerEndpoints.find(isSeed);
  if (seeded) return seeded;
  if (record.hostKey === ownHostKey) return record.routerEndpoints.find((e) => e.startsWith('ipc://')) ?? record.routerEndpoints[0];
  const remote = record.routerEndpoints.filter((e) => e.startsWith('tcp://') && !e.startsWith('tcp://127.'));
  if (lanAddress) {
    const subnet = `tcp://${lanAddress.split('.').slice(0, 3).join('.')}.`;
    const near = remote.find((e) => e.startsWith(subnet));
    if (near) return near;
  }
  return remote[0];
}

/** The publisher endpoint on the same transport and address as the chosen ROUTER endpoint. */
export function choosePubEndpoint(record: ModuleRecord, routerEndpoint: string): string | undefined {
  if (routerEndpoint.startsWith('ipc://')) return record.pubEndpoints.find((e) => e.startsWith('ipc://'));
  const host = routerEndpoint.slice(0, routerEndpoint.lastIndexOf(':'));
  return record.pubEndpoints.find((e) => e.startsWith(host + ':'));
}
