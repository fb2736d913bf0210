import type { Logger } from '../../log/logger.js';
import type { Proxy, ProxyMessage } from './proxy.js';

/** Logs every message (kind, target, type, size) passing either chain. */
export function loggingProxy(log: Logger, options: { bodyBytes?: number } = {}): Proxy {
  const show = options.bodyBytes ?? 0;
  const line = (direction: string, m: ProxyMessage): void => {
    const fields: Record<string, unknown> = { kind: m.kind, target: m.target, type: m.type, bytes: m.body.byteLength };
    if (show > 0) fields.body = Buffer.from(m.body.subarray(0, show)).toString('hex');
    log.info(`${direction} ${m.kind} ${m.type}`, fields);
  };
  return {
    name: 'log',
    outbound(m) {
      line('out', m);
      return true;
    },
    inbound(m) {
      line('in', m);
      return true;
    },
  };
}
