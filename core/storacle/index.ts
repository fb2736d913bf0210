// Storacle, the embedded time-series store: the library's public surface.
export * from './store/index.js';
export { DEFAULT_CHUNK_SIZE, Series, SeriesAppendError } from './series/index.js';
export type { AppendResult, ChunkInfo, DownsampledColumns, LimitedColumns, SeriesColumns, SeriesOptions, SeriesPoint } from './series/index.js';
export { OnlineStatistics } from './statistics/index.js';
export type { HistogramConfig, StatisticsOptions, StatisticsSnapshot } from './statistics/index.js';
export { CorruptChunkError, decodeChunk, encodeChunk } from './codec/index.js';
