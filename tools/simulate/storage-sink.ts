/**
 * Profiles into the storage module over the bus: CreateDataPoint (exist_ok)
 * for every data point, then AddEntries requests of up to `batch` samples
 * (the storage module refuses more than its maxEntriesPerReply in one, 500
 * keeps clear of small settings). AddEntries is acknowledged once durable, so
 * requests are kept in flight up to a window; `write` returns as soon as the
 * window has room, `end` waits for the rest.
 * The first failure stops the run and is reported with the data point.
 */
import type { Bus } from '../../core/bus/bus.js';
import { RecipientFailureError } from '../../core/bus/errors.js';
import { AddEntries, CreateDataPoint, ErrorReply } from '../../schemas/generated/messages.js';
import type { Series } from './gaps.js';
import type { ProfileSink, SimulatedDataPoint } from './simulation.js';

export interface StorageSinkOptions {
  /** Role of the storage module. */
  readonly role: string;
  /** Requests in flight at most. */
  readonly window: number;
  /** Samples per AddEntries request (default DEFAULT_STORAGE_BATCH). */
  readonly batch?: number;
  readonly timeoutMs: number;
  /** Called after every acknowledged entry count step, for progress. */
  readonly onAcknowledged?: (acknowledged: number) => void;
  /** Stops sending (the run fails with 'interrupted') when it aborts, e.g. on Ctrl-C. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_STORAGE_WINDOW = 16;
export const DEFAULT_STORAGE_BATCH = 500;

export function storageSink(bus: Bus, options: StorageSinkOptions): ProfileSink {
  let inFlight = 0;
  let acknowledged = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const settled = (): void => {
    inFlight--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const waitForRoom = async (limit: number): Promise<void> => {
    while (inFlight > limit && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
    if (options.signal?.aborted) throw new Error('interrupted');
  };
  const send = (dataPoint: string, timestamps: number[], values: number[]): void => {
    inFlight++;
    bus.request(options.role, AddEntries, { dataPoint, timestampsMs: timestamps, values }, AddEntries.reply, { timeoutMs: options.timeoutMs }).then(
      () => {
        acknowledged += timestamps.length;
        options.onAcknowledged?.(acknowledged);
        settled();
      },
      (error: unknown) => {
        failure ??= new Error(`AddEntries ${dataPoint} from ${timestamps[0]}: ${describe(error)}`);
        settled();
      },
    );
  };
  return {
    async begin(dataPoints: readonly SimulatedDataPoint[]) {
      for (const point of dataPoints) {
        try {
          await bus.request(
            options.role,
            CreateDataPoint,
            { dataPoint: point.name, tags: [...point.tags], unit: point.unit, description: point.description, existOk: true },
            CreateDataPoint.reply,
            { timeoutMs: options.timeoutMs },
          );
        } catch (error) {
          throw new Error(`CreateDataPoint ${point.name}: ${describe(error)}`);
        }
      }
    },
    async write(dataPoint: SimulatedDataPoint, series: Series) {
      const batch = options.batch ?? DEFAULT_STORAGE_BATCH;
      for (let from = 0; from < series.values.length; from += batch) {
        if (inFlight >= options.window) await waitForRoom(options.window - 1);
        else if (failure) throw failure;
        else if (options.signal?.aborted) throw new Error('interrupted');
        const to = Math.min(from + batch, series.values.length);
        send(dataPoint.name, Array.from(series.timestamps.subarray(from, to)), Array.from(series.values.subarray(from, to)));
      }
    },
    async end() {
      await waitForRoom(0);
      return [`role ${options.role}: ${acknowledged} entries`];
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name) {
    const reply = ErrorReply.decode(error.replyBody);
    return `${reply.code}: ${reply.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
