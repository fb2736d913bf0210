/**
 * The traffic of the simulated RTU, the same for every row that uses it: measured values of
 * `points` information objects (IOA 1001..), sent round after round as spontaneous ASDUs under
 * common address 1. Two forms, as RTUs send them:
 *  - batched: M_ME_TF_1 (short float with CP56Time2a), several objects per ASDU, every round
 *    100 ms after the previous one;
 *  - single: M_ME_NC_1 (short float, no time tag: the gateway stamps it), one object per ASDU.
 * Values are float32 (what the wire carries) near 230 V and differ from round to round, so every
 * measurement is a new entry in storage.
 */
import { Cause, TypeId, type Asdu } from '../../../core/protocols/iec104/api.js';
import { encodeApdu } from '../../../core/protocols/iec104/apci.js';
import { encodeAsdu } from '../../../core/protocols/iec104/asdu.js';

export const COMMON_ADDRESS = 1;
export const FIRST_IOA = 1001;
export const ROUND_MS = 100;

export type TrafficForm = 'batched' | 'single';

export interface TrafficSpec {
  form: TrafficForm;
  points: number;
  /** Objects per ASDU in the batched form (the single form carries one). */
  objectsPerAsdu: number;
  /** Measurements in all (a whole number of ASDUs). */
  measurements: number;
  /** Time tag of round 0 (batched form). */
  baseTimeMs: number;
}

/** Measurement k: point k mod points in round floor(k / points). */
export function valueOf(point: number, round: number): number {
  return Math.fround(220 + ((point * 13 + round * 7) % 400) / 20);
}

export function dataPointOf(prefix: string, point: number): string {
  return `${prefix}.m${point}`;
}

export function objectsPer(spec: TrafficSpec): number {
  return spec.form === 'batched' ? spec.objectsPerAsdu : 1;
}

export function asduCount(spec: TrafficSpec): number {
  return Math.ceil(spec.measurements / objectsPer(spec));
}

/** ASDU i of the run. */
export function asduAt(spec: TrafficSpec, index: number): Asdu {
  const per = objectsPer(spec);
  const first = index * per;
  const count = Math.min(per, spec.measurements - first);
  const objects = new Array<Asdu['objects'][number]>(count);
  for (let j = 0; j < count; j++) {
    const k = first + j;
    const point = k % spec.points;
    const round = Math.floor(k / spec.points);
    objects[j] =
      spec.form === 'batched'
        ? { ioa: FIRST_IOA + point, value: valueOf(point, round), quality: 0, timeMs: spec.baseTimeMs + round * ROUND_MS }
        : { ioa: FIRST_IOA + point, value: valueOf(point, round), quality: 0 };
  }
  return {
    typeId: spec.form === 'batched' ? TypeId.M_ME_TF_1 : TypeId.M_ME_NC_1,
    sequence: false,
    cause: Cause.Spontaneous,
    negative: false,
    test: false,
    originator: 0,
    commonAddress: COMMON_ADDRESS,
    objects,
  };
}

/** Per point, how many measurements the run sends and the sum of their values (the check of what was stored). */
export function expectedPerPoint(spec: TrafficSpec): { count: number[]; sum: number[] } {
  const count = new Array<number>(spec.points).fill(0);
  const sum = new Array<number>(spec.points).fill(0);
  for (let k = 0; k < spec.measurements; k++) {
    const point = k % spec.points;
    count[point]!++;
    sum[point]! += valueOf(point, Math.floor(k / spec.points));
  }
  return { count, sum };
}

/**
 * The run as the byte stream the RTU's TCP connection carries: I frames with N(S) counting up
 * (N(R) 0, as from an outstation that receives nothing), frame after frame.
 */
export function apduStream(spec: TrafficSpec): { bytes: Uint8Array; frames: Uint8Array[] } {
  const frames: Uint8Array[] = [];
  let size = 0;
  const total = asduCount(spec);
  for (let i = 0; i < total; i++) {
    const frame = encodeApdu({ kind: 'I', sendSeq: i % 32_768, recvSeq: 0, asdu: encodeAsdu(asduAt(spec, i)) });
    frames.push(frame);
    size += frame.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  return { bytes, frames };
}
