/** Profiles as CSV files: <dir>/<data point>.csv with the header timestamp_ms,value. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Series } from './gaps.js';
import type { ProfileSink, SimulatedDataPoint } from './simulation.js';

/** Lines per piece of text: a week at one minute is ~10,000 lines, ~250 kB. */
const LINES_PER_PIECE = 4096;

export function csvSink(dir: string): ProfileSink {
  const written: string[] = [];
  return {
    async begin() {
      await mkdir(dir, { recursive: true });
    },
    async write(dataPoint: SimulatedDataPoint, series: Series) {
      const path = join(dir, `${dataPoint.name}.csv`);
      const pieces: string[] = ['timestamp_ms,value\n'];
      let lines: string[] = [];
      for (let i = 0; i < series.values.length; i++) {
        lines.push(`${series.timestamps[i]},${series.values[i]}`);
        if (lines.length === LINES_PER_PIECE) {
          pieces.push(`${lines.join('\n')}\n`);
          lines = [];
        }
      }
      if (lines.length > 0) pieces.push(`${lines.join('\n')}\n`);
      await writeFile(path, pieces.join(''));
      written.push(path);
    },
    async end() {
      return written;
    },
  };
}

/** Reads a CSV written by csvSink back (for tests and tools). */
export function parseProfileCsv(text: string): Series {
  const lines = text.split('\n').filter((line) => line !== '');
  if (lines[0] !== 'timestamp_ms,value') throw new Error(`not a profile CSV: first line "${lines[0] ?? ''}"`);
  const timestamps = new Float64Array(lines.length - 1);
  const values = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const comma = lines[i]!.indexOf(',');
    timestamps[i - 1] = Number(lines[i]!.slice(0, comma));
    values[i - 1] = Number(lines[i]!.slice(comma + 1));
  }
  return { timestamps, values };
}
