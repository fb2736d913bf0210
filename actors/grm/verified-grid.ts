// GetVerifiedGrid, the GRM's step of the SCDA sequence: the monitoring points' profiles over a
// span, handed with the recorded topology to SSD (VerifyTopology); only a topology SSD finds
// consistent is passed on with its profiles and residuals. Anything else — switches the data
// contradicts, SSD absent or silent, no profiles — is answered valid=false with a reason and
// empty profile lists, so nothing downstream computes on grid data that may be wrong.
// It runs outside the mailbox (replyLater): it touches only what was taken in the mailbox.

import { Quality, type AlignedProfile, type ResidualTree } from '../../core/grid/profiles/api.js';
import { residualProfile } from '../../core/grid/profiles/residual.js';
import { alignedProfileInfo } from '../../core/grid/serving/profile-reply.js';
import type { Logger } from '../../core/log/logger.js';
import type { AlignedProfileInfo, GridData, GridVerified, TopologyVerdict, VerifiedGrid, VerifiedGridReply } from '../../schemas/generated/messages.js';
import { withProfiles } from './grid-data.js';

export interface VerificationJob {
  /** The topology part of the grid data, taken in the mailbox. */
  readonly data: GridData;
  /** Each point with the sub-branches its residual subtracts. */
  readonly tree: ResidualTree;
  readonly fromMs: number;
  readonly toMs: number;
  /** False lets a topology SSD could not verify through (the reason says so). */
  readonly requireVerification: boolean;
}

export interface VerificationSteps {
  /** The aligned profiles of every monitoring point, in the order of data.monitoringPoints. */
  readonly readProfiles: () => Promise<AlignedProfileInfo[]>;
  /** SSD's verdict; rejects when SSD is absent, silent or fails. */
  readonly askSsd: (grid: GridData) => Promise<VerifiedGrid>;
  readonly log: Logger;
}

export interface VerificationOutcome {
  readonly reply: VerifiedGridReply;
  readonly event: GridVerified;
}

function aligned(info: AlignedProfileInfo): AlignedProfile {
  const values = Float64Array.from(info.values ?? []);
  return { id: info.id, startMs: info.startMs, stepMs: info.stepMs, values, quality: info.quality ?? new Uint8Array(values.length).fill(Quality.GAP) };
}

/** Each point's residual: its profile minus its nearest measured sub-branches. */
export function residualsOf(profiles: readonly AlignedProfileInfo[], tree: ResidualTree): AlignedProfileInfo[] {
  const byId = new Map(profiles.map((info) => [info.id, aligned(info)]));
  return profiles.map((info) => {
    const children = (tree.get(info.id) ?? []).map((id) => byId.get(id)).filter((child): child is AlignedProfile => child !== undefined);
    return alignedProfileInfo(residualProfile(byId.get(info.id)!, children), info.dataPoint);
  });
}

/**
 * "Switch S1 (id) recorded closed, the data supports open (confidence 0.93)" for each switch SSD contradicts,
 * with ", or one of S2, S3 (not to be told apart from it by the monitoring points)" when SSD names equivalents.
 */
export function describeInconsistent(verdict: TopologyVerdict): string[] {
  const names = new Map((verdict.switches ?? []).map((one) => [one.switchId, one.name !== undefined && one.name !== '' ? one.name : one.switchId]));
  return (verdict.switches ?? [])
    .filter((one) => !one.consistent)
    .map((one) => {
      const state = (open: boolean): string => (open ? 'open' : 'closed');
      const name = one.name !== undefined && one.name !== '' ? `${one.name} (${one.switchId})` : one.switchId;
      const alike = (one.equivalent ?? []).map((id) => names.get(id) ?? id);
      const or = alike.length === 0 ? '' : `, or ${alike.length === 1 ? alike[0]! : `one of ${alike.join(', ')}`} (the monitoring points cannot tell it from this one)`;
      return `${name} recorded ${state(one.recordedOpen)}, the data supports ${state(one.supportedOpen)} (confidence ${one.confidence.toFixed(2)})${or}`;
    });
}

export async function verifyGrid(job: VerificationJob, steps: VerificationSteps): Promise<VerificationOutcome> {
  const { data, fromMs, toMs } = job;
  const base = { version: data.version, monitoringPoints: data.monitoringPoints ?? [] };
  const outcome = (valid: boolean, reason: string, verdict?: TopologyVerdict, profiles: AlignedProfileInfo[] = [], residuals: AlignedProfileInfo[] = [], inconsistent: string[] = []): VerificationOutcome => {
    const reply: VerifiedGridReply = { valid, reason, ...base, profiles, residuals };
    if (verdict !== undefined) reply.verdict = verdict;
    return { reply, event: { version: data.version, valid, reason, inconsistentSwitches: inconsistent, fromMs, toMs } };
  };

  let profiles: AlignedProfileInfo[];
  try {
    profiles = await steps.readProfiles();
  } catch (error) {
    const reason = `no profiles of the monitoring points: ${(error as Error).message}`;
    steps.log.warn('verified grid: profiles could not be read; passing on no topology', { reason });
    return outcome(false, reason);
  }
  steps.log.info('verified grid: profiles read; asking ssd to verify the recorded switch states', { points: profiles.length, fromMs, toMs, version: data.version });

  let verdict: TopologyVerdict;
  try {
    const verified = await steps.askSsd(withProfiles(data, profiles));
    if (verified.verdict === undefined) throw new Error('its reply carries no verdict');
    verdict = verified.verdict;
  } catch (error) {
    const why = `SSD unavailable: ${(error as Error).message}`;
    if (job.requireVerification) {
      steps.log.warn('verified grid: ssd did not verify the topology; passing on no topology', { reason: why });
      return outcome(false, `${why}; only a verified topology is passed on (setting requireVerification)`);
    }
    steps.log.warn('verified grid: ssd did not verify the topology; passing it on unverified (requireVerification is false)', { reason: why });
    return outcome(true, `${why}; passed on UNVERIFIED because requireVerification is false`, undefined, profiles, residualsOf(profiles, job.tree));
  }

  if (!verdict.consistent) {
    const inconsistent = (verdict.switches ?? []).filter((one) => !one.consistent).map((one) => one.switchId);
    const lines = describeInconsistent(verdict);
    const reason = `SSD found the recorded topology inconsistent with the measured profiles: ${lines.length > 0 ? lines.join('; ') : (verdict.explanation ?? 'no switch named')}`;
    steps.log.warn('verified grid: topology inconsistent; passing on no topology', { switches: inconsistent.join(','), reason });
    return outcome(false, reason, verdict, [], [], inconsistent);
  }
  const reason = `SSD verified ${verdict.switches?.length ?? 0} switches over ${verdict.slots} slots${verdict.explanation !== undefined && verdict.explanation !== '' ? `: ${verdict.explanation}` : ''}`;
  steps.log.info('verified grid: topology consistent; passing on profiles and residuals', { switches: verdict.switches?.length ?? 0, slots: verdict.slots });
  return outcome(true, reason, verdict, profiles, residualsOf(profiles, job.tree));
}
