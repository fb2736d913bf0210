// A small HTTP client for the line-protocol servers: a deadline on every request, and errors
// that carry the status and the server's own explanation.

/** An HTTP request that failed or timed out. */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HttpCall {
  method: 'GET' | 'POST';
  url: URL;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Status codes that count as success (default 200 and 204). */
  expect?: readonly number[];
}

/** Sends the request and returns the response body; throws HttpRequestError otherwise. */
export async function httpText(call: HttpCall): Promise<string> {
  const where = `${call.method} ${call.url.origin}${call.url.pathname}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(call.url, {
      method: call.method,
      body: call.body,
      headers: { ...(call.body !== undefined ? { 'content-type': 'text/plain; charset=utf-8' } : {}), ...call.headers },
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new HttpRequestError(timedOut ? `${where}: no answer within ${call.timeoutMs} ms` : `${where}: ${cause}`);
  }
  if (!(call.expect ?? [200, 204]).includes(response.status)) {
    throw new HttpRequestError(`${where}: HTTP ${response.status}: ${text.trim().slice(0, 500)}`, response.status);
  }
  return text;
}
