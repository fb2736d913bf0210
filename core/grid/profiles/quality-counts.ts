import type { AlignedProfile } from './api.js';
import { Quality } from './api.js';

export interface QualityCounts {
  measured: number;
  interpolated: number;
  gap: number;
}

/** How many slots carry each quality code: the summary a reply or a log line gives next to the values. */
export function countQuality(profile: Pick<AlignedProfile, 'quality'>): QualityCounts {
  const counts: QualityCounts = { measured: 0, interpolated: 0, gap: 0 };
  const quality = profile.quality;
  let interpolated = 0;
  let gap = 0;
  for (let k = 0; k < quality.length; k++) {
    const q = quality[k];
    if (q === Quality.INTERPOLATED) interpolated++;
    else if (q === Quality.GAP) gap++;
  }
  counts.interpolated = interpolated;
  counts.gap = gap;
  counts.measured = quality.length - interpolated - gap;
  return counts;
}
