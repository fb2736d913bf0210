// Browser sessions: a random 32-byte id in the HttpOnly, SameSite=Strict cookie `gridlink_session`
// (Secure when configured), an idle and an absolute expiry, and a CSRF token per session that
// state-changing requests send back in X-CSRF-Token. Kept in memory: a dashboard restart logs
// everybody out, which is the safe direction.

import { randomBytes } from 'node:crypto';
import type { Role } from '../api.js';
import type { Session } from './router.js';

export const SESSION_COOKIE = 'gridlink_session';

export interface SessionTimes {
  idleMs: number;
  maxMs: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly endedListeners = new Set<(session: Session) => void>();

  constructor(
    private readonly times: SessionTimes,
    private readonly secureCookies: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  create(user: string, role: Role): Session {
    const at = this.now();
    const session: Session = { id: randomBytes(32).toString('base64url'), user, role, csrfToken: randomBytes(32).toString('base64url'), createdMs: at, lastSeenMs: at };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of the request's cookie, its idle clock restarted; undefined when none or expired. */
  fromCookies(cookieHeader: string | undefined, touch = true): Session | undefined {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (!this.alive(session)) {
      this.end(session);
      return undefined;
    }
    if (touch) session.lastSeenMs = this.now();
    return session;
  }

  /** Still within both expiries and not ended. */
  alive(session: Session): boolean {
    const at = this.now();
    return this.sessions.get(session.id) === session && at - session.lastSeenMs <= this.times.idleMs && at - session.createdMs <= this.times.maxMs;
  }

  expiresMs(session: Session): number {
    return Math.min(session.lastSeenMs + this.times.idleMs, session.createdMs + this.times.maxMs);
  }

  end(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    for (const listener of this.endedListeners) listener(session);
  }

  /** Ends every session of a user (removed from the users file, or role changed). */
  endUser(user: string): void {
    for (const session of [...this.sessions.values()]) if (session.user === user) this.end(session);
  }

  onEnded(listener: (session: Session) => void): void {
    this.endedListeners.add(listener);
  }

  /** Drops expired sessions (called now and then so abandoned ones do not pile up). */
  sweep(): void {
    for (const session of [...this.sessions.values()]) if (!this.alive(session)) this.end(session);
  }

  get size(): number {
    return this.sessions.size;
  }

  setCookie(session: Session): string {
    const maxAge = Math.max(1, Math.floor(this.times.maxMs / 1000));
    return `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.secureCookies ? '; Secure' : ''}`;
  }

  clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${this.secureCookies ? '; Secure' : ''}`;
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
