// The web app's files: dist/actors/dashboard/web (index.html for unknown paths without an
// extension: client-side routing), the contract at /api.js, and /vendor/<name> from node_modules
// by an explicit map resolved at start. Nothing from the URL reaches the file system unchecked:
// a raw path with "..", an encoded dot or slash, a backslash or NUL is 404 before decoding, and a
// resolved path outside the web folder is 404 too. Text is served compressed (brotli or gzip, as
// Accept-Encoding allows), cached in memory by mtime, with ETags.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** /vendor/<name> -> [package, file inside the package]. The import map of index.html points here. */
export const VENDOR_FILES: Record<string, [string, string]> = {
  'preact.mjs': ['preact', 'dist/preact.mjs'],
  'preact-hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  'htm.mjs': ['htm', 'dist/htm.mjs'],
  'htm-preact.mjs': ['htm', 'preact/index.mjs'],
  'uplot.mjs': ['uplot', 'dist/uPlot.esm.js'],
  'uplot.css': ['uplot', 'dist/uPlot.min.css'],
};

const COMPRESS_MIN_BYTES = 1024;

export interface StaticFile {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  bytes: Buffer;
  etag: string;
  type: string;
  encoded: Map<string, Buffer>;
}

export type Encoding = 'br' | 'gzip' | 'identity';

/** The best encoding the client accepts for text ("br" over "gzip"); q=0 refuses one. */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find((m) => m);
    accepted.set(name!.trim(), q ? Number(q[1]) : 1);
  }
  const ok = (name: string): boolean => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

export function compress(bytes: Buffer, encoding: Encoding, quality: 'fast' | 'best'): Buffer {
  if (encoding === 'br') return brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality === 'best' ? 9 : 4, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  if (encoding === 'gzip') return gzipSync(bytes, { level: quality === 'best' ? 9 : 5 });
  return bytes;
}

export const isText = (type: string): boolean => type.startsWith('text/') || type.startsWith('application/json') || type.startsWith('image/svg');

/** Whether the raw request path could climb out of its folder or smuggle a separator. */
export function suspiciousPath(rawPath: string): boolean {
  return /\.\.|%2e|%2f|%5c|%00|\\|\0/i.test(rawPath);
}

/** The folder of an installed package (resolved from the dashboard's own location, like `import` would). */
function packageRoot(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package "${name}" not found above ${require.resolve(name)}`);
    dir = parent;
  }
}

export class StaticFiles {
  private readonly vendor = new Map<string, string>();
  private readonly cache = new Map<string, CachedFile>();
  private csp = '';
  private cspSourceMtime = -1;

  /** Throws when the web app is not built or a vendor file is missing (the module then refuses to start). */
  constructor(
    readonly webDir: string,
    private readonly contractFile: string,
  ) {
    if (!existsSync(join(webDir, 'index.html'))) throw new Error(`the dashboard's web app is not built: ${join(webDir, 'index.html')} is missing (npm run build)`);
    for (const [name, [pkg, file]] of Object.entries(VENDOR_FILES)) {
      const path = join(packageRoot(pkg), file);
      if (!existsSync(path)) throw new Error(`vendor file /vendor/${name} (${pkg}/${file}) is missing; is ${pkg} installed (npm ci)?`);
      this.vendor.set(name, path);
    }
  }

  /**
   * The Content-Security-Policy of every answer: nothing from other origins, no inline script but
   * index.html's import map (allowed by its SHA-256; browsers cannot load an import map from a file).
   */
  contentSecurityPolicy(): string {
    const index = join(this.webDir, 'index.html');
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(index).mtimeMs;
    } catch {
      // Keeps the last policy.
    }
    if (mtimeMs !== this.cspSourceMtime || this.csp === '') {
      const html = mtimeMs >= 0 ? readFileSync(index, 'utf8') : '';
      const hashes = [...html.matchAll(/<script\s+type=["']?importmap["']?\s*>([\s\S]*?)<\/script>/gi)].map((m) => `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`);
      this.csp = [
        "default-src 'self'",
        `script-src 'self'${hashes.length ? ` ${hashes.join(' ')}` : ''}`,
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; ');
      this.cspSourceMtime = mtimeMs;
    }
    return this.csp;
  }

  /** The answer to GET/HEAD of a non-API path; 404 for anything refused or absent. */
  serve(rawPath: string, acceptEncoding: string | undefined, ifNoneMatch: string | undefined): StaticFile {
    const notFound: StaticFile = { status: 404, body: Buffer.from('Not found\n'), headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } };
    if (suspiciousPath(rawPath)) return notFound;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return notFound;
    }
    // Encoded twice ("%252e"): harmless once decoded, but never a real file name either.
    if (path.includes('%') || suspiciousPath(path)) return notFound;
    let file: string | undefined;
    let cacheControl = 'no-cache';
    if (path.startsWith('/vendor/')) {
      file = this.vendor.get(path.slice('/vendor/'.length));
      if (!file) return notFound;
      cacheControl = 'public, max-age=86400';
    } else if (path === '/api.js') {
      file = this.contractFile;
    } else {
      const segments = path.split('/').filter((s) => s !== '');
      if (segments.some((s) => s.startsWith('.'))) return notFound;
      const candidate = resolve(this.webDir, ...segments);
      if (candidate !== this.webDir && !candidate.startsWith(this.webDir + sep)) return notFound;
      if (segments.length > 0 && isFile(candidate)) file = candidate;
      // Client-side routes (/hosts, /apps/grm) get the app; a missing file with an extension is 404,
      // unless it lies below a folder the web app does not have: a page's place such as
      // /datapoints/feeder.F1.voltage (data point names have dots). Only index.html is served then.
      else if (segments.length === 0 || !extname(segments[segments.length - 1]!) || (segments.length > 1 && !isDirectory(join(this.webDir, segments[0]!))))
        file = join(this.webDir, 'index.html');
      else return notFound;
    }
    const cached = this.load(file);
    if (!cached) return notFound;
    const headers: Record<string, string> = { 'Content-Type': cached.type, 'Cache-Control': cacheControl, ETag: cached.etag, Vary: 'Accept-Encoding' };
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === cached.etag)) return { status: 304, body: Buffer.alloc(0), headers };
    const encoding = isText(cached.type) && cached.bytes.length >= COMPRESS_MIN_BYTES ? chooseEncoding(acceptEncoding) : 'identity';
    if (encoding === 'identity') return { status: 200, body: cached.bytes, headers };
    let body = cached.encoded.get(encoding);
    if (!body) cached.encoded.set(encoding, (body = compress(cached.bytes, encoding, 'best')));
    return { status: 200, body, headers: { ...headers, 'Content-Encoding': encoding } };
  }

  private load(file: string): CachedFile | undefined {
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    const cached = this.cache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
    const bytes = readFileSync(file);
    const entry: CachedFile = {
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      bytes,
      etag: `"${createHash('sha1').update(bytes).digest('base64url')}"`,
      type: CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      encoded: new Map(),
    };
    this.cache.set(file, entry);
    return entry;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
