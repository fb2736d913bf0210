// What every request handler of the storage module works with: the open store, the observer
// events, the current settings and the log. The store is reached through a function because it
// opens in Module.start(), after the handlers were declared, and closes at shutdown.

import type { Logger } from '../../core/log/logger.js';
import type { DataPointInfo as StoreDataPointInfo, StoracleApi } from '../../core/storacle/store/api.js';
import type { DataPointInfo } from '../../schemas/generated/messages.js';
import type { ObserverEvents } from './observer-events.js';
import type { StorageSettings } from './settings.js';

export interface StorageContext {
  /** Throws StoreError Unavailable while the store is not open. */
  store(): StoracleApi;
  readonly events: ObserverEvents;
  settings(): StorageSettings;
  readonly log: Logger;
}

/** The store's metadata of a data point as the schema's DataPointInfo. */
export function toDataPointInfo(info: StoreDataPointInfo): DataPointInfo {
  const message: DataPointInfo = { name: info.name, tags: info.tags, createdMs: info.createdMs, entryCount: BigInt(info.entryCount) };
  if (info.unit !== undefined) message.unit = info.unit;
  if (info.description !== undefined) message.description = info.description;
  if (info.firstTimestampMs !== undefined) message.firstTimestampMs = info.firstTimestampMs;
  if (info.lastTimestampMs !== undefined) message.lastTimestampMs = info.lastTimestampMs;
  return message;
}
