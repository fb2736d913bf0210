/**
 * CSV export: `data_point,timestamp_ms,value` rows, header first, written in batches of text to
 * a writable stream; when `write` returns false the export waits for 'drain' before going on,
 * so a slow consumer never makes the whole export pile up in memory. The data are read span
 * piece by span piece (a bounded number of entries at a time) for the same reason.
 */
import type { LimitedColumns } from '../series/index.js';

/** Entries read per query while exporting. */
const ENTRIES_PER_READ = 65_536;
/** Rows per write call. */
const ROWS_PER_WRITE = 1024;

/** Formats a value so that Number(text) gives it back exactly (-0 included). */
export function formatCsvNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Quotes a field if it holds a comma, quote or line break (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Reads up to `limit` entries of one data point with from <= t < to. */
export type RangeReader = (name: string, fromMs: number, toMs: number, limit: number) => LimitedColumns;

function waitForDrain(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the output stream closed during the export'));
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** Streams the rows of `names` (in the given order) in [fromMs, toMs) to `out`; resolves with the row count. */
export async function writeCsv(
  names: readonly string[],
  fromMs: number,
  toMs: number,
  read: RangeReader,
  out: NodeJS.WritableStream,
): Promise<number> {
  let rows = 0;
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await waitForDrain(out);
  };
  await write('data_point,timestamp_ms,value\n');
  for (const name of names) {
    const field = csvField(name);
    let from = fromMs;
    let skipFirst = false;
    for (;;) {
      const part = read(name, from, toMs, ENTRIES_PER_READ);
      const n = part.timestamps.length;
      let lines: string[] = [];
      for (let i = skipFirst ? 1 : 0; i < n; i++) {
        lines.push(`${field},${formatCsvNumber(part.timestamps[i])},${formatCsvNumber(part.values[i])}\n`);
        rows++;
        if (lines.length === ROWS_PER_WRITE) {
          await write(lines.join(''));
          lines = [];
        }
      }
      if (lines.length > 0) await write(lines.join(''));
      if (!part.truncated || n === 0) break;
      // Timestamps are unique in a data point: go on from the last one read, skipping it.
      from = part.timestamps[n - 1];
      skipFirst = true;
    }
  }
  return rows;
}
