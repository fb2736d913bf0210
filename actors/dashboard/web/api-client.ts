// The one way the web app talks to the REST routes of actors/dashboard/api.ts: JSON in and out,
// the session's CSRF token on every state-changing request, every refusal thrown as an
// ApiRequestError carrying the backend's ApiError, and 401 (session over) sent to the login page.
import type { ApiError } from '../api.js';

export class ApiRequestError extends Error {
  constructor(
    /** HTTP status; 0 when the dashboard could not be reached at all. */
    readonly status: number,
    /** ApiError.code ("Forbidden", "Conflict"...), or "Unreachable" / "Timeout" / "Failed". */
    readonly code: string,
    message: string,
    /** Seconds from Retry-After (429). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Abort with the page (e.g. from a useEffect cleanup). */
  signal?: AbortSignal;
  /** A 401 is the caller's answer (login, session probe), not "go to the login page". */
  expectUnauthenticated?: boolean;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  return search === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${search}`;
}

function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && typeof (value as ApiError).code === 'string' && typeof (value as ApiError).message === 'string';
}

export class ApiClient {
  /** Set from SessionInfo after login or the session probe. */
  csrfToken = '';
  /** GETs started early (getEarly), by path, until a get() claims them. */
  private readonly early = new Map<string, Promise<unknown>>();
  /** Called on a 401 the caller did not expect: the session ended (expired, logged out elsewhere). */
  onUnauthenticated: (() => void) | undefined;

  get<T>(path: string, query?: Query, options: RequestOptions = {}): Promise<T> {
    if (query === undefined) {
      const early = this.early.get(path);
      if (early !== undefined) {
        this.early.delete(path);
        return early as Promise<T>;
      }
    }
    return this.json<T>('GET', path, { ...options, query });
  }

  /**
   * Starts a GET now whose answer the next get() of the same path (without a query) takes: the
   * app asks for the session and the opening page's data as soon as the script runs, instead of
   * after the first render's effects. Unclaimed answers are dropped after a few seconds.
   */
  /** Forgets the early answers (asked without a session, they would be 401s for the next user). */
  dropEarly(): void {
    this.early.clear();
  }

  getEarly(path: string): void {
    if (this.early.has(path)) return;
    const answer = this.json<unknown>('GET', path, { expectUnauthenticated: true, timeoutMs: 10_000 });
    answer.catch(() => undefined); // claimed by get(), which sees the failure; or dropped
    this.early.set(path, answer);
    setTimeout(() => {
      if (this.early.get(path) === answer) this.early.delete(path);
    }, 5000);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('POST', path, { ...options, body: body ?? {} });
  }

  put<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('PUT', path, { ...options, body: body ?? {} });
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('DELETE', path, options);
  }

  /** A binary answer (e.g. the chart's application/octet-stream) as an ArrayBuffer. */
  async bytes(path: string, query?: Query, options: RequestOptions = {}): Promise<ArrayBuffer> {
    const response = await this.send('GET', path, { ...options, query }, 'application/octet-stream');
    return response.arrayBuffer();
  }

  /** JSON request and answer; a 204 resolves with undefined. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options, 'application/json');
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiRequestError(response.status, 'Failed', `${method} ${path}: the answer is not JSON`);
    }
  }

  private async send(method: string, path: string, options: RequestOptions, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = this.csrfToken;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    let response: Response;
    try {
      response = await fetch(withQuery(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'same-origin',
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      if (timeout.aborted) throw new ApiRequestError(0, 'Timeout', `${method} ${path}: no answer within ${(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s`);
      throw new ApiRequestError(0, 'Unreachable', `the dashboard is unreachable (${error instanceof Error ? error.message : String(error)})`);
    }
    if (response.ok) return response;
    throw await this.failure(method, path, response, options);
  }

  private async failure(method: string, path: string, response: Response, options: RequestOptions): Promise<ApiRequestError> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const retryAfter = Number(response.headers.get('Retry-After') ?? Number.NaN);
    const error = isApiError(body)
      ? new ApiRequestError(response.status, body.code, body.message, Number.isFinite(retryAfter) ? retryAfter : undefined)
      : new ApiRequestError(response.status, 'Failed', `${method} ${path}: ${response.status} ${response.statusText}`.trim());
    if (response.status === 401 && options.expectUnauthenticated !== true) this.onUnauthenticated?.();
    return error;
  }
}

/** The message to show for anything a request threw. */
export function errorText(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** True when the request was aborted by its page (nothing to show). */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
