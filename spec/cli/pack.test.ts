// `gridlink keygen --sign`, `gridlink pack`, `gridlink store serve|publish|catalogue`:
// the compiled CLI in its own process, a real App Store over HTTP.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrustedKeys, verifyPackage } from '../../core/provisioning/package/index.js';
import { writeDemoProject } from '../fixtures/packages/package-zips.js';
import { assertCliBuilt, eventually, runCli, startCli, type RunningCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gridlink-cli-pack-'));
/** A home folder of its own, so the default key (~/.gridlink/signing.key) is this suite's. */
const home = join(dir, 'home');
const env = { HOME: home };
let serving: RunningCli | undefined;

beforeAll(() => assertCliBuilt());
afterAll(async () => {
  if (serving && serving.child.exitCode === null) {
    serving.child.kill('SIGTERM');
    await serving.done;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('gridlink keygen --sign, pack, store', () => {
  it('pack without a key says how to make one', async () => {
    const result = await runCli(['pack', 'actors/examples/generator', '--out', join(dir, 'packages')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('gridlink pack: no signing key at');
    expect(result.stderr).toContain('gridlink keygen --sign');
  });

  it('keygen --sign writes the key pair (private one 0600), prints the key id, never overwrites', async () => {
    const made = await runCli(['keygen', '--sign'], env);
    expect(made.code, made.stderr).toBe(0);
    const printed = JSON.parse(made.stdout) as { file: string; publicKeyFile: string; keyId: string };
    expect(printed.file).toBe(join(home, '.gridlink', 'signing.key'));
    expect(printed.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(statSync(printed.file).mode & 0o777).toBe(0o600);
    expect([...loadTrustedKeys(printed.publicKeyFile).byId.keys()]).toEqual([printed.keyId]);
    const again = await runCli(['keygen', '--sign'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('not overwriting a signing key');
  });

  it('packs a module of actors/ with the default key; the package verifies with the .pub file', async () => {
    const result = await runCli(['pack', 'examples/generator', '--out', join(dir, 'packages')], env);
    expect(result.code, result.stderr).toBe(0);
    const packed = JSON.parse(result.stdout) as { file: string; sha256: string; name: string; version: string; keyId: string; sizeBytes: number };
    expect(packed).toMatchObject({ file: join(dir, 'packages', 'examples.generator-0.1.0.zip'), name: 'examples/generator', version: '0.1.0' });
    const verified = await verifyPackage(packed.file, loadTrustedKeys(join(home, '.gridlink', 'signing.key.pub')));
    expect(verified.sha256).toBe(packed.sha256);
    expect(verified.entryPath).toBe('actors/examples/generator/module.js');
  });

  it('says to build first when the module has no compiled files', async () => {
    const project = writeDemoProject(join(dir, 'project'));
    rmSync(join(dir, 'project', 'dist'), { recursive: true });
    const result = await runCli(['pack', project.sourceDir, '--out', join(dir, 'packages')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not found: build first \(npm run build\)/);
    const notModule = await runCli(['pack', 'core'], env);
    expect(notModule.stderr).toContain('not a module folder (no manifest.json');
  });

  it('store serve lists the packed module; publish needs the token; catalogue prints what is listed', async () => {
    serving = startCli(['store', 'serve', join(dir, 'store'), '--port', '0', '--token', 'cli-token'], env);
    await eventually(() => serving!.lines().length > 0, 'the store prints its url');
    const started = JSON.parse(serving.lines()[0]) as { url: string; packages: number; publishing: boolean };
    expect(started).toMatchObject({ packages: 0, publishing: true });

    const zip = join(dir, 'packages', 'examples.generator-0.1.0.zip');
    const refused = await runCli(['store', 'publish', zip, '--store', started.url, '--token', 'guess'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 401');
    const published = await runCli(['store', 'publish', zip, '--store', started.url], { ...env, GRIDLINK_STORE_TOKEN: 'cli-token' });
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ path: '/packages/examples%2Fgenerator/0.1.0.zip' });
    expect(existsSync(join(dir, 'store', 'examples.generator-0.1.0.zip'))).toBe(true);

    const catalogue = await runCli(['store', 'catalogue', '--store', started.url], env);
    expect((JSON.parse(catalogue.stdout) as { manifest: { name: string } }[]).map((item) => item.manifest.name)).toEqual(['examples/generator']);
    expect(readFileSync(zip).length).toBe((JSON.parse(catalogue.stdout) as { sizeBytes: number }[])[0].sizeBytes);

    serving.child.kill('SIGTERM');
    expect((await serving.done).code).toBe(0);
  });

  it('--help for each command', async () => {
    for (const args of [['pack'], ['store'], ['store', 'serve'], ['store', 'publish'], ['store', 'catalogue'], ['keygen']]) {
      const help = await runCli([...args, '--help'], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: gridlink ${args.join(' ')}`);
    }
  });
});
