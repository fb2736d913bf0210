/**
 * Start-up shared by the Gridlink-bus workers of `npm run bench:bus`: each
 * worker is one bus module, in a discovery domain of its own (a UDP port and
 * cluster name given by the parent), so nothing else on the host joins in.
 */
import { Bus, type Declaration } from '../../../../core/bus/index.js';
import { intArg, stringArg } from '../../worker.js';

export const BENCH_TYPE = 'gridlink.bench.Payload';
export const DATA_TOPIC = 'bench.pub';
export const SYNC_TOPIC = 'bench.pub.sync';
export const END_TOPIC = 'bench.pub.end';
export const SINK_ROLE = 'bench-sink';
export const ECHO_ROLE = 'bench-echo';

export async function startBenchBus(name: string, declaration: Declaration = {}): Promise<Bus> {
  return Bus.start(
    {
      name,
      discovery: { port: intArg('discovery-port'), cluster: stringArg('cluster'), intervalMs: 250 },
      // The runs push hundreds of thousands of messages: queues as deep as raw zeromq.js's HWM.
      highWaterMark: intArg('hwm', 100_000),
    },
    declaration,
  );
}

/** Waits until a module of the given name is in the registry with its role/topic. */
export async function waitForModule(bus: Bus, name: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!bus.registry.list().some((r) => r.name === name && r.state === 'running')) {
    if (Date.now() > until) throw new Error(`${bus.options.name}: module ${name} not discovered within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Lets the event loop run (flushes batches, takes replies) every `every` iterations. */
export function yieldEvery(every: number): (i: number) => Promise<void> | undefined {
  return (i) => (i % every === every - 1 ? new Promise<void>((r) => setImmediate(r)) : undefined);
}
