import type { AlignOptions, AlignedProfile, Profile } from './api.js';
import { ProfileError, Quality } from './api.js';
import { checkColumns, checkInstant, checkStep, unsortedError } from './checks.js';

const WHAT = 'alignProfile';

/** The number of slots startMs + k·stepMs that lie before endMs. */
export function slotCount(options: Pick<AlignOptions, 'startMs' | 'endMs' | 'stepMs'>): number {
  return Math.max(0, Math.ceil((options.endMs - options.startMs) / options.stepMs));
}

export function checkAlignOptions(options: AlignOptions): void {
  checkStep(options.stepMs, WHAT);
  checkInstant(options.startMs, 'startMs', WHAT);
  checkInstant(options.endMs, 'endMs', WHAT);
  if (options.endMs < options.startMs) {
    throw new ProfileError(`${WHAT}: endMs (${options.endMs}) is before startMs (${options.startMs})`);
  }
  if (!(options.maxInterpolateMs >= 0)) {
    throw new ProfileError(`${WHAT}: maxInterpolateMs must be >= 0, got ${options.maxInterpolateMs}`);
  }
}

/**
 * Puts a profile on the grid startMs + k·stepMs (< endMs).
 *
 * Each sample belongs to its nearest slot: slot k takes the samples in
 * [t_k − stepMs/2, t_k + stepMs/2), so a sample exactly half-way goes to
 * the later slot and no sample counts twice. Several samples in one slot
 * are averaged (the mean), which is what an energy meter read more often
 * than the grid would give. NaN values and samples whose slot lies outside
 * the span are dropped.
 *
 * A run of empty slots between two measured ones is filled by linear
 * interpolation when the missing time (empty slots × stepMs) is at most
 * maxInterpolateMs, flagged INTERPOLATED; longer runs and empty slots at
 * either edge (nothing to interpolate towards: never extrapolated) stay
 * NaN, flagged GAP.
 *
 * One pass over the samples: they ascend, so a slot's samples are
 * contiguous and are summed in locals and written once.
 */
export function alignProfile(profile: Profile, options: AlignOptions): AlignedProfile {
  checkAlignOptions(options);
  checkColumns(profile, WHAT);
  const { startMs, stepMs, maxInterpolateMs } = options;
  const slots = slotCount(options);
  const values = new Float64Array(slots).fill(Number.NaN);
  const quality = new Uint8Array(slots).fill(Quality.GAP);
  // Runs of at most this many empty slots are interpolated.
  const maxRun = Math.floor(maxInterpolateMs / stepMs);

  const { timestamps, values: samples } = profile;
  const n = timestamps.length;
  const half = stepMs / 2;
  let previousT = -Infinity;
  let slot = -1; // the slot being summed, -1 for none
  let sum = 0;
  let count = 0;
  let lastMeasured = -1;
  // i === n is one round more than there are samples, to write the last slot.
  // Written out rather than through a helper closure so the running sums stay in registers.
  for (let i = 0; i <= n; i++) {
    let k = -1;
    let v = 0;
    if (i < n) {
      const t = timestamps[i];
      if (!(t >= previousT) || t === Infinity || t === -Infinity) throw unsortedError(profile, i, WHAT);
      previousT = t;
      v = samples[i];
      if (v !== v) continue; // NaN: no sample
      k = Math.floor((t - startMs + half) / stepMs);
      if (k < 0 || k >= slots) continue; // outside the span; later samples are still checked for order
      if (k === slot) {
        sum += v;
        count++;
        continue;
      }
    }
    if (slot >= 0) {
      // The slot is complete: write its mean, and fill the run of empty slots before it when short enough.
      const mean = count === 1 ? sum : sum / count;
      values[slot] = mean;
      quality[slot] = Quality.MEASURED;
      const run = slot - lastMeasured - 1;
      if (lastMeasured >= 0 && run > 0 && run <= maxRun) {
        const from = values[lastMeasured];
        const rise = mean - from;
        const span = run + 1;
        for (let m = 1; m <= run; m++) {
          // (rise · m) / span rather than rise · (m / span): exact for values that divide evenly.
          values[lastMeasured + m] = from + (rise * m) / span;
          quality[lastMeasured + m] = Quality.INTERPOLATED;
        }
      }
      lastMeasured = slot;
    }
    slot = k;
    sum = v;
    count = 1;
  }
  return { id: profile.id, startMs, stepMs, values, quality };
}
