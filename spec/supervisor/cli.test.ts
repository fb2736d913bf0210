/** `gridlink ps` against a running `gridlink up`, as text and as JSON; `gridlink up --help`. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { domainFlags, removeTempDirs, runGridlink } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { child, newDomain, startAgent, tempDir, type Agent } from './helpers.js';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await killAll();
});
afterAll(removeTempDirs);

describe('gridlink ps and up', () => {
  it('ps prints the tree as text and as JSON', async () => {
    const domain = await newDomain();
    const dir = tempDir('sup-ps');
    agent = await startAgent(domain, dir, { children: [child(dir, 'a'), { name: 'inner', strategy: 'rest_for_one', children: [child(dir, 'b')] }] });
    const tree = await agent.tree();
    const a = tree.children![0]!;

    const json = await runGridlink(['ps', '--json', ...domainFlags(domain), '--discover-ms', '3000'], { cwd: dir });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { host: string; root: { name: string; strategy: string; children: { name: string; pid: number; state: string; moduleId: string; incarnation: string; memoryBytes: number; children: { path: string }[] }[] } };
    expect(parsed.root.name).toBe('root');
    expect(parsed.root.children.map((c) => c.name)).toEqual(['a', 'inner']);
    expect(parsed.root.children[0]).toMatchObject({ pid: a.pid, state: 'Running', moduleId: a.moduleId, incarnation: a.incarnation.toString() });
    expect(parsed.root.children[0]!.memoryBytes).toBeGreaterThan(1_000_000);
    expect(parsed.root.children[1]!.children[0]!.path).toBe('root/inner/b');

    const text = await runGridlink(['ps', ...domainFlags(domain), '--discover-ms', '3000'], { cwd: dir });
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[1]).toMatch(/^NAME\s+MODULE\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+MEMORY\s+CPU\s+LAST EXIT$/);
    expect(lines[2]).toMatch(/^root\s+<OneForOne>\s+Running/);
    expect(lines[3]).toMatch(new RegExp(`^  a\\s+\\S+supervisor-child\\.js\\s+Running\\s+${a.pid}\\s`));
    expect(lines[4]).toMatch(/^  inner\s+<RestForOne>\s+Running/);
    expect(lines[5]).toMatch(/^    b\s/);
  });

  it('ps without an agent says so and fails', async () => {
    const domain = await newDomain();
    const result = await runGridlink(['ps', ...domainFlags(domain), '--discover-ms', '300'], { cwd: tempDir('sup-ps-none') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no host agent \(role "supervisor"\) found/);
  });

  it('up --help shows an example tree', async () => {
    const result = await runGridlink(['up', '--help'], { cwd: tempDir('sup-help') });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"strategy": "one_for_one"');
    expect(result.stdout).toContain('npx gridlink up supervisor/examples/substation.json');
  });
});
