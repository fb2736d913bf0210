/**
 * `packModule`: a module's compiled files, its manifest and a signature,
 * zipped into one package. The files are those the TypeScript build made from
 * the module's sources (one .js per .ts, tests excluded), so a stale file left
 * in dist/ by a deleted source is not shipped.
 */
import { sign } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes, createPublicKey } from 'node:crypto';
import { parseManifest, type Manifest } from './manifest.js';
import { PackageError } from './package-error.js';
import type { SigningKey } from './signing-keys.js';
import {
  compareBytes, listingDigest, MANIFEST_ENTRY, MODULE_PREFIX, sha256Hex, SIGNATURE_ENTRY, type ListedFile, type SignatureRecord,
} from './signature-record.js';
import { fileSha256 } from './verify-package.js';
import { yazl } from './zip-libraries.js';

export interface PackOptions {
  /** The module's source folder, holding manifest.json (e.g. actors/storage). */
  sourceDir: string;
  /** Where the build put its compiled files (e.g. dist/actors/storage). */
  compiledDir: string;
  key: SigningKey;
  /** Folder the package is written to (made if missing). */
  out: string;
}

export interface PackResult {
  file: string;
  sha256: string;
  manifest: Manifest;
  keyId: string;
  sizeBytes: number;
}

/** Entries get this fixed time so packing the same build twice gives the same ZIP. */
const FIXED_MTIME = new Date(Date.UTC(2020, 0, 1));

export async function packModule(options: PackOptions): Promise<PackResult> {
  const sourceDir = resolve(options.sourceDir);
  const compiledDir = resolve(options.compiledDir);
  const manifestFile = join(sourceDir, MANIFEST_ENTRY);
  if (!existsSync(manifestFile)) throw new PackageError('NotFound', `${manifestFile} not found (every module folder needs a manifest.json)`, { file: manifestFile });
  const manifestBytes = readFileSync(manifestFile);
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new PackageError('InvalidArgument', `${manifestFile}: not JSON (${(error as Error).message})`, { file: manifestFile });
  }
  const manifest = parseManifest(json, manifestFile);

  // The module keeps its path in its project inside the package, so its relative imports of core/ and schemas/ resolve once installed.
  const modulePath = projectPathOf(sourceDir);
  if (modulePath.startsWith('actors/') && modulePath !== `actors/${manifest.name}`) {
    throw new PackageError('InvalidArgument', `${manifestFile}: name: ${JSON.stringify(manifest.name)} must be the module's folder below actors/ (${JSON.stringify(modulePath.slice('actors/'.length))})`, { file: manifestFile });
  }
  if (!existsSync(compiledDir)) {
    throw new PackageError('NotFound', `${compiledDir} not found: build first (npm run build), packing takes the compiled files`, { file: compiledDir });
  }

  const files: { path: string; bytes: Buffer }[] = [];
  const { sources, webApps } = sourceFiles(sourceDir);
  for (const web of webApps) {
    // A web app (a folder with an index.html, e.g. actors/dashboard/web) is bundled by the build, not
    // compiled file by file: its built folder is packed as it is.
    const built = join(compiledDir, web);
    if (!existsSync(join(built, 'index.html'))) throw new PackageError('NotFound', `${join(built, 'index.html')} not found: build first (npm run build); the web app ${join(sourceDir, web)} is not built`, { file: built });
    for (const file of filesBelow(built)) {
      files.push({ path: `${MODULE_PREFIX}${modulePath}/${join(web, file).split(sep).join('/')}`, bytes: readFileSync(join(built, file)) });
    }
  }
  for (const source of sources) {
    const compiled = join(compiledDir, source.replace(/\.ts$/, '.js'));
    if (!existsSync(compiled)) throw new PackageError('NotFound', `${compiled} not found: build first (npm run build); the compiled form of ${join(sourceDir, source)} is missing`, { file: compiled });
    files.push({ path: `${MODULE_PREFIX}${modulePath}/${source.split(sep).join('/')}`.replace(/\.ts$/, '.js'), bytes: readFileSync(compiled) });
  }
  // The installed folder is outside any package.json of type "module": this one makes Node load the files as ES modules.
  files.push({ path: `${MODULE_PREFIX}package.json`, bytes: Buffer.from('{ "type": "module" }\n', 'utf8') });
  files.sort((a, b) => compareBytes(a.path, b.path));
  const entryPath = `${MODULE_PREFIX}${modulePath}/${manifest.entry}`;
  if (!files.some((file) => file.path === entryPath)) {
    throw new PackageError('InvalidArgument', `${manifestFile}: entry: ${JSON.stringify(manifest.entry)} is not one of the module's compiled files`, { file: manifestFile });
  }

  const listed: ListedFile[] = files.map((file) => ({ path: file.path, sha256: sha256Hex(file.bytes) }));
  const manifestSha256 = sha256Hex(manifestBytes);
  const record: SignatureRecord = {
    format: 'gridlink-package-signature-1',
    algorithm: 'ed25519',
    keyId: options.key.keyId,
    modulePath,
    publicKey: createPublicKey(options.key.privateKey).export({ type: 'spki', format: 'der' }).toString('base64'),
    manifestSha256,
    files: listed,
    signature: sign(null, listingDigest(modulePath, manifestSha256, listed), options.key.privateKey).toString('base64'),
  };

  const zip = new yazl.ZipFile();
  const entryOptions = { mtime: FIXED_MTIME, mode: 0o100644 };
  zip.addBuffer(manifestBytes, MANIFEST_ENTRY, entryOptions);
  zip.addBuffer(Buffer.from(JSON.stringify(record, null, 2) + '\n', 'utf8'), SIGNATURE_ENTRY, entryOptions);
  for (const file of files) zip.addBuffer(file.bytes, file.path, entryOptions);
  zip.end();

  await mkdir(options.out, { recursive: true });
  const file = resolve(options.out, packageFileName(manifest));
  const temporary = `${file}.partial-${randomBytes(6).toString('hex')}`;
  try {
    await pipeline(zip.outputStream, createWriteStream(temporary, { flags: 'wx', mode: 0o644 }));
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { file, sha256: await fileSha256(file), manifest, keyId: options.key.keyId, sizeBytes: (await stat(file)).size };
}

/** "storage-1.0.0.zip", "examples.generator-0.1.0.zip" ('.' never occurs in a module name). */
export function packageFileName(manifest: Pick<Manifest, 'name' | 'version'>): string {
  return `${manifest.name.replaceAll('/', '.')}-${manifest.version}.zip`;
}

/**
 * The module folder's path in its project: below the nearest folder with a
 * package.json ("actors/storage", "spec/fixtures/apps/chain-a").
 */
function projectPathOf(sourceDir: string): string {
  for (let folder = dirname(sourceDir); folder !== dirname(folder); folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return relative(folder, sourceDir).split(sep).join('/');
  }
  throw new PackageError('InvalidArgument', `${sourceDir} is not inside a project (no package.json in a parent folder)`, { file: sourceDir });
}

/** The module's TypeScript sources relative to its folder: every .ts except tests and declarations. */
/** The module's TypeScript sources, and its web app folders (with an index.html), relative to `dir`. */
function sourceFiles(dir: string): { sources: string[]; webApps: string[] } {
  const sources: string[] = [];
  const webApps: string[] = [];
  const walk = (folder: string): void => {
    for (const item of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, item.name);
      if (item.isDirectory()) {
        // A nested module (its own manifest.json) packs on its own; a web app is packed as built.
        if (existsSync(join(path, MANIFEST_ENTRY)) || item.name === 'node_modules') continue;
        if (existsSync(join(path, 'index.html'))) webApps.push(relative(dir, path));
        else walk(path);
      } else if (item.isFile() && item.name.endsWith('.ts') && !item.name.endsWith('.test.ts') && !item.name.endsWith('.d.ts')) {
        sources.push(relative(dir, path));
      }
    }
  };
  walk(dir);
  return { sources: sources.sort(), webApps: webApps.sort() };
}

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const item of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, item.name);
      if (item.isDirectory()) walk(path);
      else if (item.isFile()) found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found.sort();
}
