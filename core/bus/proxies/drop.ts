import type { Proxy } from './proxy.js';

export interface DropOptions {
  /** Fraction of matching messages dropped, 0..1. */
  rate: number;
  /** Only messages of these types (all when empty). */
  types?: readonly string[];
  /** Only messages to these roles or topics (all when empty). */
  targets?: readonly string[];
  /** Which side drops. */
  side?: 'outbound' | 'inbound';
  /** Random source, for reproducible runs. */
  random?: () => number;
}

/** Drops a share of matching messages: simulates missing values and lossy links. */
export function dropProxy(options: DropOptions): Proxy {
  if (!(options.rate >= 0 && options.rate <= 1)) throw new Error(`drop proxy: rate must be between 0 and 1 (got ${options.rate})`);
  const random = options.random ?? Math.random;
  const types = new Set(options.types ?? []);
  const targets = new Set(options.targets ?? []);
  const keep = (type: string, target: string): boolean => {
    if (types.size > 0 && !types.has(type)) return true;
    if (targets.size > 0 && !targets.has(target)) return true;
    return random() >= options.rate;
  };
  const side = options.side ?? 'outbound';
  return side === 'outbound'
    ? { name: `drop(${options.rate})`, outbound: (m) => keep(m.type, m.target) }
    : { name: `drop(${options.rate})`, inbound: (m) => keep(m.type, m.target) };
}
