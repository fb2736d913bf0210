/**
 * What a host needs to run Gridlink: the compiled dist/, bin/, package.json, package-lock.json and
 * the production packages of node_modules (those package-lock.json does not mark "dev"), plus a
 * digest that names this exact runtime, so a host that already has it is not sent it again.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';

export interface RuntimeBundle {
  /** The Gridlink installation it is taken from (the folder of package.json). */
  root: string;
  /** Paths relative to root, in the order they go into the tar stream. */
  entries: string[];
  /** sha256 (hex, first 16 characters) of dist/, bin/, package.json and package-lock.json. */
  digest: string;
  version: string;
}

/**
 * Describes the runtime at `root`. The digest covers every file of dist/ and bin/ and the two
 * package files; node_modules is covered by package-lock.json (it pins every version), which saves
 * hashing 100+ MB each time.
 */
export async function describeRuntime(root: string): Promise<RuntimeBundle> {
  for (const needed of ['dist/tools/cli/main.js', 'bin/gridlink.js', 'package.json', 'package-lock.json']) {
    if (!existsSync(join(root, needed))) throw new Error(`${root} is not a built Gridlink installation: ${needed} is missing (run \`npm run build\`)`);
  }
  const hash = createHash('sha256');
  const files = [...(await filesUnder(root, 'dist')), ...(await filesUnder(root, 'bin')), 'package.json', 'package-lock.json'];
  for (const file of files) {
    const content = await readFile(join(root, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { dev?: boolean }> };
  const modules = Object.entries(lock.packages ?? {})
    .filter(([path, info]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('/node_modules/') && info.dev !== true)
    .map(([path]) => path)
    .filter((path) => existsSync(join(root, path)))
    .sort();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  return {
    root,
    entries: ['dist', 'bin', 'package.json', 'package-lock.json', ...modules],
    digest: hash.digest('hex').slice(0, 16),
    version: manifest.version ?? 'unknown',
  };
}

/**
 * The bundle as one uncompressed tar stream (GNU tar). Uncompressed because on a LAN the copy is
 * limited by the disk and the network, not by bytes, and gzip would cost a busy edge CPU seconds.
 */
export function tarStream(bundle: RuntimeBundle): { stream: Readable; done: Promise<void> } {
  const tar = spawn('tar', ['-c', '-C', bundle.root, '--exclude=node_modules/.cache', '--', ...bundle.entries], { stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: string[] = [];
  tar.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('error', (error) => reject(new Error(`tar could not be started: ${error.message}`)));
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar ended with code ${code}: ${errors.join('').trim()}`))));
  });
  return { stream: tar.stdout, done };
}

async function filesUnder(root: string, folder: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(relative(root, path));
    }
  };
  await walk(join(root, folder));
  return found;
}
