/**
 * The contract of switch state detection (SSD): are the recorded switch
 * states of a feeder consistent with what its monitoring points measure?
 * Implemented in core/grid/ssd (verify.ts); served by actors/ssd; used
 * offline by `gridlink assess` and bench:grid-apps.
 *
 * The idea (research/grid.md §3.2, §3.5): each hypothesis h about the switch
 * states gives a tree of monitoring points (which point measures which
 * branch, which parts are fed); under the true h the power balance holds:
 * an unfed point reads nothing, a fed branch with consumers does not read
 * nothing, a point's residual (its power minus its measured sub-branches)
 * is the load of the consumers between them and so stays within what they
 * can draw or feed in. The misfit of h is a normalised sum over points and
 * time slots; the recorded states are flagged when another hypothesis fits
 * better by a margin.
 */
import type { AlignedProfile } from '../profiles/api.js';
import type { GridNetwork } from '../network.js';

export interface SsdOptions {
  /** Relative measurement noise of a monitoring point (meter class + losses), e.g. 0.03. */
  readonly relativeNoise?: number;
  /** Absolute noise floor in the profiles' unit (kW), e.g. 0.05. */
  readonly noiseFloor?: number;
  /** Hypotheses tried: the recorded states and up to this many flipped switches at once (1 or 2). */
  readonly maxFlips?: 1 | 2;
  /** How much lower (relative) a hypothesis' misfit must be to overturn the recorded states. */
  readonly margin?: number;
}

export interface SwitchFinding {
  readonly switchId: string;
  readonly name: string;
  readonly recordedOpen: boolean;
  readonly supportedOpen: boolean;
  readonly consistent: boolean;
  /** 0..1 */
  readonly confidence: number;
  readonly observable: boolean;
  /**
   * Switch ids whose flip explains the data as well as this one's (within the
   * tie tolerance of verify.ts): in series with no MP between them, or ties
   * closing loops the MPs see alike. The MPs cannot tell which of them is not
   * as recorded, so `confidence` (about *this* switch) stays low while the
   * verdict's `consistent: false` (about the topology) stands. Empty when this
   * switch alone is named or it is consistent.
   */
  readonly equivalent: readonly string[];
}

export interface SsdVerdict {
  readonly consistent: boolean;
  readonly switches: readonly SwitchFinding[];
  readonly scoreRecorded: number;
  readonly scoreBest: number;
  readonly explanation: string;
  readonly slots: number;
}

/**
 * `network` carries the recorded switch states; `profiles` are the aligned
 * profiles of `network.monitoringPoints` (AlignedProfile.id = monitoring point id).
 */
export type VerifySwitches = (network: GridNetwork, profiles: readonly AlignedProfile[], options?: SsdOptions) => SsdVerdict;
