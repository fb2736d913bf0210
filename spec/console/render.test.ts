/** The console's pure parts: the screen as lines from a tree and events, truncation to the width, keys -> actions, the choice of an agent. */
import { describe, expect, it } from 'vitest';
import type { ModuleRecord } from '../../core/bus/registry.js';
import type { ChildInfo, SupervisorEvent } from '../../schemas/generated/messages.js';
import { matchAgents } from '../../tools/console/app.js';
import { chooserLines, chosenIndex } from '../../tools/console/choose.js';
import { moveSelection, parseKeys } from '../../tools/console/keys.js';
import { flattenTree, HELP_LINE, renderScreen, type ConsoleState } from '../../tools/console/render.js';

function info(path: string, extra: Partial<ChildInfo> = {}): ChildInfo {
  return {
    name: path.split('/').pop(),
    path,
    kind: 'Worker',
    state: 'Running',
    module: 'examples/generator',
    pid: 0,
    incarnation: 0n,
    uptimeMs: 0,
    restarts: 0,
    memoryBytes: 0,
    cpuPercent: 0,
    restart: 'Permanent',
    strategy: 'OneForOne',
    intensity: 3,
    periodMs: 5000,
    ...extra,
  };
}

const root = info('root', {
  kind: 'Supervisor',
  uptimeMs: 125_000,
  children: [
    info('root/a', { pid: 4242, uptimeMs: 3_500, restarts: 1, memoryBytes: 52_428_800, cpuPercent: 1.25 }),
    info('root/grid', { kind: 'Supervisor', uptimeMs: 125_000, children: [info('root/grid/b', { state: 'BackingOff', restarts: 3 })] }),
  ],
});

function event(kind: SupervisorEvent['kind'], child: string, extra: Partial<SupervisorEvent> = {}): SupervisorEvent {
  return { host: 'edge-1', kind, child, pid: 0, exitCode: -1, atMs: Date.UTC(2026, 10, 28, 1, 2, 3), ...extra };
}

const base: ConsoleState = {
  host: 'edge-1',
  cluster: 'field',
  connection: 'connected',
  lastTreeAtMs: 10_000,
  root,
  selected: 'root/a',
  events: [event('Exited', 'root/a', { pid: 4000, signal: 'SIGKILL', message: 'SIGKILL' }), event('Restarted', 'root/a', { pid: 4242 }), event('Escalated', 'root/grid', { message: 'intensity 3 in 5000 ms' })],
  logChild: 'root/a',
  logLines: ['first line', 'second line'],
};

describe('console screen', () => {
  it('lays out header, tree, events, log, status and help line', () => {
    const lines = renderScreen({ ...base, status: { text: 'restart root/a: done', style: 'plain' } }, 120, 30, 12_500);
    const text = lines.map((l) => l.text);
    expect(lines).toHaveLength(30);
    expect(text[0]).toBe('gridlink console  host edge-1  cluster field  connected  refreshed 2.5s ago');
    expect(text[1]).toMatch(/^ {2}NAME +STATE +PID +UPTIME +RESTARTS +MEMORY +CPU$/);
    expect(text[2]).toMatch(/^ {2}root +Running +- +2m05s +0 +- +-$/);
    expect(text[3]).toMatch(/^> {3}a +Running +4242 +3\.5s +1 +50\.0 MB +1\.3%$/);
    expect(lines[3]!.style).toBe('selected');
    expect(text[4]).toMatch(/^ {4}grid +Running +- +2m05s /);
    expect(text[5]).toMatch(/^ {6}b +BackingOff +- +- +3 +- +-$/);
    expect(lines[5]!.style).toBe('warn');
    expect(text.slice(7, 11)).toEqual([
      'Recent events',
      '  01:02:03 Exited     root/a  pid 4000, SIGKILL',
      '! 01:02:03 Restarted  root/a  pid 4242',
      '! 01:02:03 Escalated  root/grid  intensity 3 in 5000 ms',
    ]);
    expect(lines.slice(8, 11).map((l) => l.style)).toEqual(['warn', 'alert', 'alert']);
    expect(text.slice(12, 15)).toEqual(['Log of root/a', '  first line', '  second line']);
    expect(text[28]).toBe('restart root/a: done');
    expect(text[29]).toBe(HELP_LINE);
  });

  it('keeps the last tree and says so when the agent does not answer', () => {
    const lines = renderScreen({ ...base, connection: 'agent not answering' }, 120, 30, 70_000);
    expect(lines[0]).toEqual({ text: 'gridlink console  host edge-1  cluster field  agent not answering  refreshed 1m00s ago', style: 'alert' });
    expect(lines.map((l) => l.text).some((t) => t.startsWith('> ') && t.includes('4242'))).toBe(true);
  });

  it('shows only the last ten events, newest last', () => {
    const events = Array.from({ length: 14 }, (_, i) => event('Started', `root/w${i}`));
    const text = renderScreen({ ...base, events }, 120, 40, 10_000).map((l) => l.text);
    const shown = text.filter((t) => t.includes('Started'));
    expect(shown).toHaveLength(10);
    expect(shown[0]).toContain('root/w4');
    expect(shown[9]).toContain('root/w13');
  });

  it('cuts every line to the width and fills exactly the height, whatever the size', () => {
    for (const [width, height] of [
      [20, 8],
      [1, 1],
      [0, 0],
      [7, 3],
      [300, 60],
    ] as const) {
      const lines = renderScreen(base, width, height, 10_000);
      expect(lines).toHaveLength(height);
      for (const line of lines) expect(Array.from(line.text).length).toBeLessThanOrEqual(width);
      if (height >= 1) expect(HELP_LINE.startsWith(lines[height - 1]!.text.replace(/…$/, ''))).toBe(true);
    }
    const narrow = renderScreen(base, 20, 8, 10_000).map((l) => l.text);
    expect(narrow[0]).toBe('gridlink console  h…');
    expect(narrow).toHaveLength(8);
  });

  it('shows the newest log lines when the log is longer than the room left', () => {
    const logLines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const text = renderScreen({ ...base, logLines }, 80, 30, 10_000).map((l) => l.text);
    expect(text[27]).toBe('  line 99');
    expect(text).not.toContain('  line 0');
  });

  it('replaces control characters of log lines so they cannot move the cursor', () => {
    const text = renderScreen({ ...base, logLines: ['\u001b[2Jred\ttab'] }, 80, 30, 10_000).map((l) => l.text);
    expect(text).toContain('   [2Jred tab');
  });

  it('says so before the first tree arrives', () => {
    const text = renderScreen({ ...base, root: undefined, connection: 'connecting', lastTreeAtMs: undefined, events: [], logLines: [] }, 80, 20, 0).map((l) => l.text);
    expect(text[0]).toContain('connecting  refreshed never');
    expect(text).toContain('  (no tree yet)');
    expect(text).toContain('  (none yet)');
  });

  it('flattens the tree depth first', () => {
    expect(flattenTree(root).map((r) => [r.info.path, r.depth])).toEqual([
      ['root', 0],
      ['root/a', 1],
      ['root/grid', 1],
      ['root/grid/b', 2],
    ]);
  });
});

describe('console keys', () => {
  it('maps keys to actions, several per chunk, skipping unknown escape sequences', () => {
    expect(parseKeys('\u001b[A\u001b[Bjk')).toEqual([
      { kind: 'move', by: -1 },
      { kind: 'move', by: 1 },
      { kind: 'move', by: 1 },
      { kind: 'move', by: -1 },
    ]);
    expect(parseKeys('rsSf')).toEqual([
      { kind: 'command', action: 'Restart', force: false },
      { kind: 'command', action: 'Stop', force: false },
      { kind: 'command', action: 'Start', force: false },
      { kind: 'command', action: 'Stop', force: true },
    ]);
    expect(parseKeys('l')).toEqual([{ kind: 'logs' }]);
    expect(parseKeys('q')).toEqual([{ kind: 'quit' }]);
    expect(parseKeys('\u0003')).toEqual([{ kind: 'quit' }]);
    expect(parseKeys('\u001bOP\u001b[15~x\u001b[1;5Cq')).toEqual([{ kind: 'quit' }]);
  });

  it('keeps the selection inside the tree', () => {
    expect(moveSelection(0, -1, 4)).toBe(0);
    expect(moveSelection(3, 1, 4)).toBe(3);
    expect(moveSelection(1, 1, 4)).toBe(2);
    expect(moveSelection(2, 10, 4)).toBe(3);
    expect(moveSelection(0, 1, 0)).toBe(0);
  });
});

describe('console agent choice', () => {
  const record = (id: string, pid: number): ModuleRecord => ({
    id,
    incarnation: 1n,
    name: 'host-agent',
    version: '0.1.0',
    host: 'edge-1',
    hostKey: '',
    pid,
    routerEndpoints: [],
    pubEndpoints: [],
    roles: [{ name: 'supervisor', requestTypes: [] }],
    topics: [],
    publishes: [],
    state: 'running',
    seq: 1,
    curvePublicKey: '',
  });

  it('lists the agents numbered, cut to the width, and maps digits to them', () => {
    const agents = [record('aaaa', 11), record('bbbb', 22)];
    expect(chooserLines(agents, 200)).toEqual([
      '2 host agents answer; press 1-2 to watch one, q to quit:',
      '  1  aaaa  host edge-1  pid 11  host-agent',
      '  2  bbbb  host edge-1  pid 22  host-agent',
    ]);
    for (const line of chooserLines(agents, 12)) expect(Array.from(line).length).toBeLessThanOrEqual(12);
    expect(chosenIndex('2', 2)).toBe(1);
    expect(chosenIndex('1', 2)).toBe(0);
    expect(chosenIndex('3', 2)).toBeUndefined();
    expect(chosenIndex('x', 2)).toBeUndefined();
    expect(chosenIndex('q', 2)).toBe('quit');
    expect(chosenIndex('\u0003', 2)).toBe('quit');
  });

  it('sends agents past the ninth to --agent', () => {
    const agents = Array.from({ length: 11 }, (_, i) => record(`id${i}`, i + 1));
    const lines = chooserLines(agents, 200);
    expect(lines).toHaveLength(11);
    expect(lines[0]).toContain('press 1-9');
    expect(lines[10]).toBe('  (2 more: name one with --agent <id>)');
  });

  it('matches --agent by id first, then by host or module name', () => {
    const agents = [record('aaaa', 11), { ...record('bbbb', 22), host: 'edge-2' }];
    expect(matchAgents(agents, undefined).map((r) => r.id)).toEqual(['aaaa', 'bbbb']);
    expect(matchAgents(agents, 'bbbb').map((r) => r.id)).toEqual(['bbbb']);
    expect(matchAgents(agents, 'edge-2').map((r) => r.id)).toEqual(['bbbb']);
    expect(matchAgents(agents, 'host-agent').map((r) => r.id)).toEqual(['aaaa', 'bbbb']);
    expect(matchAgents(agents, 'nope')).toEqual([]);
  });
});

describe('console screen with a tall tree', () => {
  const workers = Array.from({ length: 40 }, (_, i) => info(`root/w${String(i).padStart(2, '0')}`, { pid: 1000 + i }));
  const tall: ConsoleState = { ...base, root: info('root', { kind: 'Supervisor', children: workers }), selected: 'root/w30' };

  it('scrolls the tree so the selected row stays on screen, with marks for the rows above and below', () => {
    const lines = renderScreen(tall, 100, 24, 10_000);
    const text = lines.map((l) => l.text);
    expect(lines).toHaveLength(24);
    const selected = lines.findIndex((l) => l.style === 'selected');
    expect(text[selected]).toMatch(/^> {3}w30 +Running +1030 /);
    const above = text.find((t) => /^ {2}↑ \d+ more$/.test(t));
    const below = text.find((t) => /^ {2}↓ \d+ more$/.test(t));
    expect(above).toBeDefined();
    expect(below).toBeDefined();
    const treeRows = text.filter((t) => /^[> ] {3}w\d\d /.test(t)).length;
    // Every row of the tree (41 with the root) is either shown or counted in a mark.
    expect(Number(/\d+/.exec(above!)![0]) + treeRows + Number(/\d+/.exec(below!)![0])).toBe(41);
    // The events and the log keep some lines, and the help line stays last.
    expect(text).toContain('Recent events');
    expect(text.some((t) => t.startsWith('Log of root/a'))).toBe(true);
    expect(text.some((t) => t.includes('Restarted'))).toBe(true);
    expect(text[23]).toBe(HELP_LINE);
  });

  it('shows the top of the tree when the first row is selected', () => {
    const text = renderScreen({ ...tall, selected: 'root' }, 100, 24, 10_000).map((l) => l.text);
    expect(text[2]).toMatch(/^> root /);
    expect(text.some((t) => /^ {2}↑/.test(t))).toBe(false);
    expect(text.some((t) => /^ {2}↓ \d+ more$/.test(t))).toBe(true);
  });
});
