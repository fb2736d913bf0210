/**
 * The "by hand" column of `npm run bench:provision`: the least a script does
 * to get the same chain running from the same App Store, with none of the
 * AppManager's work (no resolution, no signature or digest check, no safety
 * checks on extraction, no supervisor): per app in dependency order, HTTP GET
 * the ZIP, unzip it with yauzl, link the runtime in, spawn
 * `gridlink run <entry>`, wait until the process registers on the bus. The
 * upgrade: fetch and unzip the new version first, then SIGTERM the old process
 * (it saves its state), spawn the new one, which restores it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type * as Yauzl from 'yauzl';
import type { Bus } from '../../../core/bus/index.js';
import { ProgramProcess } from '../harness.js';
import type { BusDomain } from './bus-domain.js';
import { registered } from './bus-domain.js';

const yauzl = createRequire(import.meta.url)('yauzl') as typeof Yauzl;
/** dist/ of this installation, and the CLI launcher. */
const DIST = fileURLToPath(new URL('../../../', import.meta.url));
const ROOT = join(DIST, '..');
const CLI = join(ROOT, 'bin', 'gridlink.js');
const ENTRY = 'tools/bench/provision/apps/link/module.js';

export interface HandApp {
  name: string;
  process: ProgramProcess;
}

async function download(url: string, file: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    get(url, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`GET ${url}: HTTP ${response.statusCode}`));
        return;
      }
      pipeline(response, createWriteStream(file)).then(resolve, reject);
    }).on('error', reject);
  });
}

async function unzip(file: string, targetDir: string): Promise<void> {
  const zip = await yauzl.openPromise(file);
  for await (const entry of zip.eachEntry()) {
    if (!entry.fileName.startsWith('module/') || entry.fileName.endsWith('/')) continue;
    const path = join(targetDir, entry.fileName.slice('module/'.length));
    await mkdir(dirname(path), { recursive: true });
    await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(path));
  }
}

/** Downloads and unzips name@version into <appsDir>/<name>/<version>, links the runtime, writes the app's config. */
export async function placeByHand(storeUrl: string, appsDir: string, name: string, version: string): Promise<string> {
  const versionDir = join(appsDir, name, version);
  await mkdir(versionDir, { recursive: true });
  const zipFile = join(appsDir, name, `${version}.zip`);
  await download(`${storeUrl}/packages/${encodeURIComponent(name)}/${version}.zip`, zipFile);
  await unzip(zipFile, versionDir);
  await symlink(join(DIST, 'core'), join(versionDir, 'core'), 'dir');
  await symlink(join(DIST, 'schemas'), join(versionDir, 'schemas'), 'dir');
  await symlink(join(ROOT, 'node_modules'), join(versionDir, 'node_modules'), 'dir');
  await writeFile(join(appsDir, name, 'config.json'), JSON.stringify({ stateDir: join(appsDir, name, 'state'), settings: { role: name } }));
  return versionDir;
}

/** Spawns the module of a placed version and resolves once it is running on the bus. */
export async function startByHand(bus: Bus, domain: BusDomain, appsDir: string, name: string, versionDir: string): Promise<HandApp> {
  const process = new ProgramProcess(
    globalThis.process.execPath,
    [CLI, 'run', join(versionDir, ENTRY), '--config', join(appsDir, name, 'config.json'), '--port', String(domain.port), '--cluster', domain.cluster],
    `by-hand ${name}`,
  );
  try {
    await registered(bus, process.pid, 15_000);
  } catch (error) {
    await process.stop(500);
    throw new Error(`${(error as Error).message}${process.lastOutput() ? `; last output:\n    ${process.lastOutput()}` : ''}`);
  }
  return { name, process };
}

export async function removeAllByHand(apps: HandApp[], appsDir: string): Promise<void> {
  for (const app of [...apps].reverse()) await app.process.stop(3000);
  await rm(appsDir, { recursive: true, force: true });
}
