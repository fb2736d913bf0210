// Checks of request content that the storage module makes before the store sees it: names,
// tags, timestamps and spans. Each failure is a StoreError InvalidArgument with a reason a
// person can act on; the module turns it into an ErrorReply (./error-reply.ts).

import { StoreError } from '../../core/storacle/store/api.js';

export const MAX_NAME_LENGTH = 200;
export const MAX_TAG_LENGTH = 100;
export const MAX_TAGS_PER_REQUEST = 100;
export const MAX_FILE_NAME_LENGTH = 200;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A data point name is 1 to 200 characters without control characters, white space, `*` or
 * `?`: the name becomes part of the observer topic `storage/observe/<name>`, where `*` means a
 * prefix subscription, and a name with invisible characters cannot be typed back.
 */
export function checkDataPointName(name: string): void {
  if (name.length === 0) throw new StoreError('InvalidArgument', 'the data point name is empty');
  if (name.length > MAX_NAME_LENGTH) throw new StoreError('InvalidArgument', `the data point name is ${name.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`, name.slice(0, 40));
  if (CONTROL.test(name)) throw new StoreError('InvalidArgument', 'the data point name contains a control character', JSON.stringify(name));
  if (/\s/.test(name)) throw new StoreError('InvalidArgument', 'the data point name contains white space', name);
  if (/[*?]/.test(name)) throw new StoreError('InvalidArgument', 'the data point name contains "*" or "?" (reserved for topic patterns)', name);
}

/**
 * Tags are 1 to 100 characters, without control characters and without white space at either
 * end (so "feeder3" and "feeder3 " cannot become two tags); at most 100 in one request.
 * Returns them sorted, without duplicates.
 */
export function checkTags(tags: readonly string[] | undefined, dataPoint?: string): string[] {
  if (!tags) return [];
  if (tags.length > MAX_TAGS_PER_REQUEST) throw new StoreError('InvalidArgument', `${tags.length} tags in one request; at most ${MAX_TAGS_PER_REQUEST}`, dataPoint);
  for (const tag of tags) {
    if (tag.length === 0) throw new StoreError('InvalidArgument', 'a tag is empty', dataPoint);
    if (tag.length > MAX_TAG_LENGTH) throw new StoreError('InvalidArgument', `a tag is ${tag.length} characters long; at most ${MAX_TAG_LENGTH}`, dataPoint);
    if (CONTROL.test(tag)) throw new StoreError('InvalidArgument', `the tag ${JSON.stringify(tag)} contains a control character`, dataPoint);
    if (tag.trim() !== tag) throw new StoreError('InvalidArgument', `the tag ${JSON.stringify(tag)} starts or ends with white space`, dataPoint);
  }
  return [...new Set(tags)].sort();
}

/** A timestamp must be a finite number of milliseconds. */
export function checkTimestamp(value: number, field: string, dataPoint?: string): number {
  if (!Number.isFinite(value)) throw new StoreError('InvalidArgument', `${field} is ${value}; a timestamp must be a finite number of milliseconds`, dataPoint);
  return value;
}

/** The widest span the store is asked for when a bound is absent (finite, so every store accepts it). */
export const UNBOUNDED_FROM = -Number.MAX_VALUE;
export const UNBOUNDED_TO = Number.MAX_VALUE;

export interface Span {
  fromMs: number;
  toMs: number;
  /** Whether the request gave any bound at all. */
  bounded: boolean;
}

/** from_ms <= t < to_ms; absent bounds are unbounded; an inverted span is refused. */
export function checkSpan(fromMs: number | undefined, toMs: number | undefined, dataPoint?: string): Span {
  const from = fromMs === undefined ? UNBOUNDED_FROM : checkTimestamp(fromMs, 'from_ms', dataPoint);
  const to = toMs === undefined ? UNBOUNDED_TO : checkTimestamp(toMs, 'to_ms', dataPoint);
  if (from > to) throw new StoreError('InvalidArgument', `the span is inverted: from_ms ${from} is after to_ms ${to}`, dataPoint);
  return { fromMs: from, toMs: to, bounded: fromMs !== undefined || toMs !== undefined };
}

/** A topology file name is a plain file name: no folders, no control characters, not "." or "..". */
export function checkTopologyFileName(name: string): void {
  if (name.length === 0) throw new StoreError('InvalidArgument', 'the topology file name is empty');
  if (name.length > MAX_FILE_NAME_LENGTH) throw new StoreError('InvalidArgument', `the topology file name is ${name.length} characters long; at most ${MAX_FILE_NAME_LENGTH}`);
  if (CONTROL.test(name)) throw new StoreError('InvalidArgument', 'the topology file name contains a control character');
  if (name.includes('/') || name.includes('\\')) throw new StoreError('InvalidArgument', `the topology file name ${JSON.stringify(name)} contains a folder separator; give a plain file name`);
  if (name === '.' || name === '..') throw new StoreError('InvalidArgument', `"${name}" is not a file name`);
}
