export { Storacle } from './storacle.js';
export { StoreError } from './api.js';
export type {
  AckMode,
  CorruptionReport,
  DataPointInfo,
  DataPointOptions,
  RangeResult,
  RetentionOptions,
  SealedFile,
  SealedFileSource,
  StoracleApi,
  StoracleOptions,
  StoreErrorCode,
  TagChange,
  TagMatch,
  TagUpdateMode,
} from './api.js';
export { checkTopologyName } from './topology-store.js';
export { formatCsvNumber } from './csv-export.js';
