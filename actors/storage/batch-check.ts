// The checks of an AddEntryBatch before anything of it is stored: it is refused whole, like
// AddEntries, so a gateway that gets an ErrorReply knows that none of its flush went in and can
// send it again corrected. Each refusal names the data point and, for an entry, its index.

import type { StoracleApi } from '../../core/storacle/store/api.js';
import { StoreError } from '../../core/storacle/store/api.js';
import { checkDataPointName, checkTimestamp } from './request-checks.js';

/** An AddEntryBatch that passed every check: entry i belongs to dataPoints[pointIndex[i]]. */
export interface CheckedBatch {
  readonly dataPoints: readonly string[];
  readonly pointIndex: readonly number[];
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

export interface BatchRequest {
  dataPoints?: string[] | undefined;
  pointIndex?: number[] | undefined;
  timestampsMs?: number[] | undefined;
  values?: number[] | undefined;
}

/** Entries in the batch (the longest of its three entry lists), for counting a refused batch. */
export function batchSize(request: BatchRequest): number {
  return Math.max(request.pointIndex?.length ?? 0, request.timestampsMs?.length ?? 0, request.values?.length ?? 0);
}

/**
 * Throws StoreError (InvalidArgument, or NotFound for an unknown data point) for a batch that
 * must be refused; `limit` is the module's maxEntriesPerReply.
 */
export function checkBatch(request: BatchRequest, store: StoracleApi, limit: number): CheckedBatch {
  const dataPoints = request.dataPoints ?? [];
  const pointIndex = request.pointIndex ?? [];
  const timestamps = request.timestampsMs ?? [];
  const values = request.values ?? [];
  const count = timestamps.length;
  if (pointIndex.length !== count || values.length !== count) {
    throw new StoreError('InvalidArgument', `point_index has ${pointIndex.length} entries, timestamps_ms ${count} and values ${values.length}; they pair by index`);
  }
  if (count > limit) throw new StoreError('InvalidArgument', `${count} entries in one AddEntryBatch; at most ${limit} (maxEntriesPerReply) — split the batch`);
  const seen = new Set<string>();
  for (const name of dataPoints) {
    checkDataPointName(name);
    if (seen.has(name)) throw new StoreError('InvalidArgument', `data_points names ${name} twice; list each data point once`, name);
    seen.add(name);
  }
  for (const name of dataPoints) {
    if (!store.exists(name)) throw new StoreError('NotFound', `no data point ${name}; create it first (CreateDataPoint)`, name);
  }
  const points = dataPoints.length;
  // Per data point the newest timestamp so far: entries arriving in time order (the usual flush)
  // are checked for in-batch conflicts in one pass; only a point whose entries go back in time
  // is sorted.
  const newest = new Float64Array(points).fill(Number.NEGATIVE_INFINITY);
  const unordered = new Uint8Array(points);
  let anyUnordered = false;
  for (let i = 0; i < count; i++) {
    const p = pointIndex[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= points) {
      throw new StoreError('InvalidArgument', `entry ${i}: point_index ${p} is outside data_points (${points} names)`);
    }
    const name = dataPoints[p]!;
    checkTimestamp(timestamps[i]!, `entry ${i}: timestamps_ms[${i}]`, name);
    if (typeof values[i] !== 'number') throw new StoreError('InvalidArgument', `entry ${i}: values[${i}] is not a number`, name);
    if (timestamps[i]! > newest[p]!) newest[p] = timestamps[i]!;
    else {
      unordered[p] = 1;
      anyUnordered = true;
    }
  }
  if (anyUnordered) checkConflicts(dataPoints, pointIndex, timestamps, values, unordered);
  return { dataPoints, pointIndex, timestamps, values };
}

/**
 * Two entries of one data point with the same timestamp and different values: the store would
 * take the first and refuse the second halfway through the batch. (Equal values are a duplicate,
 * stored once and counted.)
 */
function checkConflicts(dataPoints: readonly string[], pointIndex: readonly number[], timestamps: readonly number[], values: readonly number[], unordered: Uint8Array): void {
  const entriesOf = new Map<number, number[]>();
  for (let i = 0; i < pointIndex.length; i++) {
    const p = pointIndex[i]!;
    if (unordered[p] === 0) continue;
    let list = entriesOf.get(p);
    if (list === undefined) entriesOf.set(p, (list = []));
    list.push(i);
  }
  for (const [p, list] of entriesOf) {
    list.sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
    for (let k = 1; k < list.length; k++) {
      const a = list[k - 1]!;
      const b = list[k]!;
      if (timestamps[a] === timestamps[b] && !Object.is(values[a], values[b])) {
        throw new StoreError('InvalidArgument', `entries ${a} and ${b} have the same timestamp ${timestamps[a]} and different values (${values[a]}, ${values[b]})`, dataPoints[p]);
      }
    }
  }
}
