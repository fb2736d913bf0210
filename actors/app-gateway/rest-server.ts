// The REST gateway: JSON over node:http (a handful of routes does not need a framework, and the
// module process stays small). Routes, bodies and statuses are documented in
// docs/openapi/app-manager.yaml. Every request but GET /health needs a bearer token; lifecycle
// requests answer when the operation ended, and their progress streams meanwhile from
// GET /operations/{id}/events (server-sent events, or a JSON snapshot).

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/log/logger.js';
import { isOperation, type AppCommand, type AppManagerClient, type CommandKind, type Json, type JsonObject } from '../../core/provisioning/app-manager-client/index.js';
import { BodyFields, checkOperationId, commandFromFields } from './app-command.js';
import { GatewayError, toGatewayError } from './gateway-error.js';
import type { OperationEntry, OperationLog } from './operation-log.js';
import type { Scope, TokenFile } from './rest-tokens.js';

export interface RestServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  tokens: TokenFile;
  client: AppManagerClient;
  operations: OperationLog;
  log: Logger;
}

/** A matched route: what to run, and the scope its caller needs. */
type Route =
  | { what: 'health' }
  | { what: 'command'; kind: CommandKind; name?: string; scope: Scope }
  | { what: 'events'; operationId: string; scope: Scope };

const ACTIONS = new Set(['install', 'start', 'stop', 'upgrade', 'revert', 'config']);
const SSE_KEEPALIVE_MS = 15_000;

export class RestServer {
  private readonly streams = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: RestServerOptions): Promise<RestServer> {
    const server = createServer();
    let rest: RestServer | undefined;
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void handle(request, response, options, (stream) => rest?.track(stream)).catch((error: unknown) => {
        // handle() answers every failure itself; this is the last guard against a bug.
        options.log.error('REST request failed unexpectedly', { error: error instanceof Error ? error.message : String(error) });
        if (!response.headersSent) sendJson(response, 500, { code: 'Internal', message: 'unexpected failure' });
        else response.destroy();
      });
    });
    // Unparsable HTTP (bad request line, oversized headers): answered 400, never a crash.
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    server.headersTimeout = 20_000;
    server.requestTimeout = 0; // lifecycle operations and event streams last as long as they last
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    rest = new RestServer(server, `http://${host}:${address.port}`);
    return rest;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(stream: ServerResponse): void {
    this.streams.add(stream);
    stream.on('close', () => this.streams.delete(stream));
  }
}

async function handle(request: IncomingMessage, response: ServerResponse, options: RestServerOptions, track: (stream: ServerResponse) => void): Promise<void> {
  try {
    const url = new URL(request.url ?? '/', 'http://gateway');
    const route = routeOf(request.method ?? 'GET', url);
    if (route.what === 'health') {
      sendJson(response, 200, { status: 'ok' });
      return;
    }
    authorize(request, options.tokens, route.scope);
    if (route.what === 'events') {
      streamEvents(request, response, options.operations, route.operationId, track);
      return;
    }
    const body = route.kind === 'apps' || route.kind === 'catalogue' ? undefined : await readJsonBody(request, options.maxBodyBytes);
    const fields = BodyFields.of(mergeQuery(body, url, route.kind), `${request.method} ${url.pathname}`);
    const operationText = fields.text('operation_id');
    // POST /plan names the app in its body; the other routes in the path.
    const name = route.kind === 'plan' ? fields.text('name') : route.name;
    const command = commandFromFields(route.kind, name, fields);
    fields.done();
    const operationId = isOperation(command) ? (operationText === undefined ? randomUUID() : checkOperationId(operationText)) : '';
    // A finished operation's log is closed: a second operation under its id would show no progress.
    if (operationText !== undefined && options.operations.snapshot(operationId)?.finished) {
      throw new GatewayError('Conflict', `operation_id "${operationId}" was used already; pick a new one`, route.name);
    }
    sendJson(response, 200, await runCommand(command, operationId, options));
  } catch (error) {
    const failure = toGatewayError(error);
    if (failure.status >= 500) options.log.warn('REST request failed', { method: request.method, url: request.url, code: failure.code, error: failure.message });
    if (failure.code === 'Unauthorized') response.setHeader('WWW-Authenticate', 'Bearer realm="gridlink app-manager"');
    if (!response.headersSent) sendJson(response, failure.status, failure.toJson());
    // The body was not read to its end (too large): the connection cannot carry another request.
    if (failure.code === 'TooLarge') request.destroy();
  }
}

/** Runs a command; an operation's outcome is recorded for its event followers too. */
async function runCommand(command: AppCommand, operationId: string, options: RestServerOptions): Promise<JsonObject> {
  try {
    const result = await options.client.run(command, operationId);
    if (operationId) options.operations.finish(operationId, { kind: 'result', result });
    return result;
  } catch (error) {
    const failure = toGatewayError(error);
    if (operationId) options.operations.finish(operationId, { kind: 'error', error: failure.toJson() });
    throw failure;
  }
}

function routeOf(method: string, url: URL): Route {
  let segments: string[];
  try {
    segments = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new GatewayError('InvalidArgument', `malformed percent-encoding in ${url.pathname}`);
  }
  const wrongMethod = (allowed: string): GatewayError => new GatewayError('MethodNotAllowed', `${method} is not allowed on ${url.pathname} (allowed: ${allowed})`);
  const [head, ...rest] = segments;
  if (head === 'health' && rest.length === 0) {
    if (method !== 'GET') throw wrongMethod('GET');
    return { what: 'health' };
  }
  if (head === 'catalogue' && rest.length === 0) {
    if (method !== 'GET') throw wrongMethod('GET');
    return { what: 'command', kind: 'catalogue', scope: 'read' };
  }
  if (head === 'plan' && rest.length === 0) {
    if (method !== 'POST') throw wrongMethod('POST');
    return { what: 'command', kind: 'plan', scope: 'read' };
  }
  if (head === 'operations' && rest.length === 2 && rest[1] === 'events') {
    if (method !== 'GET') throw wrongMethod('GET');
    return { what: 'events', operationId: checkOperationId(rest[0]), scope: 'read' };
  }
  if (head === 'apps') {
    if (rest.length === 0) {
      if (method !== 'GET') throw wrongMethod('GET');
      return { what: 'command', kind: 'apps', scope: 'read' };
    }
    // A name with '/' is best sent URL-encoded as one segment (examples%2Fgenerator); sent as
    // several segments, a last segment naming an action is taken as the action.
    const last = rest[rest.length - 1]!;
    if (rest.length > 1 && ACTIONS.has(last)) {
      const name = rest.slice(0, -1).join('/');
      const expected = last === 'config' ? 'PUT' : 'POST';
      if (method !== expected) throw wrongMethod(expected);
      return { what: 'command', kind: last as CommandKind, name, scope: 'admin' };
    }
    const name = rest.join('/');
    if (method === 'GET') return { what: 'command', kind: 'apps', name, scope: 'read' };
    if (method === 'DELETE') return { what: 'command', kind: 'remove', name, scope: 'admin' };
    throw wrongMethod('GET, DELETE');
  }
  throw new GatewayError('NotFound', `no such resource: ${url.pathname} (see docs/openapi/app-manager.yaml)`);
}

function authorize(request: IncomingMessage, tokens: TokenFile, scope: Scope): void {
  const header = request.headers.authorization;
  if (header === undefined) throw new GatewayError('Unauthorized', 'a bearer token is required (header "Authorization: Bearer <token>")');
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) throw new GatewayError('Unauthorized', 'the Authorization header must be "Bearer <token>"');
  const holder = tokens.holderOf(match[1]!);
  if (!holder) throw new GatewayError('Unauthorized', 'unknown token');
  if (!holder.scopes.has('admin') && !holder.scopes.has(scope)) throw new GatewayError('Forbidden', `token "${holder.name}" lacks scope "${scope}"`);
}

/** The body as JSON; empty: undefined. Too large: 413 without reading it all; malformed: 400 naming the problem. */
async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new GatewayError('TooLarge', `the body (${declared} bytes) exceeds the limit of ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) throw new GatewayError('TooLarge', `the body exceeds the limit of ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError('InvalidArgument', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * DELETE carries its options in the query (delete_data, operation_id, host): a DELETE body is
 * unusual. Every other route takes `host` from the query too (GET has no body); the body wins.
 */
function mergeQuery(body: unknown, url: URL, kind: CommandKind): unknown {
  if (url.search === '') return body;
  const fromQuery: Record<string, unknown> = {};
  // delete_data=maybe stays a string, which the field check then refuses by name.
  const flag = (value: string): boolean | string => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value);
  for (const [key, value] of url.searchParams) {
    if (kind === 'remove') fromQuery[key] = key === 'delete_data' ? flag(value) : value;
    else if (key === 'host') fromQuery[key] = value;
  }
  if (Object.keys(fromQuery).length === 0) return body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) return body;
  return kind === 'remove' ? { ...(body as Record<string, unknown> | undefined), ...fromQuery } : { ...fromQuery, ...(body as Record<string, unknown> | undefined) };
}

/**
 * GET /operations/{id}/events. With `Accept: text/event-stream`: every entry so far and then each
 * new one as an SSE event (`progress`, then `result` or `error`, after which the stream ends).
 * Otherwise a JSON snapshot `{ operation_id, finished, events, result?, error? }`.
 */
function streamEvents(request: IncomingMessage, response: ServerResponse, operations: OperationLog, operationId: string, track: (stream: ServerResponse) => void): void {
  const wantsStream = (request.headers.accept ?? '').includes('text/event-stream');
  if (!wantsStream) {
    const snapshot = operations.snapshot(operationId);
    if (!snapshot) throw new GatewayError('NotFound', `no operation "${operationId}" is known (finished ones are kept for a while)`);
    const body: JsonObject = { operation_id: operationId, finished: snapshot.finished, events: snapshot.entries.flatMap((e) => (e.kind === 'event' ? [e.event] : [])) };
    for (const entry of snapshot.entries) {
      if (entry.kind === 'result') body.result = entry.result;
      if (entry.kind === 'error') body.error = entry.error;
    }
    sendJson(response, 200, body);
    return;
  }
  response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  response.write(': following operation\n\n');
  track(response);
  let ended = false;
  const write = (entry: OperationEntry): void => {
    if (ended) return;
    const [event, data]: [string, Json] = entry.kind === 'event' ? ['progress', entry.event] : entry.kind === 'result' ? ['result', entry.result] : ['error', entry.error];
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (entry.kind !== 'event') {
      ended = true;
      // Ended after this turn: follow() may still be handing over the entries so far.
      setImmediate(() => {
        stop();
        response.end();
      });
    }
  };
  const stop = operations.follow(operationId, write);
  const keepalive = setInterval(() => response.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
  response.on('close', () => {
    ended = true;
    clearInterval(keepalive);
    stop();
  });
}

function sendJson(response: ServerResponse, status: number, body: Json): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  response.end(text);
}
