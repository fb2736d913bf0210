/** Sizes of files and folders on disk, for the bytes/record rows. */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Apparent size (`du -sb`) of a file or of everything under a folder: the sum
 * of file lengths, so results do not depend on the file system's block size.
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
  let total = 0;
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
