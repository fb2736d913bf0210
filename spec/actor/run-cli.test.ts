/**
 * `gridlink run` and bad input: every mistake a person can make on the
 * command line ends with exit code 2 and one message that says what is wrong
 * (and in which file), never with a stack trace; --help describes the command.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { domainFlags, removeTempDirs, runGridlink, tempDir, writeConfig, type Domain } from './helpers.js';

const KNOWN = 'alarms, app-gateway, app-manager, bems-aa, brm, dashboard, examples/generator, examples/memory-storage, examples/monitor, grm, iec104-gateway, modbus-gateway, ssd, storage';

let dir: string;
let domain: Domain;

beforeAll(async () => {
  dir = tempDir('run-cli');
  // Only reached if a test failed to stop a module before it joined: then it joins nobody.
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-run-cli') };
});

afterAll(async () => {
  await killAll();
  removeTempDirs();
});

function run(...args: string[]) {
  return runGridlink([...args, ...domainFlags(domain)], { cwd: dir });
}

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain('a bug; please report it');
}

describe('gridlink run: bad input', () => {
  it('an unknown module name exits 2 and lists the known modules', async () => {
    const result = await run('run', 'examples/nothing-here');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gridlink run: no module "examples/nothing-here"; known: ${KNOWN}`);
    expect(result.stdout).toBe('');
  });

  it('no module at all exits 2 and lists the known modules', async () => {
    const result = await run('run');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`which module? known: ${KNOWN}`);
  });

  it('a configuration file with invalid JSON exits 2, naming the file and the position', async () => {
    const config = writeConfig(dir, '{ "settings": { "intervalMs": 500 }, ', 'broken.json');
    const result = await run('run', 'examples/monitor', '--config', config);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^gridlink run: cannot start monitor: ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: .*position \\d+`));
    expectNoStack(result.stderr);
  });

  it('a configuration file with an unknown key exits 2, naming the file and the key', async () => {
    const config = writeConfig(dir, { settings: { intervalMs: 500 }, setings: { timeoutMs: 1 } }, 'unknown-key.json');
    const result = await run('run', 'examples/monitor', '--config', config);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gridlink run: cannot start monitor: ${config}: unknown key "setings" (known: bus, proxies, stateDir, settings)`);
  });

  it('a configuration file with a bad proxy or a missing file exits 2 with the file and the problem', async () => {
    const proxies = writeConfig(dir, { proxies: { inbound: [{ kind: 'teleport' }] } }, 'proxies.json');
    const bad = await run('run', 'examples/monitor', '--config', proxies);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${proxies}: proxies.inbound[0].kind: expected one of log, encrypt, reroute, rename, drop, got "teleport"`);

    const missing = join(dir, 'does-not-exist.json');
    const gone = await run('run', 'examples/monitor', '--config', missing);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`${missing}: cannot read: ENOENT`);
  });

  it('a file that does not export a Module subclass exits 2', async () => {
    const file = writeConfig(dir, 'export default class NotAModule {}\n', 'not-a-module.js');
    const result = await run('run', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not export a Module subclass as its default export');
    expectNoStack(result.stderr);
  });
});

describe('gridlink run --help', () => {
  it('exits 0 and describes the command, its options and examples', async () => {
    const result = await runGridlink(['run', '--help'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: gridlink run [options] [module]');
    for (const option of ['--config <file>', '--list', '--port <udp>', '--cluster <name>']) expect(result.stdout).toContain(option);
    expect(result.stdout).toContain('npx gridlink run examples/generator');
  });

  it('--list prints the modules this installation ships', async () => {
    const result = await runGridlink(['run', '--list'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual(KNOWN.split(', '));
  });
});
