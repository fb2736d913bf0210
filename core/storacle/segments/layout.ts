/**
 * Where segment files live: `<dataDir>/chunks/<periodStartMs>/<seriesId>.seg`, one file per
 * data point per period of entry time, in one folder per period shared by every data point.
 * (A folder per data point cost a 4 KiB directory entry each: 40 MB for 10,000 data points,
 * more than their data on short histories.) Relative paths use forward slashes on every
 * platform, since they are the names the remote tier copies files under.
 */
import * as path from 'node:path';

export const CHUNKS_DIR = 'chunks';
export const SEGMENT_SUFFIX = '.seg';
/** Version of this layout, recorded in the snapshot (the first layout had a folder per data point). */
export const SEGMENT_LAYOUT = 2;

/** Start of the period that holds timestamp `t`. */
export function periodStart(t: number, periodMs: number): number {
  return Math.floor(t / periodMs) * periodMs;
}

export function segmentRelativePath(seriesId: number, period: number): string {
  return `${CHUNKS_DIR}/${period}/${seriesId}${SEGMENT_SUFFIX}`;
}

/** Folder of every data point's file of one period. */
export function periodDirectory(dataDir: string, period: number): string {
  return path.join(dataDir, CHUNKS_DIR, String(period));
}

/** Parses `<seriesId>.seg`; undefined for any other name. */
export function parseSegmentName(name: string): number | undefined {
  if (!name.endsWith(SEGMENT_SUFFIX)) return undefined;
  const stem = name.slice(0, -SEGMENT_SUFFIX.length);
  if (!/^\d+$/.test(stem)) return undefined;
  const id = Number(stem);
  return id >>> 0 === id ? id : undefined;
}

/** Parses a period folder name (the period's start, ms; may be negative); undefined for anything else. */
export function parsePeriodDirectory(name: string): number | undefined {
  if (!/^-?\d+$/.test(name)) return undefined;
  const period = Number(name);
  return Number.isSafeInteger(period) ? period : undefined;
}
