export { DEFAULT_CHUNK_SIZE, Series, SeriesAppendError } from './series.js';
export type { AppendResult, ChunkInfo, ChunkLoader, DownsampledColumns, LimitedColumns, SeriesColumns, SeriesOptions, SeriesPoint } from './series.js';
export { ChunkTable, NO_FILE } from './chunk-table.js';
export type { ChunkMeta } from './chunk-table.js';
