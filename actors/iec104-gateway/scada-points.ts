// The SCADA uplink's image of what it serves: every configured point with its last value in wire
// form, and the aggregated substation state points. Each update says which points changed (those
// go out spontaneously); a general interrogation gets them all. Values are converted to what the
// point's type can carry: out of range is clipped with OV set, not a number is IV.

import { maxObjectsPerAsdu } from '../../core/protocols/iec104/asdu.js';
import { Cause, Quality, TypeId, type Asdu, type InformationObject, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import type { Alarm, Severity, SubstationState } from '../../schemas/generated/messages.js';
import type { MonitorTypeName, ScadaSetting } from './settings.js';

interface WireValue {
  value: number;
  quality: number;
  timeMs: number;
}

interface ServedPoint {
  readonly ioa: number;
  readonly typeId: TypeIdValue;
  last: WireValue | undefined;
}

const NORMALISED_MAX = 1 - 2 ** -15;
const FLOAT32_MAX = 3.4028234663852886e38;
const SEVERITY_RANK: Record<Severity, number> = { Info: 1, Warning: 2, Minor: 3, Major: 4, Critical: 5 };

/** Interrogation answers use the types without time tag (-101: time-tagged types carry causes 3, 5, 11, 12 only). */
const WITHOUT_TIME_TAG: Partial<Record<number, TypeIdValue>> = {
  [TypeId.M_SP_TB_1]: TypeId.M_SP_NA_1,
  [TypeId.M_DP_TB_1]: TypeId.M_DP_NA_1,
  [TypeId.M_ME_TD_1]: TypeId.M_ME_NA_1,
  [TypeId.M_ME_TE_1]: TypeId.M_ME_NB_1,
  [TypeId.M_ME_TF_1]: TypeId.M_ME_NC_1,
  [TypeId.M_IT_TB_1]: TypeId.M_IT_NA_1,
};
const TIME_TAGGED = new Set<number>(Object.keys(WITHOUT_TIME_TAG).map(Number));
/** Counters answer a counter interrogation (C_CI_NA_1, not supported), not a general one. */
const COUNTERS = new Set<number>([TypeId.M_IT_NA_1, TypeId.M_IT_TB_1]);

function clip(value: number, low: number, high: number, quality: number): { value: number; quality: number } {
  if (value < low) return { value: low, quality: quality | Quality.OV };
  if (value > high) return { value: high, quality: quality | Quality.OV };
  return { value, quality };
}

/** A stored value and FieldQuality in the form `typeId` carries on the wire. */
export function toWire(typeId: TypeIdValue, value: number, quality: number): { value: number; quality: number } {
  const base = typeId === TypeId.M_IT_NA_1 || typeId === TypeId.M_IT_TB_1 ? quality & Quality.IV : quality & (Quality.BL | Quality.SB | Quality.NT | Quality.IV);
  if (Number.isNaN(value)) return { value: 0, quality: base | Quality.IV };
  switch (typeId) {
    case TypeId.M_SP_NA_1:
    case TypeId.M_SP_TB_1:
      return { value: value !== 0 ? 1 : 0, quality: base };
    case TypeId.M_DP_NA_1:
    case TypeId.M_DP_TB_1:
      // 0 and 3 are the indeterminate states; anything else is no double point state at all.
      return Number.isInteger(value) && value >= 0 && value <= 3 ? { value, quality: base } : { value: 3, quality: base | Quality.IV };
    case TypeId.M_ME_NA_1:
    case TypeId.M_ME_TD_1:
      return clip(Math.round(value * 32768) / 32768, -1, NORMALISED_MAX, base | (quality & Quality.OV));
    case TypeId.M_ME_NB_1:
    case TypeId.M_ME_TE_1:
      return clip(Math.round(value), -32768, 32767, base | (quality & Quality.OV));
    case TypeId.M_ME_NC_1:
    case TypeId.M_ME_TF_1:
      return clip(Math.fround(value), -FLOAT32_MAX, FLOAT32_MAX, base | (quality & Quality.OV));
    default:
      // Counters: int32 on the wire; a larger count is shown wrapped, like the counter register itself.
      return { value: Number.isFinite(value) ? Math.trunc(value) | 0 : 0, quality: Number.isFinite(value) ? base : base | Quality.IV };
  }
}

function asdus(typeId: TypeIdValue, commonAddress: number, cause: number, objects: InformationObject[]): Asdu[] {
  const out: Asdu[] = [];
  const room = maxObjectsPerAsdu(typeId, false);
  for (let i = 0; i < objects.length; i += room) {
    out.push({ typeId, sequence: false, cause, negative: false, test: false, originator: 0, commonAddress, objects: objects.slice(i, i + room) });
  }
  return out;
}

/** Objects grouped by type, in the order their types first appeared. */
class ObjectGroups {
  readonly byType = new Map<TypeIdValue, InformationObject[]>();

  add(typeId: TypeIdValue, object: InformationObject): void {
    const list = this.byType.get(typeId);
    if (list) list.push(object);
    else this.byType.set(typeId, [object]);
  }

  asdus(commonAddress: number, cause: number): Asdu[] {
    return [...this.byType].flatMap(([typeId, objects]) => asdus(typeId, commonAddress, cause, objects));
  }
}

export class ScadaPoints {
  private readonly byDataPoint = new Map<string, ServedPoint[]>();
  private readonly points: ServedPoint[] = [];
  /** The state points' values in configuration order (undefined until a SubstationState came). */
  private state: Map<number, { typeId: TypeIdValue; value: number }> | undefined;
  /** Keys of the alarms active now (condition holds, not cleared), once the alarms module was heard. */
  private activeAlarms: Set<string> | undefined;
  private readonly commonAddress: number;

  constructor(private readonly setting: ScadaSetting) {
    this.commonAddress = setting.commonAddress;
    for (const p of setting.points) {
      const point: ServedPoint = { ioa: p.ioa, typeId: TypeId[p.type as MonitorTypeName], last: undefined };
      this.points.push(point);
      const list = this.byDataPoint.get(p.dataPoint);
      if (list) list.push(point);
      else this.byDataPoint.set(p.dataPoint, [point]);
    }
  }

  serves(dataPoint: string): boolean {
    return this.byDataPoint.has(dataPoint);
  }

  /**
   * Takes values (e.g. one FieldValues batch); returns the spontaneous ASDUs (cause 3) of the
   * points whose wire value or quality changed.
   */
  update(dataPoints: readonly string[], timestampsMs: readonly number[], values: readonly number[], qualities?: ArrayLike<number>): Asdu[] {
    const changed = new ObjectGroups();
    for (let i = 0; i < dataPoints.length; i++) {
      const served = this.byDataPoint.get(dataPoints[i]);
      if (!served) continue;
      for (const point of served) {
        const timeMs = timestampsMs[i] ?? Date.now();
        const wire = toWire(point.typeId, values[i], qualities?.[i] ?? 0);
        const last = point.last;
        point.last = { ...wire, timeMs };
        if (last && last.value === wire.value && last.quality === wire.quality) continue;
        changed.add(point.typeId, { ioa: point.ioa, value: wire.value, quality: wire.quality, ...(TIME_TAGGED.has(point.typeId) ? { timeMs } : {}) });
      }
    }
    return changed.asdus(this.commonAddress, Cause.Spontaneous);
  }

  /** Takes a SubstationState; returns the spontaneous ASDUs of the state points that changed. */
  updateState(state: SubstationState): Asdu[] {
    const next = this.stateValues(state);
    const previous = this.state;
    this.state = next;
    const changed = new ObjectGroups();
    for (const [ioa, { typeId, value }] of next) {
      if (previous?.get(ioa)?.value === value) continue;
      changed.add(typeId, { ioa, value, quality: 0 });
    }
    return changed.asdus(this.commonAddress, Cause.Spontaneous);
  }

  /**
   * Takes the alarms active now (a GetAlarms answer) or one change (AlarmChanged); returns the
   * spontaneous ASDUs of the alarm points that changed.
   */
  updateAlarms(alarms: readonly Alarm[], replaceAll: boolean): Asdu[] {
    if (this.setting.state.alarms.length === 0) return [];
    const before = this.alarmValues();
    if (replaceAll || !this.activeAlarms) this.activeAlarms = new Set();
    for (const alarm of alarms) {
      if (alarm.active && alarm.state !== 'Cleared') this.activeAlarms.add(alarm.key);
      else this.activeAlarms.delete(alarm.key);
    }
    const changed = new ObjectGroups();
    for (const [ioa, value] of this.alarmValues()) {
      if (before.get(ioa) === value && replaceAll === false) continue;
      changed.add(TypeId.M_SP_NA_1, { ioa, value, quality: 0 });
    }
    return changed.asdus(this.commonAddress, Cause.Spontaneous);
  }

  /** Per alarm point: 1 while an active alarm's key starts with its prefix. */
  private alarmValues(): Map<number, number> {
    const out = new Map<number, number>();
    for (const { keyPrefix, ioa } of this.setting.state.alarms) {
      let on = 0;
      for (const key of this.activeAlarms ?? []) {
        if (key.startsWith(keyPrefix)) {
          on = 1;
          break;
        }
      }
      out.set(ioa, on);
    }
    return out;
  }

  /** Every point for a general interrogation (cause set by the station); points with no value yet are sent invalid. */
  interrogation(): Asdu[] {
    const groups = new ObjectGroups();
    for (const point of this.points) {
      if (COUNTERS.has(point.typeId)) continue;
      const typeId = WITHOUT_TIME_TAG[point.typeId] ?? point.typeId;
      groups.add(typeId, point.last ? { ioa: point.ioa, value: point.last.value, quality: point.last.quality } : { ioa: point.ioa, value: 0, quality: Quality.IV });
    }
    const state = this.state ?? this.stateValues(undefined);
    for (const [ioa, { typeId, value }] of state) groups.add(typeId, { ioa, value, quality: this.state ? 0 : Quality.IV });
    for (const [ioa, value] of this.alarmValues()) groups.add(TypeId.M_SP_NA_1, { ioa, value, quality: this.activeAlarms ? 0 : Quality.IV });
    return groups.asdus(this.commonAddress, Cause.InterrogatedByStation);
  }

  /** The state points' values: counts as scaled values (clipped to 32767), storm and per-group activity as single points. */
  private stateValues(state: SubstationState | undefined): Map<number, { typeId: TypeIdValue; value: number }> {
    const out = new Map<number, { typeId: TypeIdValue; value: number }>();
    const config = this.setting.state;
    const count = (n: number | undefined): number => Math.min(32767, n ?? 0);
    if (config.activeIoa !== undefined) out.set(config.activeIoa, { typeId: TypeId.M_ME_NB_1, value: count(state?.active) });
    if (config.unacknowledgedIoa !== undefined) out.set(config.unacknowledgedIoa, { typeId: TypeId.M_ME_NB_1, value: count(state?.unacknowledged) });
    if (config.worstSeverityIoa !== undefined) {
      // 0: no active alarm; 1..5: Info..Critical of the worst active one.
      const worst = state && state.active > 0 ? SEVERITY_RANK[state.worst] : 0;
      out.set(config.worstSeverityIoa, { typeId: TypeId.M_ME_NB_1, value: worst });
    }
    if (config.stormIoa !== undefined) out.set(config.stormIoa, { typeId: TypeId.M_SP_NA_1, value: state?.storm ? 1 : 0 });
    for (const { group, ioa } of config.groups) {
      const found = state?.groups?.find((g) => g.group === group);
      out.set(ioa, { typeId: TypeId.M_SP_NA_1, value: found && found.active > 0 ? 1 : 0 });
    }
    return out;
  }
}
