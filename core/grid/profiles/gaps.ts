import type { Gap, GapOptions, Profile } from './api.js';
import { ProfileError } from './api.js';
import { checkColumns, checkInstant, checkStep, unsortedError } from './checks.js';

const WHAT = 'detectGaps';

/**
 * Finds the stretches where samples are missing at the expected step.
 * Two consecutive samples further apart than stepMs + toleranceMs enclose a
 * gap of round(distance / stepMs) − 1 missing samples (at least 1), so
 * clock jitter within the tolerance is not a gap. Samples whose value is
 * NaN count as missing. With a span, samples outside it are ignored and
 * the span's start and end behave as if a sample lay one step before the
 * start and at the (exclusive) end: a first sample more than toleranceMs
 * after the start, or a last one more than stepMs + toleranceMs before
 * the end, leaves a leading or trailing gap.
 */
export function detectGaps(profile: Profile, options: GapOptions): Gap[] {
  const { stepMs, span } = options;
  checkStep(stepMs, WHAT);
  const toleranceMs = options.toleranceMs ?? stepMs / 2;
  if (!(toleranceMs >= 0) || !Number.isFinite(toleranceMs)) {
    throw new ProfileError(`${WHAT}: toleranceMs must be a finite number >= 0, got ${toleranceMs}`);
  }
  if (span) {
    checkInstant(span.startMs, 'span.startMs', WHAT);
    checkInstant(span.endMs, 'span.endMs', WHAT);
    if (span.endMs < span.startMs) throw new ProfileError(`${WHAT}: span ends (${span.endMs}) before it starts (${span.startMs})`);
  }
  checkColumns(profile, WHAT);

  const { timestamps, values } = profile;
  const limit = stepMs + toleranceMs;
  const fromMs = span ? span.startMs : -Infinity;
  const toMs = span ? span.endMs : Infinity;
  const gaps: Gap[] = [];
  let previous = Number.NaN;
  let last = -Infinity;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    if (!(t >= last) || !Number.isFinite(t)) throw unsortedError(profile, i, WHAT);
    last = t;
    if (t < fromMs || t >= toMs) continue;
    const v = values[i];
    if (v !== v) continue; // NaN: no sample
    if (previous === previous) {
      const distance = t - previous;
      if (distance > limit) gaps.push({ fromMs: previous, toMs: t, missing: Math.max(1, Math.round(distance / stepMs) - 1) });
    } else if (span) {
      const distance = t - span.startMs;
      if (distance > toleranceMs) gaps.push({ fromMs: span.startMs, toMs: t, missing: Math.max(1, Math.round(distance / stepMs)) });
    }
    previous = t;
  }
  if (span) {
    if (previous !== previous) {
      if (span.endMs > span.startMs) {
        gaps.push({ fromMs: span.startMs, toMs: span.endMs, missing: Math.ceil((span.endMs - span.startMs) / stepMs) });
      }
    } else {
      const distance = span.endMs - previous;
      if (distance > limit) gaps.push({ fromMs: previous, toMs: span.endMs, missing: Math.max(1, Math.round(distance / stepMs) - 1) });
    }
  }
  return gaps;
}
