/**
 * The checks of a profile request (GetGridProfiles, GetBuildingProfiles)
 * before anything is fetched: a span that is finite, not inverted and not
 * longer than the module allows, a positive step, an interpolation limit,
 * and not more slots than one reply may carry. Each failure is an
 * InvalidArgument naming the field and the limit.
 */
import type { AlignOptions } from '../profiles/api.js';
import { GridRequestError } from './grid-error.js';

export interface ProfileLimits {
  /** The step when the request gives 0. */
  readonly stepMs: number;
  /** The interpolation limit when the request gives -1. */
  readonly maxInterpolateMs: number;
  /** The longest span a request may ask for. */
  readonly maxSpanMs: number;
  /** The most slots one profile may have (span / step). */
  readonly maxSlots: number;
}

export interface ProfileRequestFields {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly maxInterpolateMs: number;
}

/** The largest slot count allowed by default: 35 days at one minute with room to spare. */
export const DEFAULT_MAX_SLOTS = 100_000;

export function checkProfileRequest(request: ProfileRequestFields, limits: ProfileLimits): AlignOptions {
  const { fromMs, toMs } = request;
  if (!Number.isFinite(fromMs)) throw new GridRequestError('InvalidArgument', `from_ms is ${fromMs}; it must be a finite number of milliseconds`);
  if (!Number.isFinite(toMs)) throw new GridRequestError('InvalidArgument', `to_ms is ${toMs}; it must be a finite number of milliseconds`);
  if (toMs < fromMs) throw new GridRequestError('InvalidArgument', `the span is inverted: from_ms ${fromMs} is after to_ms ${toMs}`);
  if (toMs === fromMs) throw new GridRequestError('InvalidArgument', `the span is empty: from_ms and to_ms are both ${fromMs} (to_ms is exclusive)`);
  if (toMs - fromMs > limits.maxSpanMs) {
    throw new GridRequestError('InvalidArgument', `the span is ${toMs - fromMs} ms long; at most ${limits.maxSpanMs} ms (setting maxSpanMs) are served at once`);
  }
  const stepMs = request.stepMs === 0 ? limits.stepMs : request.stepMs;
  if (!Number.isFinite(stepMs) || stepMs <= 0) throw new GridRequestError('InvalidArgument', `step_ms is ${request.stepMs}; it must be positive (0: the module's default, ${limits.stepMs} ms)`);
  const slots = Math.ceil((toMs - fromMs) / stepMs);
  if (slots > limits.maxSlots) {
    throw new GridRequestError('InvalidArgument', `${slots} slots of ${stepMs} ms in the span; at most ${limits.maxSlots} per profile: ask for a larger step_ms or a shorter span`);
  }
  const maxInterpolateMs = request.maxInterpolateMs === -1 ? limits.maxInterpolateMs : request.maxInterpolateMs;
  if (!Number.isFinite(maxInterpolateMs) || maxInterpolateMs < 0) {
    throw new GridRequestError('InvalidArgument', `max_interpolate_ms is ${request.maxInterpolateMs}; it must be 0 or more (-1: the module's default, ${limits.maxInterpolateMs} ms)`);
  }
  return { startMs: fromMs, endMs: toMs, stepMs, maxInterpolateMs };
}
