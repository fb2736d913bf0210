/**
 * The system's own alarms, with real processes: a host agent (`gridlink up`) runs the alarms
 * module beside a victim (examples/generator) and a child that crashes every half second
 * (the supervisor test child). SIGKILL of the victim raises module-down for the administrator,
 * cleared once its supervisor restarted it; the crash loop raises a restart storm, cleared after
 * a quiet window once the child is stopped; a LinkEvent Down on `field/links` raises link-down
 * and Up clears it; a StorageStatus with little disk free raises a storage alarm.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddChild, ChildCommandReply, GetAlarms, LinkEvent, StorageStatus, type Alarm, type LinkState } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, writeConfig } from '../actor/helpers.js';
import { child, newDomain, QUICK_RESTARTS, startAgent, tempDir, until, type Agent } from '../supervisor/helpers.js';
import { AlarmsListener, ALARMS_MODULE, ask, untilSubscribed } from './helpers.js';

const HOST = hostname();
let agent: Agent;
let listener: AlarmsListener;

const sequence = (key: string): string[] => listener.changes.filter((c) => c.alarm.key === key).map((c) => c.alarm.state);

function link(state: LinkState, name = 'rtu-1'): LinkEvent {
  return { link: { gateway: 'iec104-gateway', link: name, protocol: 'iec104', side: 'Field', state, peer: '10.0.0.7:2404', message: state === 'Down' ? 'connection refused' : '', sinceMs: Date.now(), values: 0, failures: 1 } };
}

beforeAll(async () => {
  const domain = await newDomain();
  const dir = tempDir('alarms-system');
  const alarmsConfig = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'alarms'), settings: { flood: { graceMs: 0 }, tickMs: 200, system: { restartStorm: { restarts: 2, windowMs: 3000 }, storage: { minDiskFreeShare: 0.1 }, link: { downDelayMs: 1000 } } } },
    'alarms.config.json',
  );
  const generatorConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'victim'), settings: { intervalMs: 60_000 } }, 'victim.config.json');
  agent = await startAgent(domain, dir, {
    ...QUICK_RESTARTS,
    children: [
      { name: 'alarms', module: ALARMS_MODULE, config: alarmsConfig },
      { name: 'victim', module: 'examples/generator', config: generatorConfig },
    ],
  });
  listener = new AlarmsListener(agent.peer);
  await agent.peer.module('alarms', undefined, 20_000);
  await agent.peer.module('generator', undefined, 20_000);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await killAll();
  removeTempDirs();
});

describe('system alarms', () => {
  it('SIGKILL of a supervised module raises module-down for the administrator, cleared when it is back', async () => {
    const key = `module:${HOST}/generator:down`;
    const before = await agent.node('root/victim');
    process.kill(before.pid, 'SIGKILL');
    const raised = await listener.waitAlarm(key, (a) => a.state === 'Raised', 'module-down raised', 15_000);
    expect(raised).toMatchObject({ audience: 'Administrator', category: 'module', group: `host:${HOST}`, source: `${HOST}/generator`, active: true });
    expect(raised.message).toMatch(/generator on .* is down/);
    await listener.waitAlarm(key, (a) => a.state === 'Cleared', 'module-down cleared', 15_000);
    const restarted = await agent.node('root/victim');
    expect(restarted.pid).not.toBe(before.pid);
    // Raised once (the leave and the supervisor's Exited are one alarm), then cleared.
    expect(sequence(key).filter((s) => s === 'Raised').length).toBeGreaterThanOrEqual(1);
    expect(sequence(key).at(-1)).toBe('Cleared');
    const [listed] = (await ask(agent.peer, GetAlarms, { states: ['Cleared'], keyPrefix: key, limit: 0 })).alarms ?? [];
    expect(listed!.count).toBeGreaterThanOrEqual(2);
  });

  it('a crash loop raises a restart storm, cleared after a quiet window once the child is stopped', async () => {
    const dir = tempDir('alarms-flaky');
    const flaky = child(dir, 'flaky', { exitAfterMs: 400, exitCode: 3 }) as { name: string; module: string; config: string };
    const added = await agent.peer.bus.request('supervisor', AddChild, { supervisor: 'root', spec: { ...flaky, restart: 'Permanent', shutdownMs: 2000 } }, ChildCommandReply, { timeoutMs: 10_000 });
    expect(added.ok).toBe(true);
    const key = `restarts:${HOST}/root/flaky:storm`;
    const storm = await listener.waitAlarm(key, (a) => a.state === 'Raised', 'the restart storm', 20_000);
    expect(storm).toMatchObject({ audience: 'Administrator', severity: 'Major', group: `host:${HOST}` });
    expect(storm.message).toMatch(/root\/flaky on .* restarted 3 times within 3 s/);
    // Each crash is a module down of the supervisor test child too.
    const down = `module:${HOST}/supervisor-child:down`;
    await listener.waitAlarm(down, (a) => a.state === 'Raised', 'the crashing child down');
    const reply = await agent.command('root/flaky', 'Stop', true, 'test over');
    expect(reply.ok).toBe(true);
    // Stopped on purpose: no longer down as far as alarms go.
    await listener.waitAlarm(down, (a) => a.state === 'Cleared', 'the crashing child no longer down once stopped');
    await listener.waitAlarm(key, (a) => a.state === 'Cleared', 'the storm cleared after the quiet window', 10_000);
  });

  it('a LinkEvent Down raises link-down for the administrator; Up clears it', async () => {
    const key = 'link:iec104-gateway/rtu-1:down';
    await untilSubscribed(() => agent.peer.bus.publish('field/links', LinkEvent, link('Down')), () => sequence(key).length > 0, 'field/links');
    const raised: Alarm = await listener.waitAlarm(key, (a) => a.state === 'Raised', 'link-down raised');
    expect(raised).toMatchObject({ audience: 'Administrator', category: 'link', group: 'link:iec104-gateway/rtu-1', source: 'iec104-gateway/rtu-1' });
    expect(raised.message).toContain('connection refused');
    agent.peer.bus.publish('field/links', LinkEvent, link('Up'));
    await listener.waitAlarm(key, (a) => a.state === 'Cleared', 'link-down cleared');
  });

  it('a link that is Up again within system.link.downDelayMs raises nothing; one that stays Down is raised after it', async () => {
    const key = 'link:iec104-gateway/rtu-2:down';
    agent.peer.bus.publish('field/links', LinkEvent, link('Down', 'rtu-2'));
    agent.peer.bus.publish('field/links', LinkEvent, link('Up', 'rtu-2'));
    // Longer than the 1 s delay: a raise would have come by now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(sequence(key)).toEqual([]);
    agent.peer.bus.publish('field/links', LinkEvent, link('Down', 'rtu-2'));
    await listener.waitAlarm(key, (a) => a.state === 'Raised', 'link-down raised after the delay');
    expect(sequence(key)).toEqual(['Raised']);
  });

  it('a StorageStatus with 5 % disk free raises the storage alarm; 50 % clears it', async () => {
    const key = 'storage:host-s:disk-free';
    const status = (free: number): StorageStatus => ({ host: 'host-s', unsealedEntries: 10, walBytes: 0, remoteBacklogFiles: 0, diskFreeBytes: free, diskTotalBytes: 100e9, refusedEntries: 0, atMs: Date.now() });
    await untilSubscribed(() => agent.peer.bus.publish('storage/status', StorageStatus, status(5e9)), () => sequence(key).length > 0, 'storage/status');
    const raised = await listener.waitAlarm(key, (a) => a.state === 'Raised', 'the disk alarm');
    expect(raised).toMatchObject({ audience: 'Administrator', category: 'storage', group: 'host:host-s', value: 0.05 });
    agent.peer.bus.publish('storage/status', StorageStatus, status(50e9));
    await listener.waitAlarm(key, (a) => a.state === 'Cleared', 'the disk alarm cleared');
  });
});
