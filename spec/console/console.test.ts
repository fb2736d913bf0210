/**
 * `gridlink console` in a real terminal: tmux runs it at 120x40 against a
 * real host agent (`gridlink up`) whose children are real module processes.
 * The test reads the screen with capture-pane and types with send-keys.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { domainFlags, GRIDLINK, removeTempDirs } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { alive, child, newDomain, startAgent, tempDir, type Agent } from '../supervisor/helpers.js';

const run = promisify(execFile);
// A tmux server of its own: the test never touches the user's sessions.
const SOCKET = `gridlink-spec-console-${process.pid}`;
const SESSION = 'console';

function tmux(...args: string[]): Promise<{ stdout: string }> {
  return run('tmux', ['-L', SOCKET, ...args]);
}

async function screen(): Promise<string> {
  return (await tmux('capture-pane', '-p', '-t', SESSION)).stdout;
}

async function sessionAlive(): Promise<boolean> {
  try {
    await tmux('has-session', '-t', SESSION);
    return true;
  } catch {
    return false;
  }
}

/** Polls the screen until `test` holds; on time-out fails with the last screen. */
async function screenShows(test: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = await screen().catch((error: unknown) => `(no screen: ${String(error)})`);
    if (test(last)) return last;
    if (Date.now() > deadline) throw new Error(`the console did not show ${what} within ${timeoutMs} ms; last screen:\n${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The tree row of a worker: marker, indented name, state, pid and restarts. */
function workerRow(text: string, name: string): { selected: boolean; state: string; pid: number; restarts: number } | undefined {
  const match = new RegExp(`^([> ]) {3}${name} +(\\S+) +(\\d+|-) +\\S+ +(\\d+) `, 'm').exec(text);
  if (!match) return undefined;
  return { selected: match[1] === '>', state: match[2]!, pid: Number(match[3]), restarts: Number(match[4]) };
}

let agent: Agent | undefined;
afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await agent?.stop();
  await killAll();
  removeTempDirs();
});

describe('gridlink console', () => {
  it('shows a restart after a SIGKILL, restarts a child on r, and quits on q', async () => {
    const domain = await newDomain();
    const dir = tempDir('console');
    agent = await startAgent(domain, dir, { strategy: 'one_for_one', children: [child(dir, 'a'), child(dir, 'b')] });
    const a = await agent.node('root/a');
    const b = await agent.node('root/b');
    expect(a.pid).toBeGreaterThan(0);
    expect(b.pid).toBeGreaterThan(0);

    const command = ['node', GRIDLINK, 'console', ...domainFlags(domain), '--discover-ms', '500', '2>', join(dir, 'console.stderr')].join(' ');
    await tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '40', command);

    let text = await screenShows((t) => workerRow(t, 'a')?.pid === a.pid && workerRow(t, 'b')?.pid === b.pid, 'both children with their pids');
    expect(text).toMatch(/^gridlink console {2}host \S+ {2}cluster \S+ {2}connected {2}refreshed /m);
    expect(workerRow(text, 'a')).toMatchObject({ state: 'Running', restarts: 0, selected: false });
    expect(text).toContain('↑↓ select  r restart  s stop  S start  f force stop  l logs  q quit');

    // A crash: the screen shows the new pid, one restart and the Restarted event.
    process.kill(a.pid, 'SIGKILL');
    text = await screenShows((t) => {
      const row = workerRow(t, 'a');
      return row !== undefined && row.pid !== a.pid && row.pid > 0 && row.restarts === 1 && /^! \d\d:\d\d:\d\d Restarted +root\/a {2}pid \d+/m.test(t);
    }, 'the restart of a');
    const restartedA = workerRow(text, 'a')!;
    expect((await agent.node('root/a')).pid).toBe(restartedA.pid);
    expect(text).toMatch(new RegExp(`^! \\d\\d:\\d\\d:\\d\\d Restarted +root/a {2}pid ${restartedA.pid}`, 'm'));
    expect(text).toMatch(/^ {2}\d\d:\d\d:\d\d Exited +root\/a .*SIGKILL/m);
    expect(alive(a.pid)).toBe(false);

    // Select b (the rows are root, a, b; root is selected first) and restart it with r.
    await tmux('send-keys', '-t', SESSION, 'j', 'Down');
    await screenShows((t) => workerRow(t, 'b')?.selected === true, 'b selected');
    expect(workerRow(await screen(), 'a')?.selected).toBe(false);
    await tmux('send-keys', '-t', SESSION, 'r');
    text = await screenShows((t) => /^restart root\/b: restarted/m.test(t) && /^! \d\d:\d\d:\d\d Restarted +root\/b /m.test(t), 'the restart of b and its reply');
    const restartedB = await agent.node('root/b');
    expect(restartedB.state).toBe('Running');
    expect(restartedB.pid).toBeGreaterThan(0);
    expect(restartedB.pid).not.toBe(b.pid);
    expect(restartedB.restarts).toBe(1);
    expect(agent.events('Restarted', 'root/b')[0]).toMatchObject({ pid: restartedB.pid, message: 'on request: gridlink console' });
    await screenShows((t) => workerRow(t, 'b')?.pid === restartedB.pid, 'the new pid of b');
    // a was not touched by the restart of b.
    expect((await agent.node('root/a')).pid).toBe(restartedA.pid);

    await tmux('send-keys', '-t', SESSION, 'q');
    const deadline = Date.now() + 10_000;
    while ((await sessionAlive()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await sessionAlive()).toBe(false);
  });
});
