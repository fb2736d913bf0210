import type { Logger } from '../../log/logger.js';
import { dropProxy } from './drop.js';
import { encryptionProxy } from './encryption.js';
import { loggingProxy } from './logging.js';
import type { Proxy } from './proxy.js';
import { renameProxy } from './rename.js';
import { rerouteProxy } from './reroute.js';

/**
 * Proxy chains as a module's configuration gives them, e.g.
 *   "proxies": { "outbound": [{ "kind": "log" }, { "kind": "encrypt", "key": "<base64>" }],
 *                "inbound":  [{ "kind": "encrypt", "key": "<base64>" }] }
 * The same entry serves both sides: "encrypt" seals outbound and opens inbound.
 */
export type ProxySpec =
  | { kind: 'log'; bodyBytes?: number }
  | { kind: 'encrypt'; key: string }
  | { kind: 'reroute'; from: string; to: string }
  | { kind: 'rename'; map: Record<string, string> }
  | { kind: 'drop'; rate: number; types?: string[]; targets?: string[] };

export interface ProxyConfig {
  outbound?: ProxySpec[];
  inbound?: ProxySpec[];
}

const KINDS = ['log', 'encrypt', 'reroute', 'rename', 'drop'];

/** Checks a configuration value and says what is wrong and where. */
export function parseProxyConfig(value: unknown, where = 'proxies'): ProxyConfig {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected an object with "outbound" and/or "inbound" lists`);
  const out: ProxyConfig = {};
  for (const [side, list] of Object.entries(value)) {
    if (side !== 'outbound' && side !== 'inbound') throw new Error(`${where}.${side}: unknown side (use "outbound" or "inbound")`);
    if (!Array.isArray(list)) throw new Error(`${where}.${side}: expected a list`);
    out[side] = list.map((spec: unknown, i) => checkSpec(spec, `${where}.${side}[${i}]`));
  }
  return out;
}

function checkSpec(spec: unknown, where: string): ProxySpec {
  if (!spec || typeof spec !== 'object') throw new Error(`${where}: expected an object with a "kind"`);
  const s = spec as Record<string, unknown>;
  if (typeof s.kind !== 'string' || !KINDS.includes(s.kind)) throw new Error(`${where}.kind: expected one of ${KINDS.join(', ')}, got ${JSON.stringify(s.kind)}`);
  const str = (key: string): string => {
    if (typeof s[key] !== 'string' || s[key] === '') throw new Error(`${where}.${key}: expected a non-empty string`);
    return s[key] as string;
  };
  const strings = (key: string): string[] | undefined => {
    if (s[key] === undefined) return undefined;
    if (!Array.isArray(s[key]) || !(s[key] as unknown[]).every((x) => typeof x === 'string')) throw new Error(`${where}.${key}: expected a list of strings`);
    return s[key] as string[];
  };
  switch (s.kind) {
    case 'log':
      return { kind: 'log', bodyBytes: typeof s.bodyBytes === 'number' ? s.bodyBytes : undefined };
    case 'encrypt':
      return { kind: 'encrypt', key: str('key') };
    case 'reroute':
      return { kind: 'reroute', from: str('from'), to: str('to') };
    case 'rename': {
      const map = s.map;
      if (!map || typeof map !== 'object' || !Object.values(map).every((v) => typeof v === 'string')) throw new Error(`${where}.map: expected an object of name -> name`);
      return { kind: 'rename', map: map as Record<string, string> };
    }
    default: {
      if (typeof s.rate !== 'number' || s.rate < 0 || s.rate > 1) throw new Error(`${where}.rate: expected a number from 0 to 1`);
      return { kind: 'drop', rate: s.rate, types: strings('types'), targets: strings('targets') };
    }
  }
}

function build(spec: ProxySpec, side: 'outbound' | 'inbound', log: Logger): Proxy {
  switch (spec.kind) {
    case 'log':
      return loggingProxy(log.child('proxy'), { bodyBytes: spec.bodyBytes });
    case 'encrypt':
      return encryptionProxy(spec.key, (reason) => log.warn(reason));
    case 'reroute':
      return rerouteProxy(spec.from, spec.to);
    case 'rename':
      return renameProxy(spec.map);
    case 'drop':
      return dropProxy({ rate: spec.rate, types: spec.types, targets: spec.targets, side });
  }
}

/** Builds both chains from a checked configuration. */
export function buildProxies(config: ProxyConfig, log: Logger): { outbound: Proxy[]; inbound: Proxy[] } {
  return {
    outbound: (config.outbound ?? []).map((spec) => build(spec, 'outbound', log)),
    inbound: (config.inbound ?? []).map((spec) => build(spec, 'inbound', log)),
  };
}
