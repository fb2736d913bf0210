/** An aligned (or residual) profile as it travels in GridProfilesReply. */
import type { AlignedProfileInfo } from '../../../schemas/generated/messages.js';
import { Quality, type AlignedProfile } from '../profiles/api.js';

export function alignedProfileInfo(profile: AlignedProfile, dataPoint: string | undefined): AlignedProfileInfo {
  let gapSlots = 0;
  let interpolatedSlots = 0;
  for (const code of profile.quality) {
    if (code === Quality.GAP) gapSlots++;
    else if (code === Quality.INTERPOLATED) interpolatedSlots++;
  }
  const info: AlignedProfileInfo = {
    id: profile.id,
    startMs: profile.startMs,
    stepMs: profile.stepMs,
    values: Array.from(profile.values),
    quality: profile.quality,
    gapSlots,
    interpolatedSlots,
  };
  if (dataPoint !== undefined) info.dataPoint = dataPoint;
  return info;
}
