/**
 * Fixed-width bit unpacking for the decoder's hot loop: `count` fields of `width` bits
 * (1..32), most significant bit first, starting at bit `bitPos` of the chunk.
 *
 * Why not BitReader.readBits: that walks byte by byte with a bounds check and a loop per
 * field. Here each field costs one big-endian 32-bit load (two for widths above 25) and
 * two shifts. The caller has already checked that the fields lie inside their stream;
 * every stream is followed by at least the 4-byte CRC, so a 32-bit load starting at any
 * byte of a stream, and the one extra byte of the wide case, stay inside the chunk.
 */

/**
 * Writes the fields as non-negative integers into `out[0 .. count)`.
 * `view` covers the whole chunk; returns the bit position after the last field.
 */
export function unpackFields(view: DataView, bitPos: number, width: number, count: number, out: Float64Array): number {
  let p = bitPos;
  if (width <= 25) {
    // (p & 7) + width <= 32: the field lies inside the 32-bit word at byte p >>> 3.
    const drop = 32 - width;
    for (let i = 0; i < count; i++) {
      out[i] = ((view.getUint32(p >>> 3) << (p & 7)) >>> drop);
      p += width;
    }
    return p;
  }
  // 26..32 bits: up to 39 bits from the field's first byte; the fifth byte fills the tail.
  const drop = 32 - width;
  for (let i = 0; i < count; i++) {
    const byte = p >>> 3;
    const shift = p & 7;
    let word = view.getUint32(byte) << shift;
    if (shift !== 0) word |= view.getUint8(byte + 4) >>> (8 - shift);
    out[i] = (word >>> 0) >>> drop;
    p += width;
  }
  return p;
}

/**
 * The decoder's commonest block in one loop: `count` delta residuals of `width` bits
 * (1..25), each plus `min`, summed onto `prev`; out[base + k] gets each sum divided by
 * `divisor` (skipped for 1, where it is exact). Returns the last sum. The caller has
 * checked the bounds of the fields and that no sum can leave ±2^50.
 */
export function unpackDeltas(
  view: DataView,
  bitPos: number,
  width: number,
  count: number,
  min: number,
  prev: number,
  out: Float64Array,
  base: number,
  divisor: number,
): number {
  let p = bitPos;
  const drop = 32 - width;
  if (divisor === 1) {
    for (let k = 0; k < count; k++) {
      prev += min + ((view.getUint32(p >>> 3) << (p & 7)) >>> drop);
      out[base + k] = prev;
      p += width;
    }
  } else {
    for (let k = 0; k < count; k++) {
      prev += min + ((view.getUint32(p >>> 3) << (p & 7)) >>> drop);
      out[base + k] = prev / divisor;
      p += width;
    }
  }
  return prev;
}
