/**
 * Influx line protocol, the write format InfluxDB and VictoriaMetrics share:
 * `<set>,ch=<channel> v=<value> <timestamp ms>`. The payloads are built before
 * the timed write, so the write rate is the server's, not our string building.
 */
import type { SeriesData, TaggedPoint } from './datasets.js';

/** One POST body per `batch` records, series after series. */
export function lineProtocolBatches(series: readonly SeriesData[], batch: number): Buffer[] {
  const bodies: Buffer[] = [];
  let lines: string[] = [];
  for (const s of series) {
    const prefix = `${s.set},ch=${s.channel} v=`;
    for (let i = 0; i < s.values.length; i++) {
      // String(number) is the shortest text that reads back as the same double.
      lines.push(`${prefix}${String(s.values[i])} ${String(s.timestamps[i])}`);
      if (lines.length === batch) {
        bodies.push(Buffer.from(lines.join('\n') + '\n'));
        lines = [];
      }
    }
  }
  if (lines.length > 0) bodies.push(Buffer.from(lines.join('\n') + '\n'));
  return bodies;
}

/** One entry per tagged data point, in the measurement `tagged`, `dp` naming the data point. */
export function taggedLineProtocol(points: readonly TaggedPoint[], timestampMs: number, batch: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let start = 0; start < points.length; start += batch) {
    const lines = points.slice(start, start + batch).map((p) => {
      const tags = Object.keys(p.tags)
        .sort()
        .map((k) => `,${k}=${p.tags[k] ?? ''}`)
        .join('');
      return `tagged,dp=${p.channel}${tags} v=1 ${timestampMs}`;
    });
    bodies.push(Buffer.from(lines.join('\n') + '\n'));
  }
  return bodies;
}
