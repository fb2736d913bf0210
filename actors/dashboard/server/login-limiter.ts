// Failed logins counted per user name and per client address in a sliding window; past the limit
// further attempts are refused with 429 and Retry-After before any password is checked (so the
// limit also caps the scrypt work an attacker can cause). A successful login clears the user's count.

import type { LoginLimits } from '../settings.js';

export class LoginLimiter {
  private readonly byUser = new Map<string, number[]>();
  private readonly byAddress = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before another attempt, or 0 when one is allowed now. */
  retryAfterSeconds(user: string, address: string): number {
    const at = this.now();
    const wait = Math.max(this.waitMs(this.byUser, user, this.limits.maxFailuresPerUser, at), this.waitMs(this.byAddress, address, this.limits.maxFailuresPerAddress, at));
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  failed(user: string, address: string): void {
    const at = this.now();
    this.push(this.byUser, user, at);
    this.push(this.byAddress, address, at);
  }

  succeeded(user: string): void {
    this.byUser.delete(user);
  }

  private waitMs(map: Map<string, number[]>, key: string, max: number, at: number): number {
    const times = this.recent(map, key, at);
    if (times.length < max) return 0;
    // The oldest failure that keeps the count at the limit must leave the window first.
    return times[times.length - max]! + this.limits.windowMs - at;
  }

  private recent(map: Map<string, number[]>, key: string, at: number): number[] {
    const times = (map.get(key) ?? []).filter((t) => at - t < this.limits.windowMs);
    if (times.length === 0) map.delete(key);
    else map.set(key, times);
    return times;
  }

  private push(map: Map<string, number[]>, key: string, at: number): void {
    const times = this.recent(map, key, at);
    times.push(at);
    // Bounded: only the last entries matter for the limit.
    if (times.length > 1000) times.splice(0, times.length - 1000);
    map.set(key, times);
    // Bounded too: a flood of made-up user names must not grow the map without end.
    if (map.size > 10_000) for (const old of [...map.keys()].slice(0, map.size - 10_000)) map.delete(old);
  }
}
