import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus, parseKeyring } from '../../core/bus/index.js';
import { freeUdpPort, uniqueCluster } from '../support/processes.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gridlink-keyring-'));
let port: number;
let cluster: string;
let module: Bus | undefined;

afterAll(async () => {
  await module?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gridlink keygen and --keyring', () => {
  beforeAll(async () => {
    port = await freeUdpPort();
    cluster = uniqueCluster('cli-curve');
  });

  it('keygen writes a keyring readable only by its owner and refuses to overwrite one', async () => {
    const file = join(dir, 'tool.keyring.json');
    const made = await runCli(['keygen', '--out', file]);
    expect(made.code, made.stderr).toBe(0);
    const keyring = parseKeyring(JSON.parse(readFileSync(file, 'utf8')), file);
    expect(JSON.parse(made.stdout)).toEqual({ file, publicKey: keyring.publicKey });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await runCli(['keygen', '--out', file]);
    expect(again.code).not.toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(keyring.secretKey);
  });

  it('a CLI peer with an admitted keyring sees a CURVE cluster; without one, or with a stranger\'s key, it sees nothing', async () => {
    const tool = parseKeyring(JSON.parse(readFileSync(join(dir, 'tool.keyring.json'), 'utf8')), 'tool');
    const moduleKeys = JSON.parse((await runCli(['keygen', '--allow', tool.publicKey])).stdout) as { publicKey: string; secretKey: string; allowed: string[] };
    // The tool's own keyring must admit the module's key too.
    writeFileSync(join(dir, 'tool.keyring.json'), JSON.stringify({ ...tool, allowed: [moduleKeys.publicKey] }));
    module = await Bus.start({ name: 'curve-module', discovery: { port, cluster }, keyring: moduleKeys });

    const admitted = await runCli(['registry', '--json', '--port', String(port), '--cluster', cluster, '--keyring', join(dir, 'tool.keyring.json')]);
    expect(admitted.code, admitted.stderr).toBe(0);
    expect((JSON.parse(admitted.stdout) as { name: string }[]).map((r) => r.name)).toEqual(['curve-module']);

    const stranger = join(dir, 'stranger.keyring.json');
    expect((await runCli(['keygen', '--allow', moduleKeys.publicKey, '--out', stranger])).code).toBe(0);
    const refused = await runCli(['registry', '--json', '--port', String(port), '--cluster', cluster, '--keyring', stranger, '--discover-ms', '1500']);
    expect(refused.code).toBe(0);
    expect(JSON.parse(refused.stdout)).toEqual([]);
    expect(module.registry.list().map((r) => r.name)).toEqual(['curve-module']);

    const plain = await runCli(['registry', '--json', '--port', String(port), '--cluster', cluster, '--discover-ms', '1500']);
    expect(JSON.parse(plain.stdout)).toEqual([]);
  });

  it('a keyring file that is not one is refused with exit 2, naming the file', async () => {
    const bad = join(dir, 'bad.keyring.json');
    writeFileSync(bad, JSON.stringify({ publicKey: 'short', secretKey: 'x' }));
    const result = await runCli(['registry', '--keyring', bad, '--port', String(port), '--cluster', cluster]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}.publicKey`);
  });
});
