/**
 * A module that has just started has not yet heard the beacons of its
 * peers; a request to a role nobody is known to hold fails at once
 * (NoHandlers). Waiting a little for a holder first turns "storage has not
 * been discovered yet" into a normal answer and keeps Unavailable for a
 * storage that is really absent.
 */
import type { Registry } from '../../bus/registry.js';

/** Resolves true once a holder of `role` is known, false after `timeoutMs` without one. */
export async function waitForRole(registry: Pick<Registry, 'holders'>, role: string, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (registry.holders(role).length === 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}
