/**
 * Restarts through real processes: a SIGKILLed permanent child comes back
 * with a new bus incarnation in every registry replica; a transient child
 * that exits 0 stays down; a crash loop backs off, then its supervisor
 * escalates exactly once; a child whose heartbeats stop is killed and restarted.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, TestPeer } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { alive, child, newDomain, startAgent, tempDir, until, type Agent } from './helpers.js';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await killAll();
});
afterAll(removeTempDirs);

describe('restarts', () => {
  it('restarts a SIGKILLed permanent child with a new incarnation that every registry replica sees', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-kill');
    agent = await startAgent(domain, dir, { strategy: 'one_for_one', children: [child(dir, 'a'), child(dir, 'b')] });
    const other = await TestPeer.start(domain, 'spec-supervisor-2');
    try {
      const before = await agent.node('root/a');
      expect(before.state).toBe('Running');
      expect(before.moduleId).toBeTruthy();
      const oldId = before.moduleId!;
      await until(() => other.bus.registry.get(oldId), 'the first run of a in the second replica');
      const sibling = (await agent.node('root/b')).pid;

      process.kill(before.pid, 'SIGKILL');
      // The agent announces the departure: both replicas drop the old record.
      await until(() => !agent!.peer.bus.registry.get(oldId) && !other.bus.registry.get(oldId), 'the old record gone from both replicas', 3000);
      const [restartedEvent] = await agent.waitEvent('Restarted', 'root/a');
      const restarted = await until(
        () => agent!.peer.bus.registry.list().find((r) => r.name === 'supervisor-child' && r.id !== oldId && r.pid !== sibling && r.state === 'running'),
        'the second run of a in the registry',
      );
      await until(() => other.bus.registry.get(restarted.id), 'the second run of a in the second replica');
      expect(restarted.pid).not.toBe(before.pid);
      expect(restarted.incarnation).not.toBe(before.incarnation);
      expect(other.bus.registry.get(restarted.id)!.incarnation).toBe(restarted.incarnation);
      const info = await agent.node('root/a');
      expect(info.pid).toBe(restarted.pid);
      expect(restartedEvent!.pid).toBe(restarted.pid);
      expect(info.moduleId).toBe(restarted.id);
      expect(info.incarnation).toBe(restarted.incarnation);
      expect(info.restarts).toBe(1);
      expect(info.lastExit).toBe('SIGKILL');
      expect(agent.events('Exited', 'root/a')[0]).toMatchObject({ signal: 'SIGKILL', pid: before.pid });
      // one_for_one: the sibling kept running.
      expect((await agent.node('root/b')).pid).toBe(sibling);
      expect(alive(before.pid)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('does not restart a transient child that exits 0, but restarts one that exits 1', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-transient');
    agent = await startAgent(domain, dir, {
      backoff: { minMs: 50, maxMs: 200, randomFactor: 0 },
      intensity: 10,
      children: [child(dir, 'done', { exitAfterMs: 300, exitCode: 0 }, { restart: 'transient' }), child(dir, 'broken', { exitAfterMs: 300, exitCode: 1 }, { restart: 'transient' })],
    });
    await agent.waitEvent('Exited', 'root/done');
    await agent.waitEvent('Restarted', 'root/broken', 2);
    const done = await agent.node('root/done');
    expect(done.state).toBe('Stopped');
    expect(done.restarts).toBe(0);
    expect(done.pid).toBe(0);
    expect(done.lastExit).toBe('exit code 0');
    expect(agent.events('Restarted', 'root/done')).toHaveLength(0);
    expect(agent.events('Exited', 'root/done')).toHaveLength(1);
  });

  it('backs a crash loop off, then escalates exactly once past the intensity', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-loop');
    agent = await startAgent(domain, dir, {
      strategy: 'one_for_one',
      intensity: 5,
      periodMs: 60_000,
      children: [
        child(dir, 'steady'),
        {
          name: 'flaky',
          strategy: 'one_for_one',
          restart: 'temporary',
          intensity: 3,
          periodMs: 20_000,
          backoff: { minMs: 200, maxMs: 1000, randomFactor: 0, resetAfterMs: 10_000 },
          children: [child(dir, 'crasher', { exitAfterMs: 100, exitCode: 3 })],
        },
      ],
    });
    await agent.waitEvent('Escalated', 'root/flaky', 1, 30_000);
    // Three restarts were allowed, the fourth crash exceeded the intensity.
    expect(agent.events('Restarted', 'root/flaky/crasher')).toHaveLength(3);
    expect(agent.events('Exited', 'root/flaky/crasher')).toHaveLength(4);
    // The first restart is immediate, then the delay doubles: 200 ms, 400 ms.
    const backoffs = agent.events('BackingOff', 'root/flaky/crasher').map((e) => String(e.message));
    expect(backoffs).toEqual(['restart in 200 ms', 'restart in 400 ms']);
    const exits = agent.events('Exited', 'root/flaky/crasher').map((e) => Number(e.atMs));
    const starts = agent.events('Restarted', 'root/flaky/crasher').map((e) => Number(e.atMs));
    expect(starts[1]! - exits[1]!).toBeGreaterThanOrEqual(200);
    expect(starts[2]! - exits[2]!).toBeGreaterThanOrEqual(400);
    expect(agent.events('Exited', 'root/flaky/crasher').every((e) => e.exitCode === 3)).toBe(true);
    // Give a second escalation the chance to happen: it must not.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(agent.events('Escalated')).toHaveLength(1);
    const flaky = await agent.node('root/flaky');
    expect(flaky.state).toBe('Failed');
    expect(flaky.children![0]!.pid).toBe(0);
    const steady = await agent.node('root/steady');
    expect(steady.state).toBe('Running');
    expect(steady.restarts).toBe(0);
  });

  it('kills a child whose bus heartbeats stop, counts it as a crash and restarts it', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-liveness');
    agent = await startAgent(domain, dir, { children: [child(dir, 'hanger', { hangAfterMs: 1000 }, { restart: 'permanent' })] }, { liveness: { intervalMs: 300, evasiveMs: 1500, expiredMs: 3000 } });
    const first = await agent.node('root/hanger');
    const [exited] = await agent.waitEvent('Exited', 'root/hanger', 1, 20_000);
    expect(String(exited!.message)).toMatch(/^heartbeats stopped/);
    expect(exited!.signal).toBe('SIGKILL');
    expect(exited!.pid).toBe(first.pid);
    await agent.waitEvent('Restarted', 'root/hanger');
    expect(alive(first.pid)).toBe(false);
  });
});
