// What becomes of a monitor ASDU that arrived over a field link: its mapped values go to the store
// batcher (with the quality companion `<dataPoint>:quality` when the quality changed, and on the
// first value) and into the link's live FieldValues batch for `field/values`; values of IOAs
// nobody mapped are counted and reported once per address.

import type { Logger } from '../../core/log/logger.js';
import { TypeId, type Asdu } from '../../core/protocols/iec104/api.js';
import type { FieldValues } from '../../schemas/generated/messages.js';
import { PointMap, isMonitorValueType } from './point-map.js';
import { QUALITY_SUFFIX } from './settings.js';

export function qualityDataPoint(dataPoint: string): string {
  return `${dataPoint}${QUALITY_SUFFIX}`;
}

/** Where intake hands values: the store batcher's add. */
export type StoreValue = (dataPoint: string, timestampMs: number, value: number) => void;

/** The values of one link waiting to be published as one FieldValues. */
class LiveBatch {
  dataPoints: string[] = [];
  timestampsMs: number[] = [];
  values: number[] = [];
  qualities: number[] = [];

  get length(): number {
    return this.dataPoints.length;
  }

  take(gateway: string, link: string): FieldValues {
    const out: FieldValues = { gateway, link, dataPoints: this.dataPoints, timestampsMs: this.timestampsMs, values: this.values, qualities: Uint8Array.from(this.qualities) };
    this.dataPoints = [];
    this.timestampsMs = [];
    this.values = [];
    this.qualities = [];
    return out;
  }
}

export class FieldIntake {
  /** Values stored (mapped) since start. */
  values = 0;
  private readonly lastQuality = new Map<string, number>();
  /** Per data point the last arrival stamp given, so two untagged values never share a millisecond. */
  private readonly lastArrival = new Map<string, number>();
  private readonly live = new LiveBatch();

  constructor(
    private readonly gateway: string,
    readonly map: PointMap,
    private readonly store: StoreValue,
    private readonly publish: (values: FieldValues) => void,
    private readonly maxLive: number,
    private readonly log: Logger,
  ) {}

  /** Takes one ASDU from the link; returns how many of its values were mapped. */
  take(asdu: Asdu, arrivalMs = Date.now()): number {
    if (asdu.typeId === TypeId.M_EI_NA_1) return 0;
    if (!isMonitorValueType(asdu.typeId)) {
      this.log.debug('ASDU of a type the gateway does not store ignored', { link: this.map.link.name, typeId: asdu.typeId, cause: asdu.cause });
      return 0;
    }
    const mapped = this.map.values(asdu, arrivalMs, (commonAddress, ioa, typeId) =>
      this.log.warn('value of an unmapped IOA: not stored (reported once per address)', { link: this.map.link.name, commonAddress, ioa, typeId }),
    );
    for (const value of mapped) {
      const name = value.point.dataPoint;
      let timestampMs = value.timestampMs;
      if (timestampMs === arrivalMs) {
        // Storage keeps one entry per timestamp: two values without time tag in the same ms (a GI
        // right after a spontaneous change) get consecutive milliseconds instead of a refusal.
        const last = this.lastArrival.get(name);
        if (last !== undefined && timestampMs <= last) timestampMs = last + 1;
        this.lastArrival.set(name, timestampMs);
      }
      this.store(name, timestampMs, value.value);
      if (this.lastQuality.get(name) !== value.quality) {
        this.lastQuality.set(name, value.quality);
        this.store(qualityDataPoint(name), timestampMs, value.quality);
      }
      this.live.dataPoints.push(name);
      this.live.timestampsMs.push(timestampMs);
      this.live.values.push(value.value);
      this.live.qualities.push(value.quality);
    }
    this.values += mapped.length;
    if (this.live.length >= this.maxLive) this.publishLive();
    return mapped.length;
  }

  /** Publishes the values received since the last call, if any. */
  publishLive(): void {
    if (this.live.length === 0) return;
    this.publish(this.live.take(this.gateway, this.map.link.name));
  }
}
