/**
 * One profile request once it is checked: which series to read from
 * storage, the grid to align them to, and — for residuals — the tree of
 * parents and their measured sub-branches. `runProfileJob` reads, aligns
 * (and subtracts) with the RxJS pipelines of core/grid/profiles and answers
 * the profiles in the order they were asked for. It touches no module
 * state, so a module runs it outside its mailbox (replyLater).
 */
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import type { AlignedProfileInfo } from '../../../schemas/generated/messages.js';
import { ProfileError, type AlignOptions, type AlignedProfile, type ResidualTree } from '../profiles/api.js';
import { slotCount } from '../profiles/align.js';
import { alignTo, residualPipeline } from '../profiles/operators.js';
import { GridRequestError } from './grid-error.js';
import { alignedProfileInfo } from './profile-reply.js';
import { storedProfiles$, type AskEntries, type StoredSeries } from './stored-profiles.js';

export interface ProfileJob {
  /** The ids asked for, in the order of the answer. */
  readonly ids: readonly string[];
  /** Every series to read: those asked for and, for residuals, their sub-branches. */
  readonly series: readonly StoredSeries[];
  readonly options: AlignOptions;
  /** Present for residuals: each id asked for with the ids it subtracts. */
  readonly tree?: ResidualTree;
}

export async function runProfileJob(job: ProfileJob, ask: AskEntries, concurrency: number): Promise<AlignedProfileInfo[]> {
  // Slot k takes the samples of [t_k - step/2, t_k + step/2) (core/grid/profiles/align.ts), so
  // the read covers half a step before the first slot and stops half a step before the end.
  const { startMs, stepMs } = job.options;
  const half = stepMs / 2;
  const measured$ = storedProfiles$(job.series, startMs - half, startMs + slotCount(job.options) * stepMs - half, ask, concurrency);
  const aligned$: Observable<AlignedProfile> = job.tree === undefined ? measured$.pipe(alignTo(job.options)) : residualPipeline(measured$, job.options, job.tree);
  let profiles: AlignedProfile[];
  try {
    profiles = await lastValueFrom(aligned$.pipe(toArray()));
  } catch (error) {
    if (error instanceof GridRequestError) throw error;
    if (error instanceof ProfileError) throw new GridRequestError('Unknown', `the profiles could not be computed: ${error.message}`);
    throw error;
  }
  const byId = new Map(profiles.map((profile) => [profile.id, profile]));
  const dataPoints = new Map(job.series.map((one) => [one.id, one.dataPoint]));
  return job.ids.map((id) => {
    const profile = byId.get(id);
    if (profile === undefined) throw new GridRequestError('Unknown', `no profile came out of the pipeline for ${id}`, id);
    return alignedProfileInfo(profile, dataPoints.get(id));
  });
}
