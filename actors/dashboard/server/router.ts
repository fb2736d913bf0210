// The dashboard's REST routes: each one names the permission it needs (api.ts `permissions`) and
// a handler. The router does everything routes must not forget: the session (401), the origin and
// CSRF token of state-changing requests (403), the role (403, audited as "refused"), the JSON body
// (size-limited, 400 when malformed), and auditing every POST/PUT/DELETE with its outcome.
// Handlers take an ApiRequest and return an ApiResponse, or throw ApiFailure.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { permissions, type Role } from '../api.js';
import { ApiFailure } from './api-failure.js';

export type Permission = keyof typeof permissions;
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A logged-in browser. */
export interface Session {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  readonly csrfToken: string;
  readonly createdMs: number;
  lastSeenMs: number;
}

export interface ApiRequest {
  method: Method;
  /** The decoded path, e.g. "/api/apps/grm/upgrade". */
  path: string;
  /** Decoded values of the pattern's `:name` segments. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when empty or for GET). */
  body: unknown;
  /** The caller's session; an anonymous route (login) gets undefined. */
  session: Session | undefined;
  /** The client's address (socket remote address). */
  address: string;
  headers: IncomingHttpHeaders;
}

export type ApiResponse =
  | { status: number; json?: unknown; headers?: Record<string, string> }
  | { status: number; bytes: Uint8Array; contentType: string; headers?: Record<string, string> };

export interface AuditNote {
  /** Audit action, e.g. "alarm-ack"; default "<METHOD> <pattern>". */
  action?: string;
  /** What the action was on, from the request (default: the path parameters joined, else the path). */
  target?: (request: ApiRequest) => string;
}

export interface RouteSpec extends AuditNote {
  permission: Permission;
  handler: (request: ApiRequest) => Promise<ApiResponse>;
  /** No session needed (login). Origin is still checked for state-changing methods. */
  anonymous?: boolean;
  /** The handler writes its own audit entries (login, logout); the router writes none for it. */
  auditsItself?: boolean;
}

export interface Route extends RouteSpec {
  method: Method;
  pattern: string;
  /** Literal segments as strings, parameters as { param }. */
  segments: (string | { param: string })[];
}

export type RouteMatch = { kind: 'route'; route: Route; params: Record<string, string> } | { kind: 'wrong-method'; allowed: Method[] } | { kind: 'none' };

export const STATE_CHANGING: ReadonlySet<string> = new Set(['POST', 'PUT', 'DELETE']);

export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route; a pattern like '/api/apps/:name/upgrade' (one segment per parameter). */
  add(method: Method, pattern: string, spec: RouteSpec): this {
    if (!pattern.startsWith('/api/')) throw new Error(`route pattern "${pattern}" must start with /api/`);
    const segments = pattern
      .split('/')
      .filter((s) => s !== '')
      .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : s));
    if (this.routes.some((r) => r.method === method && r.pattern === pattern)) throw new Error(`route ${method} ${pattern} is added twice`);
    this.routes.push({ ...spec, method, pattern, segments });
    return this;
  }

  list(): readonly Route[] {
    return this.routes;
  }

  /** Literal segments win over parameters (so /api/alarms/state is not /api/alarms/:key). */
  match(method: string, path: string): RouteMatch {
    let parts: string[];
    try {
      parts = path
        .split('/')
        .filter((s) => s !== '')
        .map((s) => decodeURIComponent(s));
    } catch {
      return { kind: 'none' };
    }
    let best: { route: Route; params: Record<string, string>; literals: number } | undefined;
    const allowed = new Set<Method>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allowed.add(route.method);
        continue;
      }
      const literals = route.segments.filter((s) => typeof s === 'string').length;
      if (!best || literals > best.literals) best = { route, params, literals };
    }
    if (best) return { kind: 'route', route: best.route, params: best.params };
    return allowed.size > 0 ? { kind: 'wrong-method', allowed: [...allowed] } : { kind: 'none' };
  }
}

function matchSegments(segments: Route['segments'], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if (typeof segment === 'string') {
      if (segment !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.param] = part;
    }
  }
  return params;
}

export function mayDo(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}

/** The CSRF check: the header equals the session's token (constant time). */
export function csrfMatches(session: Session, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || header.length !== session.csrfToken.length) return false;
  return timingSafeEqual(Buffer.from(header, 'utf8'), Buffer.from(session.csrfToken, 'utf8'));
}

/** 400 when the body is not a JSON object; handlers read their fields from it. */
export function bodyObject(request: ApiRequest): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiFailure(422, 'InvalidArgument', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A required string field of the body (422 naming it otherwise). */
export function textField(body: Record<string, unknown>, name: string, options: { optional?: boolean; maxLength?: number } = {}): string {
  const value = body[name];
  if (value === undefined && options.optional) return '';
  if (typeof value !== 'string' || (!options.optional && value === '')) throw new ApiFailure(422, 'InvalidArgument', `"${name}" must be a non-empty string`);
  if (value.length > (options.maxLength ?? 10_000)) throw new ApiFailure(422, 'InvalidArgument', `"${name}" is longer than ${options.maxLength ?? 10_000} characters`);
  return value;
}

/** A numeric field (422 naming it otherwise). */
export function numberField(body: Record<string, unknown>, name: string): number {
  const value = body[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ApiFailure(422, 'InvalidArgument', `"${name}" must be a number`);
  return value;
}
