/**
 * Test support: a work order system's webhook (JSON over HTTP, node:http on a free loopback
 * port) that refuses the first `failFirst` attempts with 503 and accepts every later one with
 * 201 and `{"id": "WO-<n>"}`. An accepted Idempotency-Key answers again with the id it got the
 * first time (what a real system with idempotency does), so a duplicate POST is visible as a
 * second request with the same key, not as a second order. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WorkOrderRequest {
  readonly method: string;
  readonly path: string;
  /** The Idempotency-Key header ('' when absent). */
  readonly idempotencyKey: string;
  readonly authorization: string;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: Record<string, unknown> | undefined;
  /** The status answered. */
  readonly status: number;
  readonly atMs: number;
}

export interface WorkOrderEndpoint {
  /** `http://127.0.0.1:<port>/work-orders` */
  readonly url: string;
  /** Every request so far, refused ones included, oldest first. */
  readonly requests: readonly WorkOrderRequest[];
  /** The orders it created: Idempotency-Key -> id. */
  readonly orders: ReadonlyMap<string, string>;
  /** Refuses this many further attempts (503) before accepting again. */
  failNext(attempts: number): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function startWorkOrderEndpoint(options: { failFirst?: number; port?: number } = {}): Promise<WorkOrderEndpoint> {
  let refuse = options.failFirst ?? 0;
  const requests: WorkOrderRequest[] = [];
  const orders = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const idempotencyKey = String(request.headers['idempotency-key'] ?? '');
      const body = parseJson(text);
      let status: number;
      let answer: Record<string, unknown>;
      if (request.method !== 'POST') {
        status = 405;
        answer = { error: 'POST only' };
      } else if (body === undefined) {
        status = 400;
        answer = { error: 'the body is not a JSON object' };
      } else if (refuse > 0) {
        refuse--;
        status = 503;
        answer = { error: 'try again later' };
      } else {
        let id = orders.get(idempotencyKey);
        status = id === undefined ? 201 : 200;
        if (id === undefined) orders.set(idempotencyKey, (id = `WO-${1000 + orders.size + 1}`));
        answer = { id };
      }
      requests.push({ method: request.method ?? '', path: request.url ?? '', idempotencyKey, authorization: String(request.headers.authorization ?? ''), body, status, atMs: Date.now() });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/work-orders`,
    requests,
    orders,
    failNext(attempts) {
      refuse = attempts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
