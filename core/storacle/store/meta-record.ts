/**
 * Catalogue changes as write-ahead log meta records (JSON in UTF-8), so they are ordered with
 * the entries. Every record carries the resulting state, not a difference, so replaying one
 * that the snapshot already holds changes nothing.
 */
import type { CatalogueRecord } from './catalogue.js';

export type MetaRecord =
  | { op: 'create'; record: CatalogueRecord }
  | { op: 'tags'; name: string; tags: string[] }
  | { op: 'update'; record: CatalogueRecord };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeMetaRecord(record: MetaRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

/** Parses a meta record; throws a RangeError for anything that is not one. */
export function decodeMetaRecord(payload: Uint8Array): MetaRecord {
  const value: unknown = JSON.parse(decoder.decode(payload));
  if (typeof value !== 'object' || value === null) throw new RangeError('meta record is not an object');
  const op = (value as { op?: unknown }).op;
  if (op === 'create' || op === 'update') {
    const record = (value as { record?: unknown }).record;
    if (typeof record !== 'object' || record === null) throw new RangeError('meta record without a catalogue record');
    const r = record as Partial<CatalogueRecord>;
    if (typeof r.id !== 'number' || typeof r.name !== 'string' || !Array.isArray(r.tags) || typeof r.createdMs !== 'number') {
      throw new RangeError('malformed catalogue record');
    }
    return value as MetaRecord;
  }
  if (op === 'tags') {
    const v = value as { name?: unknown; tags?: unknown };
    if (typeof v.name !== 'string' || !Array.isArray(v.tags)) throw new RangeError('malformed tags record');
    return value as MetaRecord;
  }
  throw new RangeError(`unknown meta record op ${String(op)}`);
}
