export { WriteAheadLog } from './write-ahead-log.js';
export type { WalOptions, WalRecoveryStats, WalStats, WalVisitor } from './options.js';
export { segmentFileName, segmentPath } from './segments.js';
