import { Module, ReplyError, type Declarations } from '../../../core/actor/index.js';
import {
  AddEntry,
  CreateDataPoint,
  ErrorReply,
  ExistsDataPoint,
  GetMostRecentEntry,
  MeasurementEvent,
  type Entry,
} from '../../../schemas/generated/messages.js';

interface Point {
  tags: string[];
  unit?: string;
  latest?: Entry;
  count: number;
}

/**
 * A deliberately small stand-in for the storage role: it keeps only the
 * latest entry of each data point, in memory. It shows how a module declares
 * a role with a handler per request type and subscribes to a topic, and it
 * lets the introductory use case run end to end until Storacle (the real
 * storage module) is there. Not for production: nothing survives a restart.
 */
export default class MemoryStorage extends Module {
  static override info = { name: 'memory-storage', version: '0.1.0', description: 'latest value per data point, in RAM (example)' };

  private readonly points = new Map<string, Point>();

  override declare(on: Declarations): void {
    on.role('storage')
      .on(CreateDataPoint, (request) => {
        const existing = this.points.get(request.dataPoint);
        if (existing) {
          if (!request.existOk) throw new ReplyError(ErrorReply, { code: 'AlreadyExists', message: `${request.dataPoint} exists` });
          return { message: 'already existed' };
        }
        this.points.set(request.dataPoint, { tags: request.tags ?? [], unit: request.unit, count: 0 });
        this.log.info('data point created', { dataPoint: request.dataPoint, tags: (request.tags ?? []).join(',') });
        return { message: 'created' };
      })
      .on(ExistsDataPoint, (request) => ({ dataPoint: request.dataPoint, exists: this.points.has(request.dataPoint) }))
      .on(AddEntry, (request) => {
        this.store(request.dataPoint, { timestampMs: request.timestampMs, value: request.value });
        return {};
      })
      .on(GetMostRecentEntry, (request) => {
        const point = this.points.get(request.dataPoint);
        if (!point) throw new ReplyError(ErrorReply, { code: 'NotFound', message: `no data point ${request.dataPoint}` });
        return { dataPoint: request.dataPoint, entry: point.latest };
      });
    on.topic('measurements', MeasurementEvent, (event) => this.store(event.dataPoint, { timestampMs: event.timestampMs, value: event.value }));
  }

  private store(dataPoint: string, entry: Entry): void {
    const point = this.points.get(dataPoint);
    if (!point) return; // Unknown data points are not created implicitly.
    if (!point.latest || entry.timestampMs >= point.latest.timestampMs) point.latest = entry;
    point.count++;
  }
}
