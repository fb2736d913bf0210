/**
 * Talks to an App Store over HTTP: the catalogue, a download checked against
 * the catalogue's SHA-256 (streamed to a temporary file, renamed only when
 * complete and intact), and publishing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseCatalogue, type CatalogueItem } from './catalogue.js';

/** A store that could not be reached, answered with an error status, or sent something wrong. */
export class AppStoreError extends Error {
  override readonly name = 'AppStoreError';
  constructor(
    message: string,
    /** HTTP status, 0 when there was no answer. */
    readonly status: number = 0,
  ) {
    super(message);
  }
}

export interface DownloadedPackage {
  file: string;
  sha256: string;
  sizeBytes: number;
  item: CatalogueItem;
}

export class AppStoreClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async catalogue(): Promise<CatalogueItem[]> {
    const response = await this.send('GET', '/catalogue.json');
    const text = await readText(response);
    if (response.statusCode !== 200) throw statusError(this.url, 'GET /catalogue.json', response.statusCode ?? 0, text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppStoreError(`${this.url}/catalogue.json: not JSON`, 200);
    }
    try {
      return parseCatalogue(json, `${this.url}/catalogue.json`);
    } catch (error) {
      throw new AppStoreError((error as Error).message, 200);
    }
  }

  /**
   * Downloads name@version to `toFile`; resolves once the file is complete and
   * its SHA-256 equals the catalogue's. `onProgress` gets the bytes received so far and the total.
   */
  async download(name: string, version: string, toFile: string, onProgress?: (receivedBytes: number, totalBytes: number) => void): Promise<DownloadedPackage> {
    const item = (await this.catalogue()).find((candidate) => candidate.manifest.name === name && candidate.manifest.version === version);
    if (!item) throw new AppStoreError(`${this.url}: no package ${name}@${version} in the catalogue`, 404);
    const response = await this.send('GET', item.path);
    if (response.statusCode !== 200) throw statusError(this.url, `GET ${item.path}`, response.statusCode ?? 0, await readText(response));
    const temporary = `${toFile}.partial-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        hash.update(chunk);
        if (received > item.sizeBytes) return done(new AppStoreError(`${name}@${version}: more bytes than the catalogue's ${item.sizeBytes}`));
        onProgress?.(received, item.sizeBytes);
        done(null, chunk);
      },
    });
    try {
      await mkdir(dirname(toFile), { recursive: true });
      await pipeline(response, count, createWriteStream(temporary, { flags: 'wx', mode: 0o644 }));
      const sha256 = hash.digest('hex');
      if (sha256 !== item.sha256) throw new AppStoreError(`${name}@${version}: download's SHA-256 ${sha256} differs from the catalogue's ${item.sha256}`);
      await rename(temporary, toFile);
      return { file: toFile, sha256, sizeBytes: received, item };
    } catch (error) {
      await rm(temporary, { force: true });
      if (error instanceof AppStoreError) throw error;
      throw new AppStoreError(`${name}@${version}: download failed (${(error as Error).message})`);
    }
  }

  /** Publishes a package ZIP; resolves with its catalogue item (the store verified it). */
  async publish(zipFile: string, token: string): Promise<CatalogueItem> {
    const size = (await stat(zipFile)).size;
    const response = await this.send('POST', '/packages', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip', 'content-length': String(size) },
      body: zipFile,
    });
    const text = await readText(response);
    if (response.statusCode !== 200 && response.statusCode !== 201) throw statusError(this.url, 'POST /packages', response.statusCode ?? 0, text);
    return parseCatalogue([JSON.parse(text) as unknown], `${this.url}/packages`)[0];
  }

  private send(method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<IncomingMessage> {
    const target = new URL(this.url + path);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolveResponse, rejectResponse) => {
      const outgoing = request(target, { method, headers: options.headers }, resolveResponse);
      outgoing.on('error', (error) => rejectResponse(new AppStoreError(`${this.url}: ${method} ${path} failed (${error.message})`)));
      if (options.body === undefined) outgoing.end();
      else createReadStream(options.body).on('error', (error) => outgoing.destroy(error)).pipe(outgoing);
    });
  }
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function statusError(url: string, what: string, status: number, body: string): AppStoreError {
  let reason = body;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') reason = parsed.error;
  } catch {
    // Not JSON: the body as is.
  }
  return new AppStoreError(`${url}: ${what}: HTTP ${status}: ${reason}`, status);
}
