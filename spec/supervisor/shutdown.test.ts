/**
 * Stopping children: a refusal goes back to whoever asked, who may force it;
 * a child that does not end within its grace period gets SIGTERM, then
 * SIGKILL; the agent's own SIGTERM stops every child in reverse order and
 * leaves no process behind. Also: adding a child at run time, and its logs.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AddChild, ChildCommandReply, LogsReply, LogsRequest } from '../../schemas/generated/messages.js';
import { removeTempDirs } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { alive, child, CHILD, newDomain, startAgent, tempDir, type Agent } from './helpers.js';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await killAll();
});
afterAll(removeTempDirs);

describe('shutdown', () => {
  it('reports a refusal to the one who asked, and force-stops on request', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-refuse');
    agent = await startAgent(domain, dir, { children: [child(dir, 'stubborn', { refuseShutdown: 'writing the archive' })] });
    const { pid } = await agent.node('root/stubborn');
    const refused = await agent.command('root/stubborn', 'Stop');
    expect(refused).toMatchObject({ ok: false, refused: true, message: 'writing the archive' });
    expect(alive(pid)).toBe(true);
    expect((await agent.node('root/stubborn')).state).toBe('Running');
    await agent.waitEvent('Refused', 'root/stubborn');

    const forced = await agent.command('stubborn', 'Stop', true);
    expect(forced).toMatchObject({ ok: true, refused: false });
    const after = await agent.node('root/stubborn');
    expect(after.state).toBe('Stopped');
    expect(after.lastExit).toBe('exit code 0');
    expect(alive(pid)).toBe(false);
    // Stopped on request: not restarted, and a Start brings it back.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(agent.events('Restarted', 'root/stubborn')).toHaveLength(0);
    expect(await agent.command('root/stubborn', 'Start')).toMatchObject({ ok: true });
    expect((await agent.node('root/stubborn')).state).toBe('Running');
  });

  it('sends SIGTERM after the grace period and SIGKILL after the next', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-grace');
    agent = await startAgent(domain, dir, { children: [child(dir, 'hung', { hangOnShutdown: true }, { shutdown: 400 })] });
    const { pid } = await agent.node('root/hung');
    const reply = await agent.command('root/hung', 'Stop');
    expect(reply.ok).toBe(true);
    const after = await agent.node('root/hung');
    expect(after.lastExit).toBe('SIGKILL');
    expect(alive(pid)).toBe(false);
    expect(agent.events('Stopped', 'root/hung')[0]).toMatchObject({ signal: 'SIGKILL', pid });
    expect(agent.logFile('root/hung')).toContain('no exit within the grace period, SIGKILL');
  });

  it('kills a brutal_kill child at once', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-brutal');
    agent = await startAgent(domain, dir, { children: [child(dir, 'b', {}, { shutdown: 'brutal_kill' })] });
    const reply = await agent.command('root/b', 'Restart');
    expect(reply.ok).toBe(true);
    const events = agent.events('Stopped', 'root/b');
    expect(events[0]).toMatchObject({ signal: 'SIGKILL' });
    expect((await agent.node('root/b')).restarts).toBe(1);
  });

  it('stops every child in reverse order on SIGTERM and leaves no process behind', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-down');
    agent = await startAgent(domain, dir, {
      children: [child(dir, 'a'), { name: 'inner', strategy: 'one_for_one', children: [child(dir, 'b'), child(dir, 'c', { refuseShutdown: 'no' })] }, child(dir, 'd')],
    });
    const tree = await agent.tree();
    const pids: number[] = [];
    const walk = (info: typeof tree): void => {
      if (info.pid) pids.push(info.pid);
      for (const c of info.children ?? []) walk(c);
    };
    walk(tree);
    expect(pids).toHaveLength(4);
    expect(pids.every(alive)).toBe(true);
    await agent.process.kill('SIGTERM');
    const { code } = await agent.process.exited;
    expect(code).toBe(0);
    expect(agent.events('Stopped').map((e) => e.child)).toEqual(['root/d', 'root/inner/c', 'root/inner/b', 'root/a']);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    // Nothing left that descends from the agent either.
    expect(agent.process.events.at(-1)).toMatchObject({ event: 'down' });
  });

  it('adds a child at run time and serves its recent log lines', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-add');
    agent = await startAgent(domain, dir, { children: [child(dir, 'a')] });
    const bus = agent.peer.bus;
    const added = await bus.request('supervisor', AddChild, { supervisor: 'root', spec: { name: 'extra', module: CHILD, restart: 'Transient', shutdownMs: 2000 } }, ChildCommandReply, { timeoutMs: 20_000 });
    expect(added).toMatchObject({ ok: true, message: 'added root/extra' });
    const extra = await agent.node('root/extra');
    expect(extra.state).toBe('Running');
    expect(extra.restart).toBe('Transient');
    expect(alive(extra.pid)).toBe(true);
    await agent.waitEvent('Added', 'root/extra');
    const duplicate = await bus.request('supervisor', AddChild, { supervisor: 'root', spec: { name: 'extra', module: CHILD, restart: 'Permanent', shutdownMs: 5000 } }, ChildCommandReply);
    expect(duplicate.ok).toBe(false);
    expect(duplicate.message).toMatch(/named "extra" already/);
    const unknown = await bus.request('supervisor', AddChild, { supervisor: 'root', spec: { name: 'x', module: 'no/such-module', restart: 'Permanent', shutdownMs: 5000 } }, ChildCommandReply);
    expect(unknown).toMatchObject({ ok: false, message: 'AddChild.spec.module: unknown module "no/such-module"' });

    const reply = await bus.request('supervisor', LogsRequest, { child: 'root/extra', lines: 50 }, LogsReply);
    expect(reply.child).toBe('root/extra');
    expect(reply.lines!.some((line) => line.includes(`"event":"started","pid":${extra.pid}`))).toBe(true);
  });
});
