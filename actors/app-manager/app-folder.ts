// Placing a verified package as an installed version: `<appsDir>/<name>/<version>/` holds the
// package's `module/` content plus symbolic links `core`, `schemas` (and `node_modules`) to the
// running Gridlink installation, so the module's relative imports (../../core/actor/index.js)
// reach the one runtime: Node's ESM loader follows real paths, so core is loaded once and
// `instanceof Module` holds. Nothing is left behind when a step fails.

import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractPackage, type ExtractLimits, type VerifiedPackage } from '../../core/provisioning/package/index.js';
import { AppError } from './app-error.js';

/** dist/ of the running installation, seen from dist/actors/app-manager/. */
const DIST_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** The installation root (its node_modules), above dist/. */
const ROOT_DIR = join(DIST_DIR, '..');

/** The links an installed version gets, to the running installation. */
const RUNTIME_LINKS: readonly { name: string; target: string }[] = [
  { name: 'core', target: join(DIST_DIR, 'core') },
  { name: 'schemas', target: join(DIST_DIR, 'schemas') },
  { name: 'node_modules', target: join(ROOT_DIR, 'node_modules') },
];

export function versionDirOf(appsDir: string, name: string, version: string): string {
  return join(appsDir, name, version);
}

/**
 * Extracts the package into `<appsDir>/<name>/<version>` (a staging folder
 * first, renamed at the end), links the runtime in, and returns the module
 * file to run. Throws AppError (BadPackage, Conflict) and removes everything
 * it made on failure.
 */
export async function placeVersion(pkg: VerifiedPackage, appsDir: string, limits: Partial<ExtractLimits>): Promise<string> {
  const { name, version, entry } = pkg.manifest;
  const target = versionDirOf(appsDir, name, version);
  if (existsSync(target)) throw new AppError('Conflict', `${name} ${version} is installed already (${target})`, name);
  mkdirSync(dirname(target), { recursive: true });
  // extractPackage writes the package's module/ content (and manifest.json) into a temporary sibling and renames it at the end.
  await extractPackage(pkg, target, limits);
  try {
    for (const link of RUNTIME_LINKS) {
      if (existsSync(join(target, link.name))) throw new AppError('BadPackage', `${name} ${version}: the package ships "${link.name}/", which is the runtime's place`, name);
      symlinkSync(link.target, join(target, link.name), 'dir');
    }
    const entryFile = join(target, pkg.entryPath);
    if (!existsSync(entryFile)) return findEntry(target, name, entry);
    return entryFile;
  } catch (error) {
    rmSync(target, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The module file below the version folder when the package's own entry path
 * is missing: `actors/<name>/<entry>` when it is there, else the one file
 * whose path ends with `<entry>`.
 */
export function findEntry(versionDir: string, name: string, entry: string): string {
  const preferred = join(versionDir, 'actors', name, entry);
  if (existsSync(preferred)) return preferred;
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const item of readdirSync(dir)) {
      const path = join(dir, item);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) walk(path);
      else if (path.endsWith(sep + entry)) found.push(path);
    }
  };
  walk(versionDir);
  if (found.length === 0) throw new AppError('BadPackage', `${name}: no module file "${entry}" in the package`, name);
  found.sort((a, b) => a.split(sep).length - b.split(sep).length);
  if (found.length > 1 && found[0]!.split(sep).length === found[1]!.split(sep).length) {
    throw new AppError('BadPackage', `${name}: "${entry}" is ambiguous in the package (${found.map((f) => relative(versionDir, f)).join(', ')})`, name);
  }
  return found[0]!;
}

/** Removes an installed version's folder (and the app's folder when nothing else is left in it). */
export function removeVersionDir(appsDir: string, name: string, version: string): void {
  rmSync(versionDirOf(appsDir, name, version), { recursive: true, force: true });
}

/** Removes `<appsDir>/<name>` when it is empty. */
export function pruneAppDir(appsDir: string, name: string): void {
  const dir = join(appsDir, name);
  try {
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  } catch {
    // Absent already.
  }
}
