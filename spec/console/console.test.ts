/**
 * `gridlink console` in a real terminal: tmux runs it at 120x40 against a
 * real host agent (`gridlink up`) whose children are real module processes.
 * The test reads the screen with capture-pane and types with send-keys.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TreeReply, TreeRequest } from '../../schemas/generated/messages.js';
import { fit, HELP_LINE } from '../../tools/console/render.js';
import { domainFlags, GRIDLINK, removeTempDirs } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { alive, child, newDomain, startAgent, tempDir, until, type Agent } from '../supervisor/helpers.js';

const run = promisify(execFile);
// A tmux server of its own, its socket in a temporary folder: the test never
// touches the user's sessions and leaves no socket file behind.
const SOCKET = join(tempDir('console-tmux'), 'tmux.sock');
let SESSION = 'console';

function tmux(...args: string[]): Promise<{ stdout: string }> {
  return run('tmux', ['-S', SOCKET, ...args]);
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

/** The pane's alternate-screen and cursor-visible flags. */
async function paneFlags(): Promise<{ alternate: boolean; cursor: boolean }> {
  const [alternate, cursor] = (await tmux('display-message', '-p', '-t', SESSION, '#{alternate_on} #{cursor_flag}')).stdout.trim().split(' ');
  return { alternate: alternate === '1', cursor: cursor === '1' };
}

async function keys(...names: string[]): Promise<void> {
  await tmux('send-keys', '-t', SESSION, ...names);
}

let agent: Agent | undefined;
let second: Agent | undefined;
afterEach(async () => {
  await tmux('kill-session', '-t', SESSION).catch(() => undefined);
  await agent?.stop();
  await second?.stop();
  agent = undefined;
  second = undefined;
  await killAll();
});
afterAll(async () => {
  // Whatever happened above: no tmux server of this test survives it.
  await tmux('kill-server').catch(() => undefined);
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
    SESSION = 'restart';
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

    // An odd size: every line is cut to the width, the help line stays last, and the console lives on.
    await tmux('resize-window', '-t', SESSION, '-x', '30', '-y', '7');
    text = await screenShows((t) => t.split('\n')[6] === fit(HELP_LINE, 30), 'the screen cut to 30x7');
    for (const line of text.split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(30);
    expect(text.split('\n')[0]).toMatch(/^gridlink console {2}host /);
    expect(await sessionAlive()).toBe(true);

    await tmux('send-keys', '-t', SESSION, 'q');
    const deadline = Date.now() + 10_000;
    while ((await sessionAlive()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await sessionAlive()).toBe(false);
  });

  it('keeps the last tree while the agent does not answer, offers f on a refusal, and restores the terminal on Ctrl-C', async () => {
    const domain = await newDomain();
    const dir = tempDir('console-slow');
    agent = await startAgent(domain, dir, { strategy: 'one_for_one', children: [child(dir, 'a'), child(dir, 'c', { refuseShutdown: 'busy writing' })] });
    const a = await agent.node('root/a');
    const c = await agent.node('root/c');
    // A shell around the console: after it ends, the pane shows the normal screen and the exit code.
    const consoleCommand = ['node', GRIDLINK, 'console', ...domainFlags(domain), '--discover-ms', '500', '2>', join(dir, 'console.stderr')].join(' ');
    SESSION = 'slow';
    await tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', `sh -c 'echo shell before; ${consoleCommand}; echo "console exited $?"; sleep 120'`);
    await screenShows((t) => workerRow(t, 'a')?.pid === a.pid && workerRow(t, 'c')?.pid === c.pid, 'both children');
    expect(await paneFlags()).toEqual({ alternate: true, cursor: false });

    // The agent stops answering (SIGSTOP): the console says so, keeps the tree and still takes keys.
    process.kill(agent.process.pid, 'SIGSTOP');
    try {
      let text = await screenShows((t) => /^gridlink console .* agent not answering {2}refreshed \d/m.test(t), '"agent not answering"', 10_000);
      expect(workerRow(text, 'a')?.pid).toBe(a.pid);
      await keys('j');
      text = await screenShows((t) => workerRow(t, 'a')?.selected === true, 'a selected while the agent is stopped', 3000);
      expect(text).toContain('agent not answering');
    } finally {
      process.kill(agent.process.pid, 'SIGCONT');
    }
    await screenShows((t) => /^gridlink console .* connected {2}refreshed/m.test(t), 'connected again');

    // s on a child that refuses: the reply is shown and f is offered; f stops it; S starts it again.
    await keys('j');
    await screenShows((t) => workerRow(t, 'c')?.selected === true, 'c selected');
    await keys('s');
    let text = await screenShows((t) => /^stop root\/c: refused.*busy writing.*press f to force stop/m.test(t), 'the refusal and the offer of f');
    expect(workerRow(text, 'c')).toMatchObject({ state: 'Running', pid: c.pid });
    await keys('f');
    text = await screenShows((t) => workerRow(t, 'c')?.state === 'Stopped' && /^force stop root\/c/m.test(t), 'c stopped by force');
    expect((await agent.node('root/c')).state).toBe('Stopped');
    expect(alive(c.pid)).toBe(false);
    await keys('S');
    text = await screenShows((t) => workerRow(t, 'c')?.state === 'Running' && (workerRow(t, 'c')?.pid ?? 0) > 0 && /^start root\/c/m.test(t), 'c started again');
    const started = await agent.node('root/c');
    expect(started.state).toBe('Running');
    expect(workerRow(text, 'c')?.pid).toBe(started.pid);

    // Ctrl-C: the console ends with 0, the alternate screen is off and the cursor shown again.
    await keys('C-c');
    text = await screenShows((t) => t.includes('console exited 0'), 'the console ending with exit code 0', 10_000);
    expect(text).toContain('shell before');
    expect(text).not.toContain('Recent events');
    expect(await paneFlags()).toEqual({ alternate: false, cursor: true });
  });

  it('asks which agent to watch when two answer, and names a missing --agent', async () => {
    const domain = await newDomain();
    const dir1 = tempDir('console-one');
    const dir2 = tempDir('console-two');
    agent = await startAgent(domain, dir1, { children: [child(dir1, 'first')] });
    second = await startAgent(domain, dir2, { children: [child(dir2, 'other')] });
    await until(() => agent!.peer.bus.registry.holders('supervisor').length === 2, 'both agents in the registry');
    const flags = [...domainFlags(domain), '--discover-ms', '1000'].join(' ');
    const wrap = (args: string): string => `sh -c 'node ${GRIDLINK} console ${flags} ${args} 2>${join(dir1, 'console.stderr')}; echo "console exited $?"; sleep 120'`;

    SESSION = 'missing';
    await tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '30', wrap('--agent nope'));
    await screenShows((t) => t.includes('console exited 1'), 'exit code 1 for --agent nope');
    expect(readFileSync(join(dir1, 'console.stderr'), 'utf8')).toMatch(/^gridlink console: no host agent "nope" found in cluster /m);
    await tmux('kill-session', '-t', SESSION);

    SESSION = 'choose';
    await tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '30', wrap(''));
    const text = await screenShows((t) => t.includes('2 host agents answer; press 1-2 to watch one, q to quit:'), 'the choice of agents');
    const line = new RegExp(`^ {2}(\\d) {2}\\S+ {2}host \\S+ {2}pid ${second.process.pid} `, 'm').exec(text);
    expect(line, text).not.toBeNull();
    await keys(line![1]!);
    const shown = await screenShows((t) => workerRow(t, 'other') !== undefined, "the second agent's tree");
    expect(workerRow(shown, 'first')).toBeUndefined();
    // Agent.tree asks any holder of the role: ask the second agent by its id.
    const secondId = second.peer.bus.registry.holders('supervisor').find((r) => r.pid === second!.process.pid)!.id;
    const reply = await second.peer.bus.request(`supervisor@${secondId}`, TreeRequest, {}, TreeReply, { timeoutMs: 5000 });
    const other = reply.root?.children?.find((c) => c.name === 'other');
    expect(other?.pid).toBeGreaterThan(0);
    expect(workerRow(shown, 'other')?.pid).toBe(other?.pid);
    await keys('q');
    await screenShows((t) => t.includes('console exited 0'), 'exit code 0 after q');
  });
});
