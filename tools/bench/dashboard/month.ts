/**
 * A month of 1 Hz data in the storage module: 2,592,000 entries of one data
 * point written with AddEntries in large batches, a few requests in flight
 * (each is acknowledged once durable). The values are a daily voltage swing
 * with seeded noise, so a chart of them is not a flat line and every run
 * stores the same numbers. Used by bench:dashboard and the dashboard's
 * end-to-end test.
 */
import type { Bus } from '../../../core/bus/bus.js';
import { RecipientFailureError } from '../../../core/bus/errors.js';
import { AddEntries, CreateDataPoint, ErrorReply } from '../../../schemas/generated/messages.js';
import { prng } from '../prng.js';

/** 30 days at 1 Hz. */
export const MONTH_OF_SECONDS = 30 * 86_400;

export interface StoredSeries {
  dataPoint: string;
  /** First timestamp (inclusive). */
  fromMs: number;
  /** One step after the last timestamp (exclusive end of the span). */
  toMs: number;
  entries: number;
}

export interface SeriesOptions {
  /** Entries to write (default a month of seconds). */
  entries?: number;
  /** Time of the first entry (default: `entries` seconds before the current whole hour, so the series ends about now). */
  startMs?: number;
  stepMs?: number;
  /** Entries per AddEntries (at most storage's maxEntriesPerReply, 100,000 by default). */
  batch?: number;
  /** AddEntries requests in flight at most. */
  window?: number;
  role?: string;
  timeoutMs?: number;
  seed?: number;
  tags?: string[];
  onProgress?: (written: number) => void;
}

function describe(error: unknown): string {
  if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name) {
    const reply = ErrorReply.decode(error.replyBody);
    return `${reply.code}: ${reply.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Creates `dataPoint` (exist_ok) and writes the series; resolves once storage acknowledged every entry. */
export async function storeSeries(bus: Bus, dataPoint: string, options: SeriesOptions = {}): Promise<StoredSeries> {
  const entries = options.entries ?? MONTH_OF_SECONDS;
  const stepMs = options.stepMs ?? 1000;
  const hour = 3_600_000;
  const startMs = options.startMs ?? Math.floor(Date.now() / hour) * hour - entries * stepMs;
  const batch = options.batch ?? 50_000;
  const window = options.window ?? 3;
  const role = options.role ?? 'storage';
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    await bus.request(
      role,
      CreateDataPoint,
      { dataPoint, tags: options.tags ?? ['voltage', 'bench'], unit: 'V', description: 'a month of 1 Hz voltage (daily swing and noise)', existOk: true },
      CreateDataPoint.reply,
      { timeoutMs },
    );
  } catch (error) {
    throw new Error(`CreateDataPoint ${dataPoint}: ${describe(error)}`);
  }
  const random = prng(options.seed ?? 9);
  const day = 86_400_000;
  let written = 0;
  const pending = new Set<Promise<void>>();
  let failure: Error | undefined;
  for (let from = 0; from < entries; from += batch) {
    const count = Math.min(batch, entries - from);
    const timestampsMs = new Array<number>(count);
    const values = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const t = startMs + (from + i) * stepMs;
      timestampsMs[i] = t;
      // Whole hundredths of a volt, as a meter reports them.
      values[i] = Math.round((230 + 6 * Math.sin((2 * Math.PI * (t % day)) / day) + 2 * (random() - 0.5)) * 100) / 100;
    }
    const sent: Promise<void> = bus
      .request(role, AddEntries, { dataPoint, timestampsMs, values }, AddEntries.reply, { timeoutMs })
      .then(
        () => {
          written += count;
          options.onProgress?.(written);
        },
        (error: unknown) => {
          failure ??= new Error(`AddEntries ${dataPoint} at entry ${from}: ${describe(error)}`);
        },
      )
      .finally(() => pending.delete(sent));
    pending.add(sent);
    if (pending.size >= window) await Promise.race(pending);
    if (failure) throw failure;
  }
  await Promise.all(pending);
  if (failure) throw failure;
  return { dataPoint, fromMs: startMs, toMs: startMs + entries * stepMs, entries };
}
