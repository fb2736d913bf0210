// Packages: packing a module, the round trip through verification and
// extraction, and every bad package refused with a reason naming the entry.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  extractPackage, loadSigningKey, loadTrustedKeys, generateSigningKeyPair, packModule, parseManifest, PackageError, verifyPackage,
  type VerifiedPackage,
} from '../../core/provisioning/package/index.js';
import {
  demoFiles, demoManifest, makeSigningKey, renameEntry, setDeclaredSize, signedPackageEntries, writeDemoProject, writeZip, type ZipEntrySpec,
} from '../fixtures/packages/package-zips.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gridlink-package-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<PackageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PackageError);
  return error as PackageError;
}

describe('packModule, verifyPackage, extractPackage', () => {
  it('round trip: packs the compiled files of the sources, verifies, extracts them with the manifest', async () => {
    const { key, trusted } = makeSigningKey();
    const { sourceDir, compiledDir } = writeDemoProject(join(dir, 'project'));
    const packed = await packModule({ sourceDir, compiledDir, key, out: join(dir, 'out') });
    expect(packed.file).toBe(join(dir, 'out', 'demo-1.2.3.zip'));
    expect(packed.keyId).toBe(key.keyId);
    expect(packed.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(packed.manifest.requires).toEqual([{ role: 'storage', range: '^1.0.0' }]);

    const verified = await verifyPackage(packed.file, trusted);
    expect(verified).toEqual({ file: packed.file, manifest: packed.manifest, sha256: packed.sha256, keyId: key.keyId, entryPath: 'actors/demo/module.js' });

    const target = join(dir, 'apps', 'demo', '1.2.3');
    await extractPackage(verified, target);
    expect(readFileSync(join(target, 'actors/demo/module.js'), 'utf8')).toContain("from './lib/helper.js'");
    expect(readFileSync(join(target, 'actors/demo/lib/helper.js'), 'utf8')).toBe('export const helper = 42;\n');
    expect(JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    expect(JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8'))).toEqual(demoManifest);
    expect(existsSync(join(target, 'actors/demo/stale.js'))).toBe(false);
    expect(existsSync(join(target, 'actors/demo/module.test.js'))).toBe(false);
    expect(readdirSync(join(dir, 'apps', 'demo'))).toEqual(['1.2.3']);

    // Packing the same build again gives the same bytes.
    const again = await packModule({ sourceDir, compiledDir, key, out: join(dir, 'out2') });
    expect(again.sha256).toBe(packed.sha256);
  });

  it('extraction refuses a target that exists', async () => {
    const { key, trusted } = makeSigningKey();
    const file = join(dir, 'good.zip');
    await writeZip(file, signedPackageEntries({ key }));
    const verified = await verifyPackage(file, trusted);
    await extractPackage(verified, join(dir, 'target'));
    const error = await refusal(extractPackage(verified, join(dir, 'target')));
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toContain('exists already');
  });

  it('packing says to build first when the compiled files are missing, and names a manifest field at fault', async () => {
    const { key } = makeSigningKey();
    const { sourceDir, compiledDir } = writeDemoProject(join(dir, 'project'));
    rmSync(join(compiledDir, 'lib'), { recursive: true });
    const missing = await refusal(packModule({ sourceDir, compiledDir, key, out: join(dir, 'out') }));
    expect(missing.code).toBe('NotFound');
    expect(missing.message).toMatch(/helper\.js not found: build first \(npm run build\)/);

    const other = writeDemoProject(join(dir, 'project2'), { ...demoManifest, name: 'other' });
    const misnamed = await refusal(packModule({ ...other, key, out: join(dir, 'out') }));
    expect(misnamed.message).toContain(`must be the module's folder below actors/ ("demo")`);
  });

  it('parseManifest names the field at fault', () => {
    expect(() => parseManifest({ ...demoManifest, version: 'one' }, 'm.json')).toThrow('m.json: version: "one" is not a semantic version');
    expect(() => parseManifest({ ...demoManifest, requires: [{ role: 'storage', range: 'not a range!' }] }, 'm.json')).toThrow('m.json: requires[0].range');
    expect(() => parseManifest({ ...demoManifest, entry: '../module.js' }, 'm.json')).toThrow('m.json: entry');
    expect(() => parseManifest({ ...demoManifest, extra: 1 }, 'm.json')).toThrow('m.json: extra: unknown field');
    const { config: _config, ...withoutConfig } = demoManifest;
    expect(() => parseManifest(withoutConfig, 'm.json')).toThrow('m.json: config: expected an object');
    expect(() => parseManifest({ ...demoManifest, config: { intervalMs: 0.5 } }, 'm.json')).toThrow(
      'm.json: config: the default settings do not satisfy configSchema: /intervalMs must be integer',
    );
    expect(() => parseManifest({ ...demoManifest, configSchema: { type: 'no such type' } }, 'm.json')).toThrow('m.json: config: the default settings do not satisfy configSchema: the schema is invalid');
    expect(parseManifest(demoManifest, 'm.json')).toEqual(demoManifest);
  });

  it('keys: keygen-style PEM files load, with the same key id for both halves', () => {
    const pair = generateSigningKeyPair();
    writeFileSync(join(dir, 'signing.key'), pair.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'signing.key.pub'), pair.publicKeyPem);
    expect(loadSigningKey(join(dir, 'signing.key')).keyId).toBe(pair.keyId);
    expect([...loadTrustedKeys(dir).byId.keys()]).toEqual([pair.keyId]);
    expect(() => loadSigningKey(join(dir, 'absent.key'))).toThrow('gridlink keygen --sign');
  });
});

describe('verifyPackage refuses bad packages, naming the entry', () => {
  const trustedKey = makeSigningKey();

  async function refused(entries: ZipEntrySpec[], edit?: (zip: Buffer) => Buffer, limits?: Parameters<typeof verifyPackage>[2]): Promise<PackageError> {
    const file = join(dir, 'bad.zip');
    await writeZip(file, entries);
    if (edit) writeFileSync(file, edit(readFileSync(file)));
    const error = await refusal(verifyPackage(file, trustedKey.trusted, limits));
    expect(error.code).toBe('BadPackage');
    expect(error.file).toBe(file);
    return error;
  }
  const signed = (spec: Partial<Parameters<typeof signedPackageEntries>[0]> = {}): ZipEntrySpec[] => signedPackageEntries({ key: trustedKey.key, ...spec });

  it('a file changed after signing: digest mismatch', async () => {
    const entries = signed().map((entry) => (entry.name === 'module/actors/demo/lib/helper.js' ? { ...entry, data: 'export const helper = 666;\n' } : entry));
    const error = await refused(entries);
    expect(error.message).toContain('entry "module/actors/demo/lib/helper.js": digest mismatch');
    expect(error.entry).toBe('module/actors/demo/lib/helper.js');
  });

  it('the manifest changed after signing: digest mismatch', async () => {
    const entries = signed().map((entry) => (entry.name === 'manifest.json' ? { ...entry, data: JSON.stringify({ ...demoManifest, version: '9.9.9' }) } : entry));
    expect((await refused(entries)).message).toContain('entry "manifest.json": digest mismatch');
  });

  it('a listing altered after signing, or signed by another key under a trusted id: signature invalid', async () => {
    const other = makeSigningKey();
    const forged = signedPackageEntries({
      key: other.key,
      editRecord: (record) => {
        record.keyId = trustedKey.key.keyId;
      },
    });
    expect((await refused(forged)).message).toContain('signature invalid');
    const altered = signed({
      editRecord: (record) => {
        record.files = record.files.filter((file) => !file.path.endsWith('helper.js'));
      },
    }).filter((entry) => !entry.name.endsWith('helper.js'));
    expect((await refused(altered)).message).toContain('signature invalid');
  });

  it('signed by a key the host does not trust: unknown key id', async () => {
    const stranger = makeSigningKey();
    const error = await refused(signedPackageEntries({ key: stranger.key }));
    expect(error.message).toContain(`signed by unknown key ${stranger.key.keyId}`);
  });

  it("names with '..', absolute paths, backslashes, drive letters", async () => {
    const withExtra = (name: string): ZipEntrySpec[] => [...signed(), { name, data: 'x' }];
    const dotdot = await refused(withExtra('module/XX/evil.js'), (zip) => renameEntry(zip, 'module/XX/evil.js', 'module/../evil.js'));
    expect(dotdot.message).toContain(`entry "module/../evil.js": '..' in the path`);
    expect(dotdot.entry).toBe('module/../evil.js');
    const absolute = await refused(withExtra('Xetc/cron.d/evil'), (zip) => renameEntry(zip, 'Xetc/cron.d/evil', '/etc/cron.d/evil'));
    expect(absolute.message).toContain('entry "/etc/cron.d/evil": absolute path');
    const backslash = await refused(withExtra('module/aXb.js'), (zip) => renameEntry(zip, 'module/aXb.js', 'module/a\\b.js'));
    expect(backslash.message).toContain('backslash in the name');
    const drive = await refused(withExtra('CX/evil.js'), (zip) => renameEntry(zip, 'CX/evil.js', 'C:/evil.js'));
    expect(drive.message).toContain('entry "C:/evil.js": drive letter');
  });

  it('symbolic links, even when signed', async () => {
    const files = [...demoFiles, { name: 'module/actors/demo/link.js', data: '/etc/passwd', mode: 0o120777 }];
    const error = await refused(signed({ files }));
    expect(error.message).toContain('entry "module/actors/demo/link.js": symbolic link');
  });

  it('duplicate names', async () => {
    const entries = signed();
    const error = await refused([...entries, { name: 'module/actors/demo/module.js', data: 'export default class Evil {}\n' }]);
    expect(error.message).toContain('entry "module/actors/demo/module.js": duplicate name');
  });

  it('a file where other entries need a folder', async () => {
    const files = [...demoFiles, { name: 'module/actors/demo/lib', data: 'a file named like a folder' }];
    const error = await refused(signed({ files }));
    expect(error.message).toContain('entry "module/actors/demo/lib": a file with the name of a folder');
    const before = [{ name: 'module/actors/demo/lib', data: 'x' }, ...demoFiles];
    expect((await refused(signed({ files: before }))).message).toContain('entry "module/actors/demo/lib/helper.js": is inside "module/actors/demo/lib", which is a file');
  });

  it('more entries than allowed, an entry or a package larger than allowed', async () => {
    expect((await refused(signed(), undefined, { maxEntries: 3 })).message).toContain('more than the 3 allowed');
    const entryLimit = await refused(signed(), undefined, { maxEntryBytes: 30 });
    expect(entryLimit.message).toMatch(/entry ".+": inflates to more than 30 bytes/);
    expect((await refused(signed(), undefined, { maxTotalBytes: 400 })).message).toContain('inflates to more than 400 bytes, the limit of a package');
  });

  it('a zip bomb: the compression ratio on the bytes actually inflated', async () => {
    const files = [...demoFiles, { name: 'module/actors/demo/zeros.bin', data: Buffer.alloc(8 * 1024 * 1024) }];
    const error = await refused(signed({ files }));
    expect(error.message).toContain('entry "module/actors/demo/zeros.bin": compression ratio beyond 100:1');
  });

  it('a header that under-declares the size does not fool the counting', async () => {
    const files = [...demoFiles, { name: 'module/actors/demo/big.bin', data: Buffer.alloc(2 * 1024 * 1024, 7) }];
    const error = await refused(signed({ files }), (zip) => setDeclaredSize(zip, 'module/actors/demo/big.bin', 1000), { maxEntryBytes: 1024 * 1024, maxRatio: 1e9 });
    expect(error.message).toContain('entry "module/actors/demo/big.bin": inflates to more than 1048576 bytes');
    const honestLimits = await refused(signed({ files }), (zip) => setDeclaredSize(zip, 'module/actors/demo/big.bin', 1000), { maxRatio: 1e9 });
    expect(honestLimits.message).toContain('its header says 1000 bytes, its content has 2097152');
  });

  it('files not in the signed listing', async () => {
    const error = await refused([...signed(), { name: 'module/actors/demo/extra.js', data: 'process.exit(1)\n' }]);
    expect(error.message).toContain('entry "module/actors/demo/extra.js" is not in the signed listing');
  });

  it('a missing manifest, a missing signature', async () => {
    expect((await refused(signed().filter((entry) => entry.name !== 'manifest.json'))).message).toContain('no manifest.json');
    expect((await refused(signed().filter((entry) => entry.name !== 'signature.json'))).message).toContain('not signed (no signature.json)');
  });

  it('a signed manifest that fails parseManifest', async () => {
    const error = await refused(signed({ manifest: { ...demoManifest, provides: [{ role: 'demo', version: 'latest' }] } }));
    expect(error.message).toContain('manifest.json: provides[0].version: "latest" is not a semantic version');
    expect(error.entry).toBe('manifest.json');
  });

  it('something that is not a ZIP', async () => {
    const file = join(dir, 'text.zip');
    writeFileSync(file, 'hello');
    const error = await refusal(verifyPackage(file, trustedKey.trusted));
    expect(error.message).toContain('not a readable ZIP file');
  });
});

describe('extractPackage leaves nothing behind on failure', () => {
  it('a limit reached mid-way, a file changed since verification, an entry damaged mid-way', async () => {
    const { key, trusted } = makeSigningKey();
    const file = join(dir, 'pkg.zip');
    const files = [...demoFiles, { name: 'module/actors/demo/z-last.js', data: 'export const last = 1;\n'.repeat(200) }];
    await writeZip(file, signedPackageEntries({ key, files }));
    const verified = await verifyPackage(file, trusted);
    const apps = join(dir, 'apps');
    const target = join(apps, 'demo', '1.2.3');

    const limit = await refusal(extractPackage(verified, target, { maxTotalBytes: 3000 }));
    expect(limit.message).toContain('z-last.js');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(join(apps, 'demo'))).toEqual([]);

    // The last file's content is changed (same length), and a VerifiedPackage claims the new file's digest:
    // the earlier files are written before the damage is found.
    const damaged = join(dir, 'damaged.zip');
    const entries = signedPackageEntries({ key, files }).map((entry) =>
      entry.name.endsWith('z-last.js') ? { ...entry, data: 'export const last = 2;\n'.repeat(200) } : entry,
    );
    await writeZip(damaged, entries);
    const { fileSha256 } = await import('../../core/provisioning/package/index.js');
    const forged: VerifiedPackage = { ...verified, file: damaged, sha256: await fileSha256(damaged) };
    const midway = await refusal(extractPackage(forged, target));
    expect(midway.message).toContain('entry "module/actors/demo/z-last.js": digest mismatch');
    expect(readdirSync(join(apps, 'demo'))).toEqual([]);

    writeFileSync(file, readFileSync(damaged));
    const changed = await refusal(extractPackage(verified, target));
    expect(changed.message).toContain('changed since it was verified');
    expect(readdirSync(join(apps, 'demo'))).toEqual([]);

    await writeZip(file, signedPackageEntries({ key, files }));
    await extractPackage(verified, target);
    expect(readdirSync(join(apps, 'demo'))).toEqual(['1.2.3']);
  });
});
