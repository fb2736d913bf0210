/**
 * Decodes a chunk straight into caller-owned columns at an offset, so a query over many chunks
 * fills one preallocated pair of Float64Arrays. The codec may offer `decodeChunkInto` (it is
 * being added by the codec's owner); until then this copies from `decodeChunk`'s result.
 */
import * as codec from '../codec/index.js';

type DecodeInto = (bytes: Uint8Array, timestamps: Float64Array, values: Float64Array, offset: number) => number;

const native: DecodeInto | undefined = (codec as unknown as { decodeChunkInto?: DecodeInto }).decodeChunkInto;

/** Writes the chunk's entries to timestamps/values from `offset` on; returns how many. */
export function decodeChunkInto(bytes: Uint8Array, timestamps: Float64Array, values: Float64Array, offset: number): number {
  if (native !== undefined) {
    const n = native(bytes, timestamps, values, offset);
    // Whatever the native variant returns, the count is what the caller advances by.
    return typeof n === 'number' ? n : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  }
  const decoded = codec.decodeChunk(bytes);
  timestamps.set(decoded.timestamps, offset);
  values.set(decoded.values, offset);
  return decoded.timestamps.length;
}
