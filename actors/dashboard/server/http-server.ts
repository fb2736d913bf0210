// The dashboard's HTTP server (node:http): /api/* through the router with its session, origin,
// CSRF and role checks; /api/live upgraded to the live WebSocket; everything else the web app's
// static files. Every answer carries the security headers (CSP, no framing, no referrer, no sniffing).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../core/log/logger.js';
import type { SessionInfo } from '../api.js';
import type { DashboardSettings } from '../settings.js';
import { ApiFailure, asApiFailure } from './api-failure.js';
import type { AuditLog } from './audit-log.js';
import type { LiveHub } from './live-hub.js';
import { csrfMatches, mayDo, STATE_CHANGING, type ApiRequest, type ApiResponse, type Route, type Router, type Session } from './router.js';
import type { SessionStore } from './sessions.js';
import { chooseEncoding, compress, type StaticFiles } from './static-files.js';
import type { UsersFile } from './users-file.js';

export interface DashboardServerOptions {
  settings: DashboardSettings;
  router: Router;
  sessions: SessionStore;
  users: UsersFile;
  audit: AuditLog;
  live: LiveHub;
  statics: StaticFiles;
  log: Logger;
}

const COMPRESS_JSON_MIN_BYTES = 1024;

export class DashboardServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: DashboardServerOptions): Promise<DashboardServer> {
    const server = createServer();
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      handle(request, response, options).catch((error: unknown) => {
        options.log.error('dashboard request failed unexpectedly', { url: request.url, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        if (!response.headersSent) sendJson(request, response, options, 500, { code: 'Failed', message: 'unexpected failure' });
        else response.destroy();
      });
    });
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => upgrade(request, socket, head, options));
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    server.headersTimeout = 20_000;
    server.requestTimeout = 0; // app operations last as long as they last
    const { host, port } = options.settings;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new DashboardServer(server, `http://${shown}:${address.port}`);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function clientAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** An Origin header, when present, must be the dashboard's own (as the browser addressed it) or an allowed one. */
export function originAllowed(request: IncomingMessage, settings: DashboardSettings): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser's cross-site request: the cookie is SameSite=Strict anyway
  const host = request.headers.host;
  if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return settings.allowedOrigins.includes(origin);
}

function securityHeaders(response: ServerResponse, options: DashboardServerOptions): void {
  response.setHeader('Content-Security-Policy', options.statics.contentSecurityPolicy());
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

async function handle(request: IncomingMessage, response: ServerResponse, options: DashboardServerOptions): Promise<void> {
  securityHeaders(response, options);
  const rawUrl = request.url ?? '/';
  const question = rawUrl.indexOf('?');
  const rawPath = question < 0 ? rawUrl : rawUrl.slice(0, question);
  if (rawPath === '/api' || rawPath.startsWith('/api/')) {
    await handleApi(request, response, options, rawPath, new URLSearchParams(question < 0 ? '' : rawUrl.slice(question + 1)));
    return;
  }
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('Method not allowed\n');
    return;
  }
  const file = options.statics.serve(rawPath, header(request, 'accept-encoding'), header(request, 'if-none-match'));
  response.writeHead(file.status, { ...file.headers, ...(file.status === 304 ? {} : { 'Content-Length': String(file.body.length) }) });
  response.end(method === 'HEAD' || file.status === 304 ? undefined : file.body);
}

async function handleApi(request: IncomingMessage, response: ServerResponse, options: DashboardServerOptions, rawPath: string, query: URLSearchParams): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  const address = clientAddress(request);
  const match = options.router.match(method, rawPath);
  if (match.kind === 'none') return sendJson(request, response, options, 404, { code: 'NotFound', message: `no such route: ${method} ${rawPath}` });
  if (match.kind === 'wrong-method') {
    response.setHeader('Allow', match.allowed.join(', '));
    return sendJson(request, response, options, 405, { code: 'MethodNotAllowed', message: `${method} is not allowed on ${rawPath} (allowed: ${match.allowed.join(', ')})` });
  }
  const { route, params } = match;
  const changing = STATE_CHANGING.has(route.method);
  let session: Session | undefined;
  const apiRequest: ApiRequest = { method: route.method, path: rawPath, params, query, body: undefined, session: undefined, address, headers: request.headers };
  const action = route.action ?? `${route.method} ${route.pattern}`;
  const target = (): string => {
    try {
      return route.target?.(apiRequest) ?? (Object.values(params).join('/') || rawPath);
    } catch {
      return rawPath;
    }
  };
  const refuse = (status: number, code: string, message: string, why: string): void => {
    if (changing || status === 403) {
      options.audit.write({ user: session?.user ?? '', role: session?.role ?? '', action, target: target(), outcome: 'refused', detail: `${why}: ${message}`, address });
    }
    sendJson(request, response, options, status, { code, message });
  };

  if (!route.anonymous) {
    session = authenticatedSession(request, options);
    if (!session) return sendJson(request, response, options, 401, { code: 'Unauthenticated', message: 'not logged in (or the session expired): POST /api/login' });
    apiRequest.session = session;
  }
  if (changing) {
    if (!originAllowed(request, options.settings)) return refuse(403, 'Forbidden', `requests from origin ${request.headers.origin} are not accepted`, 'origin');
    if (session && !csrfMatches(session, request.headers['x-csrf-token'])) return refuse(403, 'Forbidden', 'missing or wrong X-CSRF-Token header (take it from GET /api/session)', 'csrf');
  }
  try {
    // Read before the role check, so a refusal's audit entry names its target (an alarm key...).
    if (changing) apiRequest.body = await readJsonBody(request, options.settings.maxBodyBytes);
    if (session && !mayDo(session.role, route.permission)) {
      return refuse(403, 'Forbidden', `the role "${session.role}" may not do this (${route.permission} is for ${permissionRoles(route)})`, 'role');
    }
    const answer = await route.handler(apiRequest);
    if (changing && !route.auditsItself) {
      options.audit.write({ user: session?.user ?? '', role: session?.role ?? '', action, target: target(), outcome: answer.status < 400 ? 'ok' : 'failed', detail: answer.status < 400 ? '' : `status ${answer.status}`, address });
    }
    sendAnswer(request, response, options, answer);
  } catch (error) {
    const failure = asApiFailure(error);
    if (failure.status >= 500) options.log.warn('dashboard request failed', { method, path: rawPath, code: failure.code, error: failure.message });
    if (changing && !route.auditsItself) options.audit.write({ user: session?.user ?? '', role: session?.role ?? '', action, target: target(), outcome: 'failed', detail: `${failure.code}: ${failure.message}`, address });
    if (failure.status === 413) response.setHeader('Connection', 'close');
    if (!response.headersSent) sendJson(request, response, options, failure.status, failure.toJson());
    if (failure.status === 413) request.destroy();
  }
}

function permissionRoles(route: Route): string {
  return route.permission === 'view' ? 'every role' : route.permission === 'handleAlarms' ? 'administrators and operators' : 'administrators';
}

/** The request's session, if alive and its user still in the users file with the same role. */
export function authenticatedSession(request: IncomingMessage, options: Pick<DashboardServerOptions, 'sessions' | 'users'>): Session | undefined {
  const session = options.sessions.fromCookies(header(request, 'cookie'));
  if (!session) return undefined;
  const user = options.users.find(session.user);
  if (!user || user.role !== session.role) {
    options.sessions.end(session);
    return undefined;
  }
  return session;
}

export function sessionInfo(session: Session, sessions: SessionStore): SessionInfo {
  return { user: session.user, role: session.role, csrfToken: session.csrfToken, expiresMs: sessions.expiresMs(session) };
}

function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, options: DashboardServerOptions): void {
  const refuse = (status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  const path = (request.url ?? '').split('?')[0];
  if (path !== '/api/live') return refuse('404 Not Found');
  if (!originAllowed(request, options.settings)) {
    options.audit.write({ user: '', role: '', action: 'live-connect', target: '/api/live', outcome: 'refused', detail: `origin ${request.headers.origin}`, address: clientAddress(request) });
    return refuse('403 Forbidden');
  }
  const session = authenticatedSession(request, options);
  if (!session) return refuse('401 Unauthorized');
  options.live.accept(request, socket, head, session);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new ApiFailure(413, 'TooLarge', `the body (${declared} bytes) exceeds the limit of ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) throw new ApiFailure(413, 'TooLarge', `the body exceeds the limit of ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  const type = header(request, 'content-type') ?? '';
  // A cross-site form cannot send application/json without a CORS preflight, which is never granted.
  if (!/^application\/json\b/i.test(type)) throw new ApiFailure(415, 'InvalidArgument', 'the body must be sent as Content-Type: application/json');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiFailure(400, 'InvalidArgument', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function sendAnswer(request: IncomingMessage, response: ServerResponse, options: DashboardServerOptions, answer: ApiResponse): void {
  for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
  if ('bytes' in answer) {
    response.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Content-Length': String(answer.bytes.byteLength), 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : answer.bytes);
    return;
  }
  if (answer.json === undefined) {
    response.writeHead(answer.status, { 'Cache-Control': 'no-store' });
    response.end();
    return;
  }
  sendJson(request, response, options, answer.status, answer.json);
}

function sendJson(request: IncomingMessage, response: ServerResponse, _options: DashboardServerOptions, status: number, body: unknown): void {
  let bytes: Buffer = Buffer.from(`${JSON.stringify(body)}\n`, 'utf8');
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', Vary: 'Accept-Encoding' };
  if (bytes.length >= COMPRESS_JSON_MIN_BYTES) {
    const encoding = chooseEncoding(header(request, 'accept-encoding'));
    if (encoding !== 'identity') {
      bytes = compress(bytes, encoding, 'fast');
      headers['Content-Encoding'] = encoding;
    }
  }
  headers['Content-Length'] = String(bytes.length);
  response.writeHead(status, headers);
  response.end(request.method === 'HEAD' ? undefined : bytes);
}


