/**
 * Helpers of the persistent form of OnlineStatistics.
 *
 * Layout (little-endian):
 *   0  4 bytes  magic "GLST"
 *   4  u16      format version (1)
 *   6  u16      number of fixed float64 fields (22)
 *   8  f64 × 22 moments, lag-1 pair moments, timing and delay state
 *      f64 × 5  histogram base width, origin, max bins, level, bin count
 *      f64 × 2k histogram bins as (index, count)
 *   …  u32      CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of all
 *               bytes before it
 */

/** Thrown by OnlineStatistics.deserialize for input it did not write. */
export class StatisticsFormatError extends Error {
  constructor(message: string) {
    super(`statistics record: ${message}`);
    this.name = 'StatisticsFormatError';
  }
}

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes` (the checksum of zip, gzip and PNG). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
