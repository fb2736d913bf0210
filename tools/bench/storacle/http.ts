/**
 * A small keep-alive HTTP client for the server peers (InfluxDB,
 * VictoriaMetrics) on loopback: whole responses, or responses streamed to a
 * file with their lines counted.
 */
import { createWriteStream } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export interface HttpResponse {
  status: number;
  body: Buffer;
}

function send(method: string, url: string, body: Buffer | string | undefined, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, resolve);
    req.once('error', reject);
    req.end(body);
  });
}

function drain(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(Buffer.concat(chunks)));
    response.once('error', reject);
  });
}

/** Sends a request and reads the whole response. */
export async function fetchBody(
  method: 'GET' | 'POST',
  url: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  const response = await send(method, url, body, headers);
  return { status: response.statusCode ?? 0, body: await drain(response) };
}

/** Like fetchBody, but throws unless the status is 2xx. */
export async function fetchOk(method: 'GET' | 'POST', url: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Buffer> {
  const response = await fetchBody(method, url, body, headers);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${method} ${url.slice(0, 160)}: HTTP ${response.status}: ${response.body.toString('utf8').slice(0, 300)}`);
  }
  return response.body;
}

/** GETs `url` into `file` (honouring back-pressure) and returns the number of newline-terminated lines. */
export async function downloadLines(url: string, file: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await send('GET', url, undefined, headers);
  if ((response.statusCode ?? 0) >= 300) {
    const body = await drain(response);
    throw new Error(`GET ${url.slice(0, 160)}: HTTP ${response.statusCode}: ${body.toString('utf8').slice(0, 300)}`);
  }
  const out = createWriteStream(file);
  let lines = 0;
  await new Promise<void>((resolve, reject) => {
    response.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      if (!out.write(chunk)) {
        response.pause();
        out.once('drain', () => response.resume());
      }
    });
    response.once('end', () => out.end(resolve));
    response.once('error', reject);
    out.once('error', reject);
  });
  return lines;
}

/**
 * Runs `tasks` (thunks) with at most `parallel` in flight, in order of start.
 * The HTTP peers get two writes in flight, as their documentation advises.
 */
export async function runPipelined(tasks: readonly (() => Promise<unknown>)[], parallel: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++];
      if (task) await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, lane));
}
