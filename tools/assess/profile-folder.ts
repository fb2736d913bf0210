/**
 * Profile files for `gridlink assess`: one CSV file per data point,
 * `<data point>.csv`, each line `timestamp_ms,value` (an optional header line
 * of text first), as `gridlink simulate` writes them and as `gridlink
 * storacle export` / SaveDataPointsCSV can produce them. A line that is not
 * two numbers is an error naming file and line; timestamps must ascend.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Profile } from '../../core/grid/profiles/api.js';

export class ProfileFileError extends Error {
  override readonly name = 'ProfileFileError';
}

/** The data points of a folder: every `*.csv` in it, by name without `.csv`, sorted. */
export function listProfileFiles(folder: string): Map<string, string> {
  let names: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new ProfileFileError(`${folder}: not a folder (--profiles names a folder of <data point>.csv files)`);
    names = readdirSync(folder);
  } catch (error) {
    if (error instanceof ProfileFileError) throw error;
    throw new ProfileFileError(`${folder}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (error as Error).message}`);
  }
  const files = new Map<string, string>();
  for (const name of names.filter((one) => one.endsWith('.csv')).sort()) files.set(name.slice(0, -'.csv'.length), join(folder, name));
  if (files.size === 0) throw new ProfileFileError(`${folder}: no .csv files (one per data point, named <data point>.csv)`);
  return files;
}

/** Reads one profile file into typed arrays. */
export function readProfileFile(id: string, path: string): Profile {
  const text = readFileSync(path, 'utf8');
  const timestamps: number[] = [];
  const values: number[] = [];
  let lineNumber = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).replace(/\r$/, '').trim();
    start = end + 1;
    if (line === '') continue;
    const comma = line.indexOf(',');
    const t = comma < 0 ? Number.NaN : Number(line.slice(0, comma));
    const rest = comma < 0 ? '' : line.slice(comma + 1).trim();
    // An empty or NaN value is a missing sample (Profile reads NaN as "no sample").
    const v = rest === '' || /^nan$/i.test(rest) ? Number.NaN : Number(rest);
    if (comma < 0 || !Number.isFinite(t) || (Number.isNaN(v) && rest !== '' && !/^nan$/i.test(rest)) || rest.includes(',')) {
      // A header of text on the first line is allowed.
      if (lineNumber === 1 && timestamps.length === 0 && !/^\s*-?\d/.test(line)) continue;
      throw new ProfileFileError(`${path}:${lineNumber}: expected "timestamp_ms,value", got ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line)}`);
    }
    if (timestamps.length > 0 && t < timestamps[timestamps.length - 1]!) {
      throw new ProfileFileError(`${path}:${lineNumber}: timestamp ${t} is before the one on the line above (${timestamps[timestamps.length - 1]}); the file must be sorted by time`);
    }
    timestamps.push(t);
    values.push(v);
  }
  return { id, timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
}

/** A simple glob over data point names: `*` any run of characters, `?` one character. */
export function globMatcher(pattern: string): (name: string) => boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}
