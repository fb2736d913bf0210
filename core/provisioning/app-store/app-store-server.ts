/**
 * The App Store: an HTTP service over a folder of package ZIPs.
 *   GET  /catalogue.json                      every package it holds (CatalogueItem[])
 *   GET  /packages/<name>/<version>.zip       a package (name URL-encoded as one segment)
 *   POST /packages                            publish: the ZIP as body, Authorization: Bearer <token>
 * Every package is checked (inspectPackage: intact, consistently signed) before
 * it is listed, whether found in the folder at start or published; hosts
 * check the signer against their own trusted keys when they install.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { inspectPackage, packageFileName, PackageError, type ExtractLimits } from '../package/index.js';
import { packagePath, type CatalogueItem } from './catalogue.js';

export interface AppStoreOptions {
  /** Folder of the packages (*.zip, searched recursively; published ones are written here). */
  dir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** Token that POST /packages requires; without one, publishing is disabled. */
  publishToken?: string;
  /** Limits for checking packages (also bounds an upload's size). */
  limits?: Partial<ExtractLimits>;
  /** Where notes go (a package in the folder that was refused); default stderr. */
  log?: (line: string) => void;
}

export interface RunningAppStore {
  url: string;
  /** Packages refused while loading the folder, with the reason. */
  refused: { file: string; reason: string }[];
  close(): Promise<void>;
}

/** Larger uploads are cut off: no module is this large. */
const DEFAULT_MAX_UPLOAD_BYTES = 128 * 1024 * 1024;

export const AppStoreServer = {
  async start(options: AppStoreOptions): Promise<RunningAppStore> {
    const dir = resolve(options.dir);
    await mkdir(dir, { recursive: true });
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const limits = options.limits ?? {};
    const maxUpload = Math.min(limits.maxTotalBytes ?? DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_BYTES);
    /** By "name@version". */
    const items = new Map<string, { item: CatalogueItem; file: string }>();
    const refused: { file: string; reason: string }[] = [];

    for (const file of zipFiles(dir)) {
      try {
        const pkg = await inspectPackage(file, limits);
        const key = `${pkg.manifest.name}@${pkg.manifest.version}`;
        if (items.has(key)) throw new Error(`a second package of ${key} (first: ${items.get(key)?.file})`);
        items.set(key, { file, item: itemOf(pkg.manifest, pkg.sha256, pkg.keyId, await sizeOf(file)) });
      } catch (error) {
        refused.push({ file, reason: (error as Error).message });
        log(`app store: ${file} not listed: ${(error as Error).message}`);
      }
    }

    const publish = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
      if (options.publishToken === undefined) return reply(response, 403, { error: 'publishing is disabled on this store (started without a token)' });
      if (!tokenMatches(request.headers.authorization, options.publishToken)) {
        return reply(response, 401, { error: 'a valid "Authorization: Bearer <token>" header is needed to publish' });
      }
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > maxUpload) return reply(response, 413, { error: `package larger than ${maxUpload} bytes` });
      const upload = join(dir, `.upload-${randomBytes(6).toString('hex')}.zip`);
      try {
        let received = 0;
        const cap = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            received += chunk.length;
            done(received > maxUpload ? new Error(`package larger than ${maxUpload} bytes`) : null, chunk);
          },
        });
        await pipeline(request, cap, createWriteStream(upload, { flags: 'wx', mode: 0o644 }));
        const pkg = await inspectPackage(upload, limits);
        const key = `${pkg.manifest.name}@${pkg.manifest.version}`;
        const existing = items.get(key);
        if (existing) {
          await rm(upload, { force: true });
          if (existing.item.sha256 === pkg.sha256) return reply(response, 200, existing.item);
          return reply(response, 409, { error: `${key} is published already with different content (publish a new version)` });
        }
        const file = join(dir, packageFileName(pkg.manifest));
        if (existsSync(file)) throw new Error(`${file} exists and is not a listed package`);
        await rename(upload, file);
        const item = itemOf(pkg.manifest, pkg.sha256, pkg.keyId, received);
        items.set(key, { file, item });
        log(`app store: published ${key} (${pkg.sha256.slice(0, 12)}, key ${pkg.keyId})`);
        reply(response, 201, item);
      } catch (error) {
        await rm(upload, { force: true });
        const message = (error as Error).message.replaceAll(upload, 'package');
        reply(response, error instanceof PackageError ? 422 : 400, { error: message });
      }
    };

    let publishing: Promise<void> = Promise.resolve();
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://store');
      if (request.method === 'GET' && url.pathname === '/catalogue.json') {
        const catalogue = [...items.values()].map((entry) => entry.item).sort((a, b) => a.path.localeCompare(b.path));
        return reply(response, 200, catalogue);
      }
      const match = /^\/packages\/([^/]+)\/([^/]+)\.zip$/.exec(url.pathname);
      if (request.method === 'GET' && match) {
        let name: string;
        let version: string;
        try {
          name = decodeURIComponent(match[1]);
          version = decodeURIComponent(match[2]);
        } catch {
          return reply(response, 400, { error: 'bad URL encoding' });
        }
        const entry = items.get(`${name}@${version}`);
        if (!entry) return reply(response, 404, { error: `no package ${name}@${version}` });
        response.writeHead(200, { 'content-type': 'application/zip', 'content-length': entry.item.sizeBytes, 'x-sha256': entry.item.sha256 });
        createReadStream(entry.file).on('error', () => response.destroy()).pipe(response);
        return;
      }
      if (request.method === 'POST' && url.pathname === '/packages') {
        // One publish at a time: two uploads of the same name and version must not both pass the "not listed yet" check.
        publishing = publishing.then(() => publish(request, response)).catch(() => undefined);
        return;
      }
      reply(response, 404, { error: `no such resource: ${request.method} ${url.pathname}` });
    });
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolveListen());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return {
      url: `http://${host}:${address.port}`,
      refused,
      close: () =>
        new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        }),
    };
  },
};

function itemOf(manifest: CatalogueItem['manifest'], sha256: string, keyId: string, sizeBytes: number): CatalogueItem {
  return { manifest, sha256, sizeBytes, keyId, path: packagePath(manifest.name, manifest.version) };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function zipFiles(dir: string): string[] {
  const found: string[] = [];
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    if (item.name.startsWith('.')) continue;
    const path = join(dir, item.name);
    if (item.isDirectory()) found.push(...zipFiles(path));
    else if (item.isFile() && item.name.endsWith('.zip')) found.push(path);
  }
  return found.sort();
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file)).size;
}
