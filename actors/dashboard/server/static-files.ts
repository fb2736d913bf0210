// The web app's files: dist/actors/dashboard/web as tools/build-web.mjs bundled it (index.html,
// app-<hash>.js, app-<hash>.css, their source maps), index.html for unknown paths without an
// extension (client-side routing). Nothing from the URL reaches the file system unchecked: a raw
// path with "..", an encoded dot or slash, a backslash or NUL is 404 before decoding, and a
// resolved path outside the web folder is 404 too. Content-hashed files are immutable for a year
// (a new build has new names); index.html is revalidated (no-cache, ETag), so a warm load costs one
// 304. Text goes compressed (brotli or gzip, as Accept-Encoding allows): the .br/.gz copies the
// build wrote when present, else compressed here once; cached in memory by mtime.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
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

/** A name the build gave a content hash (esbuild's [name]-[hash]: 8 characters of base32). */
const HASHED_ASSET = /^[\w.-]+-[A-Z2-7]{8}\.(js|css)$/;

/** Compressed copies the build writes beside a file; sent as that file, never by their own name. */
const PRECOMPRESSED: Record<'br' | 'gzip', string> = { br: '.br', gzip: '.gz' };

/** Nothing from other origins and no inline script or style: the bundle is the only script. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

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

export class StaticFiles {
  private readonly cache = new Map<string, CachedFile>();

  /** Throws when the web app is not built (the module then refuses to start). */
  constructor(readonly webDir: string) {
    if (!existsSync(join(webDir, 'index.html'))) throw new Error(`the dashboard's web app is not built: ${join(webDir, 'index.html')} is missing (npm run build)`);
  }

  /** The Content-Security-Policy of every answer. */
  contentSecurityPolicy(): string {
    return CONTENT_SECURITY_POLICY;
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
    let file: string;
    const segments = path.split('/').filter((s) => s !== '');
    if (segments.some((s) => s.startsWith('.'))) return notFound;
    const last = segments[segments.length - 1] ?? '';
    if (segments.length === 1 && /\.(br|gz)$/.test(last)) return notFound;
    const candidate = resolve(this.webDir, ...segments);
    if (candidate !== this.webDir && !candidate.startsWith(this.webDir + sep)) return notFound;
    if (segments.length > 0 && isFile(candidate)) file = candidate;
    // Client-side routes (/hosts, /apps/grm) get the app; a missing file with an extension is 404,
    // unless it lies below a folder the web app does not have: a page's place such as
    // /datapoints/feeder.F1.voltage (data point names have dots). Only index.html is served then.
    else if (segments.length === 0 || !extname(last) || (segments.length > 1 && !isDirectory(join(this.webDir, segments[0]!))))
      file = join(this.webDir, 'index.html');
    else return notFound;
    const cacheControl = file !== candidate || segments.length !== 1 || !HASHED_ASSET.test(last) ? 'no-cache' : 'public, max-age=31536000, immutable';
    const cached = this.load(file);
    if (!cached) return notFound;
    const headers: Record<string, string> = { 'Content-Type': cached.type, 'Cache-Control': cacheControl, ETag: cached.etag, Vary: 'Accept-Encoding' };
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === cached.etag)) return { status: 304, body: Buffer.alloc(0), headers };
    const encoding = isText(cached.type) && cached.bytes.length >= COMPRESS_MIN_BYTES ? chooseEncoding(acceptEncoding) : 'identity';
    if (encoding === 'identity') return { status: 200, body: cached.bytes, headers };
    let body = cached.encoded.get(encoding);
    if (!body) cached.encoded.set(encoding, (body = readIfFile(file + PRECOMPRESSED[encoding]) ?? compress(cached.bytes, encoding, 'best')));
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

function readIfFile(path: string): Buffer | undefined {
  return isFile(path) ? readFileSync(path) : undefined;
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
