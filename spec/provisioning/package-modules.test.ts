// Every module in actors/ packs from its build (dist/, made by `npm run build`)
// and the package verifies with the key that signed it.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractPackage, packModule, verifyPackage } from '../../core/provisioning/package/index.js';
import { makeSigningKey } from '../fixtures/packages/package-zips.js';

const root = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'gridlink-pack-all-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function moduleFolders(folder: string): string[] {
  if (existsSync(join(folder, 'manifest.json'))) return [folder];
  return readdirSync(folder, { withFileTypes: true })
    .filter((item) => item.isDirectory())
    .flatMap((item) => moduleFolders(join(folder, item.name)));
}

const modules = moduleFolders(join(root, 'actors')).map((folder) => relative(root, folder));

describe('every module in actors/ packs', () => {
  it('finds the modules', () => {
    expect(modules).toEqual(expect.arrayContaining(['actors/storage', 'actors/examples/generator', 'actors/examples/memory-storage', 'actors/examples/monitor']));
  });

  const { key, trusted } = makeSigningKey();
  it.each(modules)('%s', async (modulePath) => {
    const packed = await packModule({ sourceDir: join(root, modulePath), compiledDir: join(root, 'dist', modulePath), key, out });
    expect(`actors/${packed.manifest.name}`).toBe(modulePath);
    const verified = await verifyPackage(packed.file, trusted);
    expect(verified.entryPath).toBe(`${modulePath}/${packed.manifest.entry}`);
    expect(verified.sha256).toBe(packed.sha256);
    expect(packed.sizeBytes).toBeGreaterThan(0);
  });

  it('packs the dashboard with its built web app (bundled, not compiled file by file)', async () => {
    const packed = await packModule({ sourceDir: join(root, 'actors/dashboard'), compiledDir: join(root, 'dist/actors/dashboard'), key, out });
    const target = join(out, 'dashboard-extracted');
    await extractPackage(await verifyPackage(packed.file, trusted), target);
    const web = readdirSync(join(target, 'actors/dashboard/web'));
    expect(web).toContain('index.html');
    expect(web.some((name) => /^app-.*\.js$/.test(name))).toBe(true);
    expect(web.some((name) => name.endsWith('.ts'))).toBe(false);
  });
});
