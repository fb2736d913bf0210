/**
 * Extraction of a verified package into its installed folder. Everything is
 * written into a temporary sibling folder and checked again on the way (the
 * file may have changed since it was verified); only a complete, intact
 * extraction is renamed to the target, so a failure at any point leaves
 * nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { extractLimits, type ExtractLimits } from './extract-limits.js';
import { PackageError } from './package-error.js';
import type { EntrySink } from './scan-package-zip.js';
import { MANIFEST_ENTRY, MODULE_PREFIX } from './signature-record.js';
import { fileSha256, scanAndCheck, type VerifiedPackage } from './verify-package.js';

/**
 * Extracts the module's files (the package's module/ folder) into targetDir,
 * which must not exist, plus the package's manifest.json at its root.
 */
export async function extractPackage(pkg: VerifiedPackage, targetDir: string, limits: Partial<ExtractLimits> = {}): Promise<void> {
  const target = resolve(targetDir);
  if (existsSync(target)) throw new PackageError('InvalidArgument', `${target} exists already (extraction needs a new folder)`, { file: pkg.file });
  if ((await fileSha256(pkg.file)) !== pkg.sha256) {
    throw new PackageError('BadPackage', `${pkg.file}: the file changed since it was verified (SHA-256 differs)`, { file: pkg.file });
  }
  await mkdir(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString('hex')}`);
  await mkdir(temporary);
  try {
    const { manifest, record, manifestBytes } = await scanAndCheck(pkg.file, extractLimits(limits), sinkInto(temporary));
    if (record.keyId !== pkg.keyId || manifest.name !== pkg.manifest.name || manifest.version !== pkg.manifest.version) {
      throw new PackageError('BadPackage', `${pkg.file}: the package is not the one verified (name, version or key differ)`, { file: pkg.file });
    }
    await writeFile(join(temporary, MANIFEST_ENTRY), manifestBytes, { mode: 0o644 });
    if (existsSync(target)) throw new PackageError('InvalidArgument', `${target} appeared during extraction`, { file: pkg.file });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** Writes entries below module/ into `root`; other entries are checked but not written. */
function sinkInto(root: string): EntrySink {
  const pathOf = (name: string): string | undefined => {
    if (!name.startsWith(MODULE_PREFIX)) return undefined;
    const path = resolve(root, name.slice(MODULE_PREFIX.length));
    // Names were checked already (no '..', not absolute); this is the last line of defence.
    if (!path.startsWith(root + sep)) throw new PackageError('BadPackage', `entry ${JSON.stringify(name)} resolves outside the target folder`, { entry: name });
    return path;
  };
  return {
    async directory(name) {
      const path = pathOf(name);
      if (path) await mkdir(path, { recursive: true, mode: 0o755 });
    },
    async open(name) {
      const path = pathOf(name);
      if (!path) return { write: async () => {}, close: async () => {} };
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      const handle = await open(path, 'wx', 0o644);
      let closed = false;
      return {
        write: async (chunk) => {
          for (let offset = 0; offset < chunk.length; ) offset += (await handle.write(chunk, offset)).bytesWritten;
        },
        close: async () => {
          if (closed) return;
          closed = true;
          await handle.close();
        },
      };
    },
  };
}
