// The App Store over real HTTP: catalogue, download checked against the
// catalogue's SHA-256, publish with and without the token, a bad package refused.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppStoreClient, AppStoreError, AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import { fileSha256, packModule, verifyPackage } from '../../core/provisioning/package/index.js';
import { demoManifest, makeSigningKey, signedPackageEntries, writeDemoProject, writeZip } from '../fixtures/packages/package-zips.js';

let dir: string;
let store: RunningAppStore | undefined;
const notes: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gridlink-store-'));
  notes.length = 0;
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<AppStoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppStoreError);
  return error as AppStoreError;
}

describe('App Store', () => {
  it('lists the valid packages of its folder, serves them, and a download is checked and complete', async () => {
    const { key, trusted } = makeSigningKey();
    const storeDir = join(dir, 'store');
    const project = writeDemoProject(join(dir, 'project'));
    const packed = await packModule({ ...project, key, out: storeDir });
    await writeZip(join(storeDir, 'nested', 'gen-0.1.0.zip'), signedPackageEntries({ key, manifest: { ...demoManifest, name: 'examples/generator', version: '0.1.0' }, modulePath: 'actors/examples/generator', files: [{ name: 'module/actors/examples/generator/module.js', data: 'export {};\n' }] }));
    writeFileSync(join(storeDir, 'broken.zip'), 'not a zip');
    store = await AppStoreServer.start({ dir: storeDir, log: (line) => notes.push(line) });
    expect(store.refused.map((item) => item.file)).toEqual([join(storeDir, 'broken.zip')]);
    expect(notes.join('\n')).toContain('broken.zip not listed');

    const client = new AppStoreClient(store.url);
    const catalogue = await client.catalogue();
    expect(catalogue.map((item) => `${item.manifest.name}@${item.manifest.version}`).sort()).toEqual(['demo@1.2.3', 'examples/generator@0.1.0']);
    const demo = catalogue.find((item) => item.manifest.name === 'demo');
    expect(demo).toEqual({ manifest: packed.manifest, sha256: packed.sha256, sizeBytes: packed.sizeBytes, keyId: key.keyId, path: '/packages/demo/1.2.3.zip' });
    expect(catalogue.find((item) => item.manifest.name === 'examples/generator')?.path).toBe('/packages/examples%2Fgenerator/0.1.0.zip');

    const progress: number[] = [];
    const downloaded = await client.download('demo', '1.2.3', join(dir, 'demo.zip'), (received, total) => {
      expect(total).toBe(packed.sizeBytes);
      progress.push(received);
    });
    expect(downloaded.sha256).toBe(packed.sha256);
    expect(await fileSha256(join(dir, 'demo.zip'))).toBe(packed.sha256);
    expect(progress.at(-1)).toBe(packed.sizeBytes);
    expect((await verifyPackage(join(dir, 'demo.zip'), trusted)).manifest.name).toBe('demo');
    const generator = await client.download('examples/generator', '0.1.0', join(dir, 'gen.zip'));
    expect(generator.sizeBytes).toBeGreaterThan(0);

    const missing = await failure(client.download('demo', '9.9.9', join(dir, 'none.zip')));
    expect(missing.status).toBe(404);
    expect(existsSync(join(dir, 'none.zip'))).toBe(false);
  });

  it('a download whose bytes differ from the catalogue is refused and leaves no file', async () => {
    const { key } = makeSigningKey();
    const storeDir = join(dir, 'store');
    mkdirSync(storeDir);
    const file = join(storeDir, 'demo.zip');
    await writeZip(file, signedPackageEntries({ key }));
    store = await AppStoreServer.start({ dir: storeDir, log: (line) => notes.push(line) });
    // The file is replaced behind the store's back (same size, other bytes): the catalogue's digest no longer matches.
    const bytes = readFileSync(file);
    bytes[bytes.length - 30] ^= 0xff;
    writeFileSync(file, bytes);
    const error = await failure(new AppStoreClient(store.url).download('demo', '1.2.3', join(dir, 'out', 'demo.zip')));
    expect(error.message).toContain("differs from the catalogue's");
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it('publishing needs the token, verifies the package, refuses a bad one and a changed republish', async () => {
    const { key } = makeSigningKey();
    const storeDir = join(dir, 'store');
    store = await AppStoreServer.start({ dir: storeDir, publishToken: 's3cret-token', log: (line) => notes.push(line) });
    const client = new AppStoreClient(store.url);
    const packed = await packModule({ ...writeDemoProject(join(dir, 'project')), key, out: join(dir, 'packs') });

    expect((await failure(client.publish(packed.file, 'wrong'))).status).toBe(401);
    expect(await client.catalogue()).toEqual([]);

    const item = await client.publish(packed.file, 's3cret-token');
    expect(item).toMatchObject({ sha256: packed.sha256, keyId: key.keyId, path: '/packages/demo/1.2.3.zip' });
    expect((await client.catalogue()).map((listed) => listed.sha256)).toEqual([packed.sha256]);
    expect(readdirSync(storeDir)).toEqual(['demo-1.2.3.zip']);
    expect(await client.publish(packed.file, 's3cret-token')).toEqual(item);

    const bad = join(dir, 'bad.zip');
    const entries = signedPackageEntries({ key, manifest: { ...demoManifest, version: '2.0.0' } }).map((entry) =>
      entry.name.endsWith('helper.js') ? { ...entry, data: 'export const helper = 0;\n' } : entry,
    );
    await writeZip(bad, entries);
    const refused = await failure(client.publish(bad, 's3cret-token'));
    expect(refused.status).toBe(422);
    expect(refused.message).toContain('digest mismatch');

    const changed = join(dir, 'changed.zip');
    await writeZip(changed, signedPackageEntries({ key }));
    expect((await failure(client.publish(changed, 's3cret-token'))).status).toBe(409);
    expect(readdirSync(storeDir)).toEqual(['demo-1.2.3.zip']);

    // A restarted store lists what was published.
    await store.close();
    store = await AppStoreServer.start({ dir: storeDir, log: (line) => notes.push(line) });
    const restarted = new AppStoreClient(store.url);
    expect((await restarted.catalogue()).map((listed) => listed.sha256)).toEqual([packed.sha256]);
    expect((await failure(restarted.publish(packed.file, 's3cret-token'))).status).toBe(403);
  });
});
