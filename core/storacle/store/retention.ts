/**
 * Which sealed segment files retention deletes (applied at the end of every checkpoint).
 *
 * - maxAgeMs is measured against the newest entry of the same data point, not the wall clock:
 *   a store that stops receiving data (or one whose clock jumps) keeps its recent history, and
 *   the result does not depend on when the checkpoint runs.
 * - maxBytes counts every segment file (sealed or not); sealed files go oldest first (by their
 *   newest entry) until the total fits. Open files are never deleted: they are still written.
 */
import type { RetentionOptions } from './api.js';

export interface RetentionCandidate {
  readonly fileNo: number;
  readonly seriesId: number;
  readonly sizeBytes: number;
  readonly lastTimestampMs: number;
  readonly sealed: boolean;
}

/** File numbers to delete, in deletion order. */
export function selectForRetention(
  files: readonly RetentionCandidate[],
  newestBySeries: ReadonlyMap<number, number>,
  totalBytes: number,
  options: RetentionOptions,
): number[] {
  const doomed: number[] = [];
  const gone = new Set<number>();
  let total = totalBytes;
  const sealed = files.filter((f) => f.sealed);
  if (options.maxAgeMs !== undefined) {
    for (const f of sealed) {
      const newest = newestBySeries.get(f.seriesId);
      if (newest !== undefined && f.lastTimestampMs < newest - options.maxAgeMs) {
        doomed.push(f.fileNo);
        gone.add(f.fileNo);
        total -= f.sizeBytes;
      }
    }
  }
  if (options.maxBytes !== undefined && total > options.maxBytes) {
    const oldestFirst = sealed.filter((f) => !gone.has(f.fileNo)).sort((a, b) => a.lastTimestampMs - b.lastTimestampMs);
    for (const f of oldestFirst) {
      if (total <= options.maxBytes) break;
      doomed.push(f.fileNo);
      total -= f.sizeBytes;
    }
  }
  return doomed;
}
