import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** A module id: 16 random bytes as 32 hex digits; also the ZeroMQ routing id of its DEALERs. */
export function newModuleId(): string {
  return randomBytes(16).toString('hex');
}

/** Incarnation: start time in microseconds; a restarted module has a larger one. */
export function newIncarnation(): bigint {
  return BigInt(Date.now()) * 1000n + BigInt(process.pid % 1000);
}

/**
 * Host name plus network namespace. Two modules with the same key share a
 * kernel network stack and a file system view, so they can talk over ipc.
 */
export function hostKey(): string {
  let ns = 'default';
  try {
    ns = readlinkSync('/proc/self/ns/net');
  } catch {
    // Not Linux: the host name alone.
  }
  return `${hostname()}|${ns}`;
}
