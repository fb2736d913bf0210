// What the LineProtocolTarget needs from a time-series server that accepts line protocol:
// write a batch, make written entries queryable, and read a data point's entries back.

import type { SeriesColumns } from '../series/index.js';
import type { BackslashRule } from './line-protocol.js';

export interface LineProtocolServer {
  /** Names the server in errors and in the journal, e.g. `victoriametrics+http://10.0.0.5:8428`. */
  readonly name: string;
  readonly backslashes: BackslashRule;
  /**
   * How far a read-back value may be from the value written, relative to the largest magnitude
   * among the entries verified together: 0 for a server that stores float64 exactly.
   */
  readonly relativeValueTolerance: number;
  /** POSTs one batch of lines (precision ms); throws HttpRequestError. */
  write(lines: string): Promise<void>;
  /** Makes everything written so far visible to `readBack`. */
  flush(): Promise<void>;
  /** Entries of the series with timestamps in [fromMs, toMs] (both included), sorted by time. */
  readBack(measurement: string, dataPoint: string, fromMs: number, toMs: number): Promise<SeriesColumns>;
}

/** Sorts parallel columns by timestamp (stable), for servers that answer in several series or pieces. */
export function sortColumns(timestamps: number[], values: number[]): SeriesColumns {
  const order = timestamps.map((_, i) => i).sort((a, b) => timestamps[a] - timestamps[b] || a - b);
  return { timestamps: Float64Array.from(order, (i) => timestamps[i]), values: Float64Array.from(order, (i) => values[i]) };
}
