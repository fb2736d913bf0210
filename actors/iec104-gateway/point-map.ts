// The mapping of one field link: common address + IOA -> data point (monitor direction), and data
// point -> command point (control direction), with the conversion of an information object into
// the value and quality that are stored. Values of IOAs nobody mapped are counted per address and
// reported once each, so a wrong configuration is visible without flooding the log.

import { Quality, TypeId, type Asdu, type InformationObject, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import type { CommandSetting, LinkSetting, PointSetting } from './settings.js';

/** A value ready for storage and the bus: the data point, its time, the scaled value and FieldQuality bits. */
export interface MappedValue {
  readonly point: PointSetting;
  readonly timestampMs: number;
  readonly value: number;
  readonly quality: number;
}

/** The quality bits a monitor object may carry (OV, EI, BL, SB, NT, IV); others are not defined. */
const QUALITY_BITS = Quality.OV | Quality.EI | Quality.BL | Quality.SB | Quality.NT | Quality.IV;

const MONITOR_TYPES = new Set<number>([
  TypeId.M_SP_NA_1, TypeId.M_SP_TB_1, TypeId.M_DP_NA_1, TypeId.M_DP_TB_1, TypeId.M_ME_NA_1, TypeId.M_ME_TD_1,
  TypeId.M_ME_NB_1, TypeId.M_ME_TE_1, TypeId.M_ME_NC_1, TypeId.M_ME_TF_1, TypeId.M_IT_NA_1, TypeId.M_IT_TB_1,
]);
const COUNTER_TYPES = new Set<number>([TypeId.M_IT_NA_1, TypeId.M_IT_TB_1]);

export function isMonitorValueType(typeId: TypeIdValue): boolean {
  return MONITOR_TYPES.has(typeId);
}

/**
 * The FieldQuality bits of an object. Counters (IT) carry the BCR flags byte instead of a QDS:
 * only its IV bit (0x80, the same position) is a quality; CY and CA say the counter wrapped or
 * was adjusted, which is no statement about the value's validity.
 */
export function qualityOf(typeId: TypeIdValue, object: InformationObject): number {
  return COUNTER_TYPES.has(typeId) ? object.quality & Quality.IV : object.quality & QUALITY_BITS;
}

/** Key of common address + IOA in one number (CA < 2^16, IOA < 2^24: exact in a double). */
function keyOf(commonAddress: number, ioa: number): number {
  return commonAddress * 0x1000000 + ioa;
}

export class PointMap {
  private readonly points = new Map<number, PointSetting>();
  private readonly commands = new Map<string, CommandSetting>();
  private readonly unmappedCounts = new Map<number, number>();
  /** Values received for IOAs not in the map, since start. */
  unmappedValues = 0;

  constructor(readonly link: LinkSetting) {
    for (const point of link.points) this.points.set(keyOf(point.commonAddress, point.ioa), point);
    for (const command of link.commands) this.commands.set(command.dataPoint, command);
  }

  get dataPoints(): readonly PointSetting[] {
    return this.link.points;
  }

  command(dataPoint: string): CommandSetting | undefined {
    return this.commands.get(dataPoint);
  }

  hasCommand(dataPoint: string): boolean {
    return this.commands.has(dataPoint);
  }

  /**
   * The mapped values of a monitor ASDU, in object order. `arrivalMs` stamps objects without a
   * (valid) time tag. `onFirstUnmapped` is called the first time an address is seen unmapped.
   */
  values(asdu: Asdu, arrivalMs: number, onFirstUnmapped: (commonAddress: number, ioa: number, typeId: TypeIdValue) => void): MappedValue[] {
    const out: MappedValue[] = [];
    const { typeId, commonAddress } = asdu;
    for (const object of asdu.objects) {
      const point = this.points.get(keyOf(commonAddress, object.ioa));
      if (point === undefined) {
        this.unmappedValues++;
        const key = keyOf(commonAddress, object.ioa);
        const seen = this.unmappedCounts.get(key) ?? 0;
        this.unmappedCounts.set(key, seen + 1);
        if (seen === 0) onFirstUnmapped(commonAddress, object.ioa, typeId);
        continue;
      }
      const timestampMs = object.timeMs !== undefined && object.timeInvalid !== true ? object.timeMs : arrivalMs;
      out.push({ point, timestampMs, value: object.value * point.scale + point.offset, quality: qualityOf(typeId, object) });
    }
    return out;
  }

  /** Unmapped addresses seen so far with their value counts ("CA/IOA" -> count). */
  unmapped(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, count] of this.unmappedCounts) out[`${Math.floor(key / 0x1000000)}/${key % 0x1000000}`] = count;
    return out;
  }
}
