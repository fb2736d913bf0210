import { ProfileError } from './api.js';
import type { Profile } from './api.js';

/**
 * Shared argument checks. They throw ProfileError with the profile's id so
 * that an error deep in a pipeline still says which series was at fault.
 */

export function checkStep(stepMs: number, what: string): void {
  if (!(stepMs > 0) || !Number.isFinite(stepMs)) {
    throw new ProfileError(`${what}: stepMs must be a finite number > 0, got ${stepMs}`);
  }
}

export function checkInstant(ms: number, name: string, what: string): void {
  if (!Number.isFinite(ms)) throw new ProfileError(`${what}: ${name} must be a finite number of ms, got ${ms}`);
}

export function checkColumns(profile: Profile, what: string): void {
  if (profile.timestamps.length !== profile.values.length) {
    throw new ProfileError(
      `${what}: profile "${profile.id}" has ${profile.timestamps.length} timestamps but ${profile.values.length} values`,
    );
  }
}

/** The error for timestamp i being out of order, raised from inside the callers' single pass. */
export function unsortedError(profile: Profile, index: number, what: string): ProfileError {
  const t = profile.timestamps[index];
  const before = index > 0 ? profile.timestamps[index - 1] : undefined;
  const reason = Number.isFinite(t) ? `is before the previous one (${before})` : 'is not a finite number';
  return new ProfileError(`${what}: profile "${profile.id}" timestamp #${index} (${t}) ${reason}; timestamps must ascend`);
}

/** An instant for messages: ISO when it is a plausible date, the number otherwise. */
export function describeInstant(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? `${new Date(ms).toISOString()} (${ms})` : String(ms);
}
