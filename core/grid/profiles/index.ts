export { Quality, ProfileError, ProfileGridMismatchError, worstQuality } from './api.js';
export type {
  AlignOptions,
  AlignedProfile,
  Gap,
  GapOptions,
  Profile,
  QualityCode,
  ResidualTree,
  TimeSpan,
} from './api.js';
export { detectGaps } from './gaps.js';
export { alignProfile, slotCount } from './align.js';
export { residualProfile } from './residual.js';
export { countQuality } from './quality-counts.js';
export type { QualityCounts } from './quality-counts.js';
export { ResidualCollector } from './residual-collector.js';
export { alignTo, residuals, residualPipeline } from './operators.js';
