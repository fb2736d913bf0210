export { OnlineStatistics, snapshotToReply } from './online-statistics.js';
export type { StatisticsOptions, StatisticsSnapshot, HistogramConfig, HistogramOptions, HistogramSnapshot } from './online-statistics.js';
export { StatisticsFormatError, crc32 } from './persistence.js';
export { tQuantile, normalQuantile, normalCdf, studentTwoSidedCdf, EXACT_T_MAX_DF, NORMAL_MIN_DF } from './quantiles.js';
