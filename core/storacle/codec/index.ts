export { CorruptChunkError } from './errors.js';
export { BitReader, BitWriter, bitWidth } from './bits.js';
export { crc32 } from './crc32.js';
export {
  CHUNK_MAGIC,
  CHUNK_VERSION,
  CHUNK_VERSION_FIXED,
  MAX_CHUNK_RECORDS,
  chunkRecordCount,
  decodeChunk,
  decodeChunkInto,
  encodeChunk,
} from './chunk.js';
export type { DecodedChunk, EncodeOptions } from './chunk.js';
export type { StreamChoice } from './streams.js';
export { TS_ENTROPY, VAL_ENT_DELTA, VAL_ENT_DOD, VAL_ENT_MODEL } from './streams.js';
