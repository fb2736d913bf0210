/**
 * one_for_all and rest_for_one restart exactly the right children, stopping
 * them in reverse order and starting them again in order; ordered start.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../actor/helpers.js';
import { killAll, type JsonEvent } from '../support/processes.js';
import { alive, child, newDomain, startAgent, tempDir, type Agent } from './helpers.js';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await killAll();
});
afterAll(removeTempDirs);

/** The (kind, child) sequence of the events after `from`, for the kinds given. */
function sequence(events: JsonEvent[], from: number, kinds: string[]): string[] {
  return events.slice(from).filter((e) => kinds.includes(String(e.kind))).map((e) => `${String(e.kind)} ${String(e.child)}`);
}

async function pids(agent: Agent): Promise<Record<string, number>> {
  const root = await agent.tree();
  return Object.fromEntries((root.children ?? []).map((c) => [c.name!, c.pid]));
}

describe('strategies', () => {
  it('starts children in order', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-order');
    agent = await startAgent(domain, dir, { children: [child(dir, 'a'), child(dir, 'b'), child(dir, 'c')] });
    expect(sequence(agent.events(), 0, ['Started'])).toEqual(['Started root/a', 'Started root/b', 'Started root/c']);
  });

  it('one_for_all: a crash stops the others in reverse order and restarts all in order', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-ofa');
    agent = await startAgent(domain, dir, { strategy: 'one_for_all', children: [child(dir, 'a'), child(dir, 'b'), child(dir, 'c')] });
    const before = await pids(agent);
    const mark = agent.events().length;
    process.kill(before.b!, 'SIGKILL');
    await agent.waitEvent('Restarted', 'root/c');
    expect(sequence(agent.events(), mark, ['Exited', 'Stopped', 'Started', 'Restarted'])).toEqual([
      'Exited root/b',
      'Stopped root/c',
      'Stopped root/a',
      'Started root/a',
      'Restarted root/a',
      'Started root/b',
      'Restarted root/b',
      'Started root/c',
      'Restarted root/c',
    ]);
    const after = await pids(agent);
    for (const name of ['a', 'b', 'c']) {
      expect(after[name]).not.toBe(before[name]);
      expect(alive(before[name]!)).toBe(false);
      expect(alive(after[name]!)).toBe(true);
    }
  });

  it('rest_for_one: a crash restarts that child and those after it, not those before', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-rfo');
    agent = await startAgent(domain, dir, { strategy: 'rest_for_one', children: [child(dir, 'a'), child(dir, 'b'), child(dir, 'c'), child(dir, 'd')] });
    const before = await pids(agent);
    const mark = agent.events().length;
    process.kill(before.b!, 'SIGKILL');
    await agent.waitEvent('Restarted', 'root/d');
    expect(sequence(agent.events(), mark, ['Exited', 'Stopped', 'Started', 'Restarted'])).toEqual([
      'Exited root/b',
      'Stopped root/d',
      'Stopped root/c',
      'Started root/b',
      'Restarted root/b',
      'Started root/c',
      'Restarted root/c',
      'Started root/d',
      'Restarted root/d',
    ]);
    const after = await pids(agent);
    expect(after.a).toBe(before.a);
    for (const name of ['b', 'c', 'd']) expect(after[name]).not.toBe(before[name]);
    const tree = await agent.tree();
    expect(tree.children!.map((c) => [c.name, c.restarts])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ]);
  });
});
