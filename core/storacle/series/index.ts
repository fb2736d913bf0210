export { DEFAULT_CHUNK_SIZE, Series, SeriesAppendError } from './series.js';
export type { AppendResult, ChunkInfo, SeriesColumns, SeriesOptions, SeriesPoint } from './series.js';
