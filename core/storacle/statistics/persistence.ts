/**
 * Helpers of the persistent form of OnlineStatistics.
 *
 * Layout (little-endian):
 *   0  4 bytes  magic "GLST"
 *   4  u16      format version: 2 (written), 1 (still read)
 *   6  u16      number of fixed fields (22)
 *   version 1:  f64 × 22 moments, lag-1 pair moments, timing and delay state
 *               f64 × 5  histogram base width, origin, max bins, level, bin count
 *               f64 × 2k histogram bins as (index, count)
 *   version 2:  the same numbers as compact numbers, bin indexes as differences, the four pair
 *               moments as XOR with a prediction (compact-fields.ts); ~100 instead of ~290 bytes
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

/** The checksum is the codec's CRC-32 (one implementation for the whole store). */
export { crc32 } from '../codec/crc32.js';
