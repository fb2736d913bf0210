// The gateway's two requests to role `storage` (CreateDataPoint, AddEntryBatch), with every way
// they can fail sorted into what the batcher does next: try again later (transient), split the
// batch to find the entry storage refuses (refused), create the data points again (unknown-point,
// e.g. an in-memory storage restarted), or stop (the bus is closed).

import { BusClosedError, BusError, RecipientFailureError } from '../../core/bus/errors.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { AddEntryBatch, CreateDataPoint, ErrorReply, type AddEntriesReply } from '../../schemas/generated/messages.js';

export type StorageFailureKind = 'transient' | 'refused' | 'unknown-point' | 'closed';

export class StorageFailure extends Error {
  override readonly name = 'StorageFailure';
  constructor(
    readonly kind: StorageFailureKind,
    message: string,
    /** The data point storage named in its ErrorReply, if any. */
    readonly dataPoint?: string,
  ) {
    super(message);
  }
}

export interface DataPointSpec {
  readonly name: string;
  readonly tags: readonly string[];
  readonly unit?: string;
  readonly description: string;
}

/** What the batcher needs of storage; rejects with StorageFailure only. */
export interface StorageClient {
  create(point: DataPointSpec): Promise<void>;
  addBatch(batch: AddEntryBatch): Promise<AddEntriesReply>;
}

export type BusRequest = <T, R>(type: RequestType<T, R>, value: T, timeoutMs: number) => Promise<R>;

export function toStorageFailure(error: unknown): StorageFailure {
  if (error instanceof StorageFailure) return error;
  if (error instanceof BusClosedError) return new StorageFailure('closed', error.message);
  if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name) {
    const reply = ErrorReply.decode(error.replyBody);
    const message = `storage ${reply.code}: ${reply.message ?? ''}`;
    // A refusal of the content: the same batch would be refused again. Anything else (disk full,
    // starting up, I/O) may pass later, so the values are kept.
    if (reply.code === 'NotFound') return new StorageFailure('unknown-point', message, reply.dataPoint);
    if (reply.code === 'InvalidArgument') return new StorageFailure('refused', message, reply.dataPoint);
    return new StorageFailure('transient', message, reply.dataPoint);
  }
  if (error instanceof BusError) return new StorageFailure('transient', error.message);
  return new StorageFailure('transient', error instanceof Error ? error.message : String(error));
}

export function busStorageClient(request: BusRequest, timeoutMs: number): StorageClient {
  return {
    async create(point) {
      try {
        await request(CreateDataPoint, { dataPoint: point.name, tags: [...point.tags], ...(point.unit !== undefined ? { unit: point.unit } : {}), description: point.description, existOk: true }, timeoutMs);
      } catch (error) {
        throw toStorageFailure(error);
      }
    },
    async addBatch(batch) {
      try {
        return await request(AddEntryBatch, batch, timeoutMs);
      } catch (error) {
        throw toStorageFailure(error);
      }
    },
  };
}
