/**
 * Profiles into the storage module over the bus: CreateDataPoint (exist_ok)
 * for every data point, then one AddEntry request per sample. AddEntry is
 * acknowledged once durable, so requests are kept in flight up to a window
 * (the bus batches what one turn of the event loop sends to one peer);
 * `write` returns as soon as the window has room, `end` waits for the rest.
 * The first failure stops the run and is reported with the data point.
 */
import type { Bus } from '../../core/bus/bus.js';
import { RecipientFailureError } from '../../core/bus/errors.js';
import { AddEntry, CreateDataPoint, ErrorReply } from '../../schemas/generated/messages.js';
import type { Series } from './gaps.js';
import type { ProfileSink, SimulatedDataPoint } from './simulation.js';

export interface StorageSinkOptions {
  /** Role of the storage module. */
  readonly role: string;
  /** Requests in flight at most. */
  readonly window: number;
  readonly timeoutMs: number;
  /** Called after every acknowledged entry count step, for progress. */
  readonly onAcknowledged?: (acknowledged: number) => void;
  /** Stops sending (the run fails with 'interrupted') when it aborts, e.g. on Ctrl-C. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_STORAGE_WINDOW = 256;

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
  const send = (dataPoint: string, timestampMs: number, value: number): void => {
    inFlight++;
    bus.request(options.role, AddEntry, { dataPoint, timestampMs, value }, AddEntry.reply, { timeoutMs: options.timeoutMs }).then(
      () => {
        acknowledged++;
        options.onAcknowledged?.(acknowledged);
        settled();
      },
      (error: unknown) => {
        failure ??= new Error(`AddEntry ${dataPoint} at ${timestampMs}: ${describe(error)}`);
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
      for (let i = 0; i < series.values.length; i++) {
        if (inFlight >= options.window) await waitForRoom(options.window - 1);
        else if (failure) throw failure;
        else if (options.signal?.aborted) throw new Error('interrupted');
        send(dataPoint.name, series.timestamps[i]!, series.values[i]!);
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
