// InfluxDB line protocol as the remote tier writes it: one line per entry,
// `<measurement>,data_point=<escaped name> value=<float> <timestamp ms>`.
// NaN and ±Infinity have no line-protocol form: they are skipped and counted.

import type { SeriesColumns } from '../series/index.js';

/**
 * How a server reads a backslash in a tag value. InfluxDB 1.x keeps `\\` as two backslashes
 * (only `\ `, `\,` and `\=` are escapes); VictoriaMetrics also turns `\\` into one backslash.
 */
export type BackslashRule = 'literal' | 'escapable';

/** Escapes a measurement name: commas and spaces. */
export function escapeMeasurement(name: string): string {
  return name.replace(/[, ]/g, (c) => `\\${c}`);
}

/**
 * Escapes a tag value (a data point name): commas, equals signs and spaces. Returns why it
 * cannot be written instead, for a name the server could not read back unchanged.
 */
export function escapeTagValue(value: string, backslashes: BackslashRule): { escaped: string } | { refused: string } {
  if (value === '') return { refused: 'an empty tag value cannot be written in line protocol' };
  if (/[\n\r]/.test(value)) return { refused: 'a line break cannot be written in a line-protocol tag value' };
  if (backslashes === 'escapable') return { escaped: value.replace(/[\\, =]/g, (c) => `\\${c}`) };
  // Literal backslashes: one before a space, comma or equals sign (or at the end) would be read
  // as an escape, so such a name has no faithful encoding.
  if (/\\([, =]|$)/.test(value)) return { refused: 'with InfluxDB 1.x a backslash before a space, comma, equals sign or at the end of a name cannot be written' };
  return { escaped: value.replace(/[, =]/g, (c) => `\\${c}`) };
}

/** Lines of one data point, in batches; with the numbers of entries written and skipped. */
export interface LineBatches {
  batches: string[];
  /** Entries written (finite values). */
  sent: number;
  /** Entries skipped: NaN or ±Infinity. */
  skipped: number;
}

/**
 * Formats the entries as lines of at most `linesPerBatch` per batch. Timestamps are written as
 * whole milliseconds (precision=ms); a fraction is rounded.
 */
export function formatLines(seriesKey: string, columns: SeriesColumns, linesPerBatch: number): LineBatches {
  const batches: string[] = [];
  let lines: string[] = [];
  let sent = 0;
  let skipped = 0;
  const { timestamps, values } = columns;
  for (let i = 0; i < timestamps.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) {
      skipped++;
      continue;
    }
    // String(value) is the shortest exact form; `1e+21` and `5e-324` are valid line-protocol floats.
    lines.push(`${seriesKey} value=${String(value)} ${Math.round(timestamps[i])}`);
    sent++;
    if (lines.length === linesPerBatch) {
      batches.push(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) batches.push(`${lines.join('\n')}\n`);
  return { batches, sent, skipped };
}
