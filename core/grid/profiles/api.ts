/**
 * The contract of the profile math: measured time series (what Storacle
 * reads return), their alignment to a common time grid, and residual
 * profiles (a monitoring point's measurement minus the measurements of its
 * nearest measured sub-branches, grid.md §3.4–3.5). The GRM and the BRM
 * build on it; the rules are spelled out in README.md next to this file.
 *
 * Everything per sample lives in typed arrays: a month at one minute is
 * 43,200 slots per profile and a feeder has around a hundred of them.
 */

/** A measured series as a Storacle range read returns it. */
export interface Profile {
  /** The data point's name (a monitoring point's id for the GRM). */
  readonly id: string;
  /** Milliseconds since the epoch, ascending (equal neighbours allowed: they are averaged). */
  readonly timestamps: Float64Array;
  /** One value per timestamp; NaN is read as "no sample". */
  readonly values: Float64Array;
}

/**
 * Quality of one slot of an aligned profile. Ordered by how little the
 * value can be trusted, so that a value computed from several slots takes
 * the largest code among them (see {@link worstQuality}).
 */
export const Quality = {
  /** At least one sample fell into the slot; the value is their mean. */
  MEASURED: 0,
  /**
   * No sample in the slot; the value is interpolated linearly between the
   * nearest measured slots around a short gap. In a residual: at least one
   * input slot was interpolated and none was a gap. Leave it out of
   * statistics that assume measurements (correlation scores, error tests).
   */
  INTERPOLATED: 1,
  /**
   * No value: the value is NaN. In an aligned profile, no sample within a
   * gap too long to interpolate (or at the span's edge, which is never
   * extrapolated). In a residual: the slot is derived from a gap, i.e. the
   * parent or at least one child was GAP there.
   */
  GAP: 2,
} as const;

export type QualityCode = (typeof Quality)[keyof typeof Quality];

/** The less trustworthy of two quality codes (the larger). */
export function worstQuality(a: QualityCode, b: QualityCode): QualityCode {
  return a > b ? a : b;
}

/** A profile on a regular grid: slot k is the instant startMs + k·stepMs. */
export interface AlignedProfile {
  readonly id: string;
  /** The instant of slot 0, ms since the epoch. */
  readonly startMs: number;
  /** The distance between slots, ms (> 0). */
  readonly stepMs: number;
  /** One value per slot; NaN exactly where quality is GAP. */
  readonly values: Float64Array;
  /** One {@link Quality} code per slot, same length as values. */
  readonly quality: Uint8Array;
}

/**
 * A stretch without samples. Inner gaps lie between two samples, which are
 * fromMs and toMs (both present, the gap is the open interval between).
 * A leading gap runs from the span's startMs (itself missing) to the first
 * sample; a trailing gap from the last sample to the span's endMs (which
 * lies outside the span, as it is exclusive).
 */
export interface Gap {
  readonly fromMs: number;
  readonly toMs: number;
  /** How many samples at the regular step are missing in it (≥ 1). */
  readonly missing: number;
}

/** A half-open time span [startMs, endMs). */
export interface TimeSpan {
  readonly startMs: number;
  readonly endMs: number;
}

export interface GapOptions {
  /** The expected distance between samples, ms. */
  readonly stepMs: number;
  /**
   * How much longer than stepMs two consecutive samples may lie apart
   * before it counts as a gap (clock jitter). Default stepMs / 2: a sample
   * within half a step of its expected instant still lands in its slot.
   */
  readonly toleranceMs?: number;
  /** When given: only samples inside it count, and gaps at its start and end are reported too. */
  readonly span?: TimeSpan;
}

export interface AlignOptions {
  /** The instant of slot 0, ms since the epoch. */
  readonly startMs: number;
  /** Exclusive end: the slots are startMs + k·stepMs < endMs. */
  readonly endMs: number;
  /** The grid step, ms (> 0). */
  readonly stepMs: number;
  /**
   * The longest run of empty slots that is filled by linear
   * interpolation, in ms of missing time (missing slots × stepMs).
   * 0 disables interpolation.
   */
  readonly maxInterpolateMs: number;
}

/**
 * For each monitoring point (parent), its nearest measured sub-branches
 * (children): the monitoring points directly below it with no other
 * monitoring point between. The GRM computes it from the topology for the
 * switch state in force. A parent with no children has a residual equal to
 * its own measurement. A point may be a child of one parent and a parent
 * of others.
 */
export type ResidualTree = ReadonlyMap<string, readonly string[]>;

/** A profile or an option the profile math cannot work with (unsorted timestamps, a step ≤ 0, ...). */
export class ProfileError extends Error {
  override readonly name: string = 'ProfileError';
}

/** Aligned profiles combined slot by slot that do not share one grid (start, step, slot count). */
export class ProfileGridMismatchError extends ProfileError {
  override readonly name: string = 'ProfileGridMismatchError';
  constructor(
    message: string,
    /** The profile whose grid is the reference (the parent, for a residual). */
    readonly referenceId: string,
    /** The profile on another grid. */
    readonly mismatchedId: string,
  ) {
    super(message);
  }
}
