import type { AlignOptions, AlignedProfile, Profile } from './api.js';
import { ProfileError, Quality } from './api.js';
import { checkColumns, checkInstant, checkStep, unsortedError } from './checks.js';

const WHAT = 'alignProfile';
/** Slot numbers are int32 in alignSamples; 2^31 slots of 9 bytes would be 19 GB anyway. */
const MAX_SLOTS = 0x7fffffff;

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
 * NaN, flagged GAP. NaN and GAP always coincide (a mean or an interpolated
 * value that comes out NaN, possible only with infinite samples, is GAP).
 *
 * One pass over the samples (see alignSamples).
 */
export function alignProfile(profile: Profile, options: AlignOptions): AlignedProfile {
  checkAlignOptions(options);
  checkColumns(profile, WHAT);
  const { startMs, stepMs, maxInterpolateMs } = options;
  const slots = slotCount(options);
  if (slots > MAX_SLOTS) throw new ProfileError(`${WHAT}: ${slots} slots are too many (at most ${MAX_SLOTS})`);
  const values = new Float64Array(slots).fill(Number.NaN);
  const quality = new Uint8Array(slots).fill(Quality.GAP);
  // Runs of at most this many empty slots are interpolated.
  const maxRun = Math.floor(maxInterpolateMs / stepMs);
  const bad = alignSamples(profile.timestamps, profile.values, startMs, stepMs, maxRun, values, quality);
  if (bad >= 0) throw unsortedError(profile, bad, WHAT);
  const n = profile.timestamps.length;
  // Ascending timestamps can only be infinite at the ends; checked here rather than per sample.
  if (n > 0 && (profile.timestamps[0] === -Infinity || profile.timestamps[n - 1] === Infinity)) {
    throw unsortedError(profile, firstBadTimestamp(profile.timestamps), WHAT);
  }
  return { id: profile.id, startMs, stepMs, values, quality };
}

/**
 * The slot loop of alignProfile, into values/quality prefilled with
 * NaN/GAP. Returns −1, or the index of the first timestamp that is out of
 * order or NaN (nothing useful is written then); infinite timestamps at
 * either end are the caller's to check.
 *
 * A function of its own that takes only typed arrays and numbers: V8
 * compiles the hot loop on stack replacement during the first long call,
 * and code that follows the loop in the same function (building the
 * result object) has no type feedback yet, so it threw the optimised code
 * away again at the end of every call for a while (node 20). The running
 * sums stay in locals; a slot's samples are contiguous because the
 * timestamps ascend, so each slot is written once.
 */
function alignSamples(
  timestamps: Float64Array,
  samples: Float64Array,
  startMs: number,
  stepMs: number,
  maxRun: number,
  values: Float64Array,
  quality: Uint8Array,
): number {
  const n = timestamps.length;
  const slots = values.length;
  const half = stepMs / 2;
  let previousT = -Infinity;
  let slot = -1; // the slot being summed, -1 for none
  let sum = 0;
  let count = 0;
  let lastMeasured = -1;
  // i === n is one round more than there are samples, to write the last slot.
  for (let i = 0; i <= n; i++) {
    let k = -1;
    let v = 0;
    if (i < n) {
      const t = timestamps[i];
      // Order only (NaN fails it too): infinities can only open or close an ascending series, and the caller checks those.
      if (!(t >= previousT)) return firstBadTimestamp(timestamps);
      previousT = t;
      v = samples[i];
      if (v !== v) continue; // NaN: no sample
      // The same expression as Math.floor((t − startMs + half) / stepMs); truncation equals floor on [0, slots).
      const position = (t - startMs + half) / stepMs;
      if (!(position >= 0 && position < slots)) continue; // outside the span; later samples are still checked for order
      k = position | 0;
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
      // NaN only from infinite samples of both signs; flagged GAP so that NaN and GAP coincide (api.ts).
      quality[slot] = mean === mean ? Quality.MEASURED : Quality.GAP;
      const run = slot - lastMeasured - 1;
      if (lastMeasured >= 0 && run > 0 && run <= maxRun) {
        const from = values[lastMeasured];
        const rise = mean - from;
        const span = run + 1;
        for (let m = 1; m <= run; m++) {
          // (rise · m) / span rather than rise · (m / span): exact for values that divide evenly.
          const value = from + (rise * m) / span;
          values[lastMeasured + m] = value;
          quality[lastMeasured + m] = value === value ? Quality.INTERPOLATED : Quality.GAP;
        }
      }
      lastMeasured = slot;
    }
    slot = k;
    sum = v;
    count = 1;
  }
  return -1;
}

/** The first timestamp that is before its predecessor or not finite, −1 for none: the slow path of an error. */
function firstBadTimestamp(timestamps: Float64Array): number {
  let previousT = -Infinity;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    if (!(t >= previousT) || t === Infinity || t === -Infinity) return i;
    previousT = t;
  }
  return -1;
}
