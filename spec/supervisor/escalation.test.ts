/**
 * Escalation up the tree and simple_one_for_one, through real processes; a
 * request pending on a module that dies fails at once, not after the
 * heartbeat timeout.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AddChild, ChildCommandReply, ShutdownReply, ShutdownRequest } from '../../schemas/generated/messages.js';
import { PeerGoneError } from '../../core/bus/errors.js';
import { removeTempDirs } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { alive, child, CHILD, newDomain, startAgent, tempDir, until, type Agent } from './helpers.js';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await killAll();
});
afterAll(removeTempDirs);

describe('escalation and dynamic children', () => {
  it('a parent restarts an escalated supervisor; past its own intensity the root gives up and `up` exits 3 with no child left', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-root');
    agent = await startAgent(domain, dir, {
      intensity: 1,
      periodMs: 60_000,
      children: [
        child(dir, 'steady'),
        { name: 'sub', intensity: 1, periodMs: 60_000, backoff: { minMs: 50, maxMs: 50, randomFactor: 0 }, children: [child(dir, 'crasher', { exitAfterMs: 100 })] },
      ],
    });
    const steady = (await agent.node('root/steady')).pid;
    const { code } = await agent.process.exited;
    expect(code).toBe(3);
    expect(agent.events('Escalated').map((e) => e.child)).toEqual(['root/sub', 'root/sub', 'root']);
    expect(agent.events('Restarted', 'root/sub')).toHaveLength(1);
    expect(agent.process.stderr.join('\n')).toContain('the root supervisor gave up');
    expect(alive(steady)).toBe(false);
    for (const e of agent.events('Started')) expect(alive(Number(e.pid))).toBe(false);
  });

  it('simple_one_for_one: instances of one module added at run time, others refused, all stopped', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-simple');
    agent = await startAgent(domain, dir, { children: [{ name: 'meters', strategy: 'simple_one_for_one', children: [child(dir, 'm1')] }] });
    const add = (name: string, module: string): Promise<ChildCommandReply> =>
      agent!.peer.bus.request('supervisor', AddChild, { supervisor: 'root/meters', spec: { name, module, restart: 'Permanent', shutdownMs: 3000 } }, ChildCommandReply, { timeoutMs: 20_000 });
    expect(await add('m2', CHILD)).toMatchObject({ ok: true });
    expect(await add('m3', CHILD)).toMatchObject({ ok: true });
    const other = await add('gen', 'examples/generator');
    expect(other.ok).toBe(false);
    expect(other.message).toMatch(/simple_one_for_one/);
    const meters = await agent.node('root/meters');
    expect(meters.strategy).toBe('SimpleOneForOne');
    expect(meters.children!.map((c) => [c.name, c.state])).toEqual([
      ['m1', 'Running'],
      ['m2', 'Running'],
      ['m3', 'Running'],
    ]);
    // A crash restarts that instance only.
    const before = meters.children!.map((c) => c.pid);
    process.kill(before[1]!, 'SIGKILL');
    await agent.waitEvent('Restarted', 'root/meters/m2');
    const after = (await agent.node('root/meters')).children!.map((c) => c.pid);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[2]).toBe(before[2]);
    const stopped = await agent.command('root/meters', 'Stop', true);
    expect(stopped.ok).toBe(true);
    for (const pid of after) expect(alive(pid)).toBe(false);
  });

  it('a request pending on a module that is killed fails at once with PeerGone', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-pending');
    agent = await startAgent(domain, dir, { children: [child(dir, 'hung', { hangOnShutdown: true }, { shutdown: 300 })] });
    const info = await agent.node('root/hung');
    await until(() => agent!.peer.bus.registry.get(info.moduleId!), 'the module in the test peer registry');
    // The module blocks in its shutdown hook: this request is never answered.
    const pending = agent.peer.bus.request(`shutdown@${info.moduleId}`, ShutdownRequest, { reason: 'test', force: false }, ShutdownReply, { timeoutMs: 20_000 });
    const outcome = pending.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await agent.waitEvent('Started', 'root/hung');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    process.kill(info.pid, 'SIGKILL');
    const error = await outcome;
    expect(error).toBeInstanceOf(PeerGoneError);
    // Long before the 10 s heartbeat expiry.
    expect(Date.now() - killedAt).toBeLessThan(3000);
    await agent.waitEvent('Restarted', 'root/hung');
  });
});
