/**
 * The module-wide default error handler, with the monitor example
 * (actors/examples/monitor) run by `gridlink run`: every failed request that
 * nobody else handles reaches Module.onError, which the monitor overrides to
 * log "storage did not answer (<code>)" for the first failure of a streak.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../core/bus/index.js';
import { GetMostRecentEntry } from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { domainFlags, logLine, removeTempDirs, startGridlink, tempDir, TestPeer, writeConfig, type Domain } from './helpers.js';

const buses: Bus[] = [];

afterAll(async () => {
  await killAll();
  await Promise.all(buses.map((bus) => bus.close()));
  removeTempDirs();
});

async function newDomain(prefix: string): Promise<Domain> {
  return { port: await freeUdpPort(), cluster: uniqueCluster(prefix) };
}

function startMonitor(domain: Domain, settings: Record<string, unknown>) {
  const dir = tempDir('monitor');
  const config = writeConfig(dir, { stateDir: join(dir, 'state'), settings });
  return startGridlink(['run', 'examples/monitor', '--config', config, ...domainFlags(domain)], { cwd: dir, label: 'monitor' });
}

describe('the default error handler (monitor example)', () => {
  it('logs "storage did not answer (Timeout)" when the storage never answers within timeoutMs', async () => {
    const domain = await newDomain('actor-timeout');
    // A storage that takes every GetMostRecentEntry and never answers.
    const asked: string[] = [];
    const storage = await Bus.start({ name: 'silent-storage', discovery: domain }, { roles: [{ name: 'storage', requestTypes: [GetMostRecentEntry.name] }] });
    buses.push(storage);
    storage.handle(GetMostRecentEntry.name, (delivery) => {
      asked.push(GetMostRecentEntry.decode(delivery.body).dataPoint);
      return new Promise<void>(() => undefined);
    });
    const peer = await TestPeer.start(domain);
    buses.push(peer.bus);

    const monitor = startMonitor(domain, { intervalMs: 200, timeoutMs: 300 });
    await peer.module('monitor', monitor.pid, 15_000, monitor);
    const line = await logLine(monitor, 'storage did not answer (Timeout)', 15_000);
    expect(line).toMatch(/WARN .*monitor: storage did not answer \(Timeout\)/);
    expect(line).toContain('within 300 ms');
    // It was our storage that did not answer, and it was asked for the monitor's data point.
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set(['meterA.u1']));
    // Failures never end the module: it is still there.
    expect(monitor.child.exitCode).toBeNull();
    await monitor.kill('SIGTERM');
    expect((await monitor.exited).code).toBe(0);
  });

  it('logs "storage did not answer (NoHandlers)" when no module holds role storage', async () => {
    const domain = await newDomain('actor-nohandlers');
    const monitor = startMonitor(domain, { intervalMs: 200, timeoutMs: 300 });
    const line = await logLine(monitor, 'storage did not answer', 15_000);
    expect(line).toMatch(/WARN .*monitor: storage did not answer \(NoHandlers\)/);
    expect(line).toContain('no live module holds role "storage"');
    // The first failure of the streak is logged, then only every 10th: no flood.
    await logLine(monitor, /storage did not answer \(NoHandlers\) \{failures=10, streak=10/, 15_000);
    expect(monitor.stderr.filter((l) => l.includes('storage did not answer')).length).toBe(2);
    await monitor.kill('SIGTERM');
    expect((await monitor.exited).code).toBe(0);
  });
});
