/**
 * The implicit roles `shutdown` and `config` are answered promptly even while
 * the module's mailbox is busy with a task that awaits (here the monitor,
 * Module.every -> poll -> request to a storage that never answers, with a 20 s
 * timeout): they run at the task's await point instead of queueing behind it
 * (core/actor/runtime.ts, declarations(urgent)).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Bus } from '../../core/bus/index.js';
import { GetMostRecentEntry, ShutdownReply, ShutdownRequest } from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { domainFlags, removeTempDirs, startGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let storage: Bus;
let asked = 0;

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-bug-busy') };
  peer = await TestPeer.start(domain);
  // A storage that takes every GetMostRecentEntry and never answers.
  storage = await Bus.start({ name: 'silent-storage', discovery: domain }, { roles: [{ name: 'storage', requestTypes: [GetMostRecentEntry.name] }] });
  storage.handle(GetMostRecentEntry.name, () => {
    asked++;
    return new Promise<void>(() => undefined);
  });
});

afterAll(async () => {
  await killAll();
  await storage?.close();
  await peer?.close();
  removeTempDirs();
});

it('a ShutdownRequest is answered while the monitor awaits a storage that never answers', async () => {
  const dir = tempDir('bug-busy');
  const config = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { intervalMs: 200, timeoutMs: 20_000 } });
  const monitor = startGridlink(['run', 'examples/monitor', '--config', config, ...domainFlags(domain)], { cwd: dir, label: 'monitor' });
  await peer.module('monitor', monitor.pid, 15_000, monitor);
  // From here on the monitor awaits its first poll, for up to 20 s.
  await until(() => asked > 0, 'the first poll of the monitor', 10_000, monitor);

  const reply = await peer.bus.request('shutdown@monitor', ShutdownRequest, { reason: 'maintenance', force: false }, ShutdownReply, { timeoutMs: 3000 });
  expect(reply.accepted).toBe(true);
  expect((await monitor.exited).code).toBe(0);
});
