// What the storage module publishes for observers: every change of a data point on its own
// topic `storage/observe/<name>` (subscribe to one, or to `storage/observe/*` for all), and the
// changes of general interest (created, tags changed; not every entry) on `storage/events`.

import type { MessageType } from '../../core/schema/message-type.js';
import type { DataPointInfo, TagChange } from '../../core/storacle/store/api.js';
import { DataPointCreated, EntryAdded, TagsChanged } from '../../schemas/generated/messages.js';
import { STATUS_TOPIC } from './status-report.js';

export const GLOBAL_EVENTS_TOPIC = 'storage/events';
export const OBSERVER_TOPIC_PREFIX = 'storage/observe/';

/** The topic of one data point's observers. */
export function observerTopic(dataPoint: string): string {
  return OBSERVER_TOPIC_PREFIX + dataPoint;
}

/** Every topic the module publishes to, as it declares them in the registry. */
export const PUBLISHED_TOPICS = [GLOBAL_EVENTS_TOPIC, `${OBSERVER_TOPIC_PREFIX}*`, STATUS_TOPIC];

export type Publish = <T>(topic: string, type: MessageType<T>, value: T) => void;

export class ObserverEvents {
  constructor(
    private readonly publish: Publish,
    /** Whether anyone subscribes to a topic now; EntryAdded is skipped for nobody (it is the hot path). */
    private readonly wanted: (topic: string) => boolean = () => true,
  ) {}

  created(info: DataPointInfo): void {
    const event: DataPointCreated = { dataPoint: info.name, tags: info.tags, createdMs: info.createdMs };
    if (info.unit !== undefined) event.unit = info.unit;
    if (info.description !== undefined) event.description = info.description;
    this.publish(observerTopic(info.name), DataPointCreated, event);
    this.publish(GLOBAL_EVENTS_TOPIC, DataPointCreated, event);
  }

  /** Only on the data point's own topic: entries are too many for the global one. */
  entryAdded(dataPoint: string, timestampMs: number, value: number, arrivalMs: number): void {
    const topic = observerTopic(dataPoint);
    if (this.wanted(topic)) this.publish(topic, EntryAdded, { dataPoint, timestampMs, value, arrivalMs });
  }

  /** Published only when the tag set actually changed. */
  tagsChanged(dataPoint: string, change: TagChange): void {
    if (change.added.length === 0 && change.removed.length === 0) return;
    const event: TagsChanged = { dataPoint, tags: change.tags, added: change.added, removed: change.removed };
    this.publish(observerTopic(dataPoint), TagsChanged, event);
    this.publish(GLOBAL_EVENTS_TOPIC, TagsChanged, event);
  }
}
