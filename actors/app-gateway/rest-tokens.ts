// Bearer tokens of the REST gateway, from a JSON file the administrator keeps (re-read when it
// changes, so a token is revoked without a restart):
//   { "tokens": [{ "name": "dashboard", "token": "<long random text>", "scopes": ["read", "admin"] }] }
// Scope "read" allows GET; "admin" allows everything. Comparison is constant-time: both sides are
// hashed to SHA-256 and compared with timingSafeEqual, against every token (no early exit).

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export type Scope = 'read' | 'admin';

export interface TokenHolder {
  name: string;
  scopes: Set<Scope>;
}

interface StoredToken {
  holder: TokenHolder;
  digest: Buffer;
}

const MIN_TOKEN_LENGTH = 16;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class TokenFile {
  private tokens: StoredToken[] = [];
  private loadedMtimeMs = -1;

  constructor(private readonly file: string) {
    this.reload();
  }

  /** The holder of `presented`, or undefined when no token matches. */
  holderOf(presented: string): TokenHolder | undefined {
    this.reloadIfChanged();
    const wanted = digest(presented);
    let found: TokenHolder | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(token.digest, wanted) && found === undefined) found = token.holder;
    }
    return found;
  }

  private reloadIfChanged(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      // A deleted file revokes every token.
      this.tokens = [];
      this.loadedMtimeMs = -1;
      return;
    }
    if (mtimeMs !== this.loadedMtimeMs) {
      try {
        this.reload();
      } catch {
        // A half-edited file keeps the previous tokens until it parses again.
      }
    }
  }

  /** Throws with a message naming the problem (at start: a bad file stops the module). */
  private reload(): void {
    const mtimeMs = statSync(this.file).mtimeMs;
    this.tokens = parseTokens(readFileSync(this.file, 'utf8'), this.file);
    this.loadedMtimeMs = mtimeMs;
  }
}

export function parseTokens(text: string, where: string): StoredToken[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`);
  }
  const list = typeof parsed === 'object' && parsed !== null && 'tokens' in parsed ? parsed.tokens : undefined;
  if (!Array.isArray(list)) throw new Error(`${where}: expected { "tokens": [ { "name", "token", "scopes" } ] }`);
  return list.map((item: unknown, index) => {
    const at = `${where}: tokens[${index}]`;
    if (typeof item !== 'object' || item === null) throw new Error(`${at} must be an object`);
    const { name, token, scopes } = item as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw new Error(`${at}.name must be a non-empty string`);
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) throw new Error(`${at}.token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
    const scopeList = scopes ?? ['admin'];
    if (!Array.isArray(scopeList) || scopeList.some((s) => s !== 'read' && s !== 'admin')) throw new Error(`${at}.scopes must list "read" and/or "admin"`);
    return { holder: { name, scopes: new Set(scopeList as Scope[]) }, digest: digest(token) };
  });
}
