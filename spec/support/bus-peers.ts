import type { BusOptionsInput, Declaration } from '../../core/bus/index.js';
import { distPath, startNode, type LineProcess } from './processes.js';

export interface PeerSpec {
  bus: BusOptionsInput;
  declaration: Declaration;
  echoDelayMs?: number;
  proxies?: unknown;
}

/** Starts dist/spec/fixtures/bus-peer.js (built by `npm run build`) and waits until its bus is up. */
export async function startPeer(spec: PeerSpec, options: { wrap?: string[] } = {}): Promise<LineProcess & { id: string }> {
  const peer = startNode(distPath('spec/fixtures/bus-peer.js'), [JSON.stringify(spec)], spec.bus.name, { wrap: options.wrap }) as LineProcess & { id: string };
  const ready = await peer.waitFor((e) => e.event === 'ready', 15_000, 'ready');
  peer.id = String(ready.id);
  return peer;
}

/** Asks a peer for its stats and registry. */
export async function peerStats(peer: LineProcess): Promise<{ stats: Record<string, number>; registry: { id: string; name: string; seq: number; state: string; roles: string[] }[] }> {
  const reply = peer.next((e) => e.event === 'stats', 5000, 'stats');
  peer.command({ cmd: 'stats' });
  return (await reply) as unknown as { stats: Record<string, number>; registry: { id: string; name: string; seq: number; state: string; roles: string[] }[] };
}
