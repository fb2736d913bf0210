/**
 * Where segment files live: `<dataDir>/chunks/<seriesId>/<periodStartMs>.seg`, one file per
 * data point per period of entry time. Relative paths use forward slashes on every platform,
 * since they are the names the remote tier copies files under.
 */
import * as path from 'node:path';

export const CHUNKS_DIR = 'chunks';
export const SEGMENT_SUFFIX = '.seg';

/** Start of the period that holds timestamp `t`. */
export function periodStart(t: number, periodMs: number): number {
  return Math.floor(t / periodMs) * periodMs;
}

export function segmentRelativePath(seriesId: number, period: number): string {
  return `${CHUNKS_DIR}/${seriesId}/${period}${SEGMENT_SUFFIX}`;
}

export function seriesDirectory(dataDir: string, seriesId: number): string {
  return path.join(dataDir, CHUNKS_DIR, String(seriesId));
}

/** Parses `<periodStart>.seg`; undefined for any other name. */
export function parseSegmentName(name: string): number | undefined {
  if (!name.endsWith(SEGMENT_SUFFIX)) return undefined;
  const stem = name.slice(0, -SEGMENT_SUFFIX.length);
  if (!/^-?\d+$/.test(stem)) return undefined;
  const period = Number(stem);
  return Number.isSafeInteger(period) ? period : undefined;
}

/** Parses a series folder name; undefined for anything else. */
export function parseSeriesDirectory(name: string): number | undefined {
  if (!/^\d+$/.test(name)) return undefined;
  const id = Number(name);
  return id >>> 0 === id ? id : undefined;
}
