import type { Proxy } from './proxy.js';

/** Sends what was addressed to one role (or topic) to another, e.g. storage -> storage-test. */
export function rerouteProxy(from: string, to: string): Proxy {
  return {
    name: `reroute(${from}->${to})`,
    outbound(m) {
      if ((m.kind === 'send' || m.kind === 'request' || m.kind === 'publish') && m.target === from) m.target = to;
      return true;
    },
  };
}
