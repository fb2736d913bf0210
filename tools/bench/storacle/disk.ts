/** Sizes of files and folders on disk, for the bytes/record rows. */
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Apparent size, as `du -sb` reports it: the lengths of the files under a
 * folder plus the sizes of the folders themselves (a directory occupies at
 * least one block, 4,096 bytes on ext4, so a layout of one folder per data
 * point pays for it). Independent of how full the last block of each file is.
 * Missing paths count 0 (a file may be renamed away while compaction runs).
 */
export function apparentSize(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = stat.size;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return 0;
  }
  for (const name of names) total += apparentSize(join(path, name));
  return total;
}

/** Names and sizes of the files under a folder whose name matches, sorted: a fingerprint to see compaction settle. */
export function filesFingerprint(path: string, pattern: RegExp): string {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      let stat;
      try {
        stat = lstatSync(full);
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(full);
      else if (pattern.test(name)) out.push(`${full}:${stat.size}`);
    }
  };
  walk(path);
  return out.sort().join('\n');
}

/** Bytes of the blocks allocated under a path (`du -s --block-size=1`): what the disk really gives up. */
export function allocatedSize(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  let total = stat.blocks * 512;
  if (!stat.isDirectory()) return total;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return total;
  }
  for (const name of names) total += allocatedSize(join(path, name));
  return total;
}

/** Sum of the lengths of the files under a folder (no folder sizes): e.g. whether a WAL is empty. */
export function fileLengths(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return 0;
  }
  let total = 0;
  for (const name of names) total += fileLengths(join(path, name));
  return total;
}

/** A temporary folder that is deleted by `remove()`, or at the latest when the process exits (Ctrl-C included). */
export interface TempFolder {
  readonly path: string;
  remove(): void;
}

export function tempFolder(prefix: string): TempFolder {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const remove = (): void => {
    process.removeListener('exit', remove);
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // A server killed a moment ago may still have written a file; the next run does not need this folder.
    }
  };
  process.once('exit', remove);
  return { path, remove };
}
