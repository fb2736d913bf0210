/**
 * Where a module goes: a pure choice among the hosts that reported a HostStatus, by policy, with
 * the decision explained in words (the figures of every host, and why the others were not chosen).
 *
 * - least-loaded: the lowest score, where
 *     score = load per CPU + 0.25 x running modules per CPU + 0.5 x fraction of memory in use.
 *   The load average lags (1 minute) and a module that was just placed has not shown in it yet;
 *   the module count term makes successive placements spread before the load catches up.
 * - pinned: the named host, if it is up.
 * - spread: the host with the fewest running modules; ties go round robin (a cursor the caller keeps).
 */
import type { HostStatus } from '../../../schemas/generated/messages.js';
import type { KnownHost } from './host-monitor.js';

export type PlacementPolicy = { kind: 'least-loaded' } | { kind: 'pinned'; host: string } | { kind: 'spread' };

export interface PlacementDecision {
  host: string;
  agentId: string;
  policy: PlacementPolicy;
  /** "least-loaded chose b: host b: load 0.10/2 CPUs, 20.1 GB free of 31.2 GB, 0 modules (score 0.23); host c: ..." */
  explanation: string;
}

export class PlacementError extends Error {
  override readonly name = 'PlacementError';
}

export const MODULE_WEIGHT = 0.25;
export const MEMORY_WEIGHT = 0.5;

export function parsePolicy(text: string): PlacementPolicy {
  if (text === 'least-loaded' || text === 'spread') return { kind: text };
  if (text.startsWith('pinned:') && text.length > 'pinned:'.length) return { kind: 'pinned', host: text.slice('pinned:'.length) };
  throw new PlacementError(`unknown placement policy "${text}": use least-loaded, spread or pinned:<host>`);
}

export function describePolicy(policy: PlacementPolicy): string {
  return policy.kind === 'pinned' ? `pinned:${policy.host}` : policy.kind;
}

export function loadScore(status: HostStatus): number {
  const cpus = Math.max(1, status.cpuCount);
  const used = status.totalMemoryBytes > 0 ? 1 - status.freeMemoryBytes / status.totalMemoryBytes : 0;
  return status.load1m / cpus + (MODULE_WEIGHT * status.runningModules) / cpus + MEMORY_WEIGHT * used;
}

/** One host's figures in words: "host b: load 0.10/2 CPUs, 20.1 GB free of 31.2 GB, 0 modules". */
export function describeHost(host: KnownHost): string {
  const s = host.status;
  const figures = `load ${s.load1m.toFixed(2)}/${s.cpuCount} CPUs, ${gb(s.freeMemoryBytes)} GB free of ${gb(s.totalMemoryBytes)} GB, ${s.runningModules} module${s.runningModules === 1 ? '' : 's'}`;
  return host.lost ? `host ${host.name}: lost (${host.lost}); last seen ${figures}` : `host ${host.name}: ${figures}`;
}

/**
 * Chooses a host. `spreadCursor` is how many spread placements the caller made before (ties
 * among the least occupied hosts rotate by it). Throws PlacementError when no host qualifies.
 */
export function choosePlacement(policy: PlacementPolicy, hosts: readonly KnownHost[], spreadCursor = 0): PlacementDecision {
  const up = hosts.filter((host) => !host.lost);
  const lost = hosts.filter((host) => host.lost);
  const lostText = lost.map((host) => `host ${host.name}: lost (${host.lost}), excluded`);
  if (policy.kind === 'pinned') {
    const host = hosts.find((h) => h.name === policy.host);
    if (!host) throw new PlacementError(`pinned host "${policy.host}" has not reported (known hosts: ${hosts.map((h) => h.name).join(', ') || 'none'})`);
    if (host.lost) throw new PlacementError(`pinned host "${policy.host}" is lost: ${host.lost}`);
    return decision(policy, host, `pinned to ${host.name}: ${describeHost(host)}`);
  }
  if (up.length === 0) {
    throw new PlacementError(`no host is up to place on${lost.length ? ` (${lostText.join('; ')})` : ' (no host agent has reported a HostStatus)'}`);
  }
  if (policy.kind === 'least-loaded') {
    const scored = up.map((host) => ({ host, score: loadScore(host.status) })).sort((a, b) => a.score - b.score || compareNames(a.host, b.host));
    const chosen = scored[0].host;
    const lines = scored.map(({ host, score }) => `${describeHost(host)} (score ${score.toFixed(2)})`);
    return decision(policy, chosen, `least-loaded chose ${chosen.name}: ${[...lines, ...lostText].join('; ')}`);
  }
  const fewest = Math.min(...up.map((host) => host.status.runningModules));
  const tied = up.filter((host) => host.status.runningModules === fewest).sort(compareNames);
  const chosen = tied[spreadCursor % tied.length];
  const lines = [...up].sort(compareNames).map(describeHost);
  const tie = tied.length > 1 ? ` (${tied.length} hosts tied at ${fewest}, round robin)` : '';
  return decision(policy, chosen, `spread chose ${chosen.name}, fewest modules${tie}: ${[...lines, ...lostText].join('; ')}`);
}

function decision(policy: PlacementPolicy, host: KnownHost, explanation: string): PlacementDecision {
  return { host: host.name, agentId: host.status.agentId ?? '', policy, explanation };
}

function compareNames(a: KnownHost, b: KnownHost): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(1);
}
