/**
 * Active-power profiles of buildings (kW, consumption positive) on a regular
 * time grid: a daily shape with morning and evening peaks, a weekend shape
 * that differs (later morning, more at midday), a per-building scale and
 * phase shift, correlated noise, short appliance peaks, and for PV buildings
 * the production subtracted (net metering): a bell over the day scaled by
 * the day's clearness and by passing clouds. Each building draws from a
 * random stream of its own (seed, building number), so its profile does not
 * depend on the others. Hours are read in UTC: the simulated feeder lives in
 * a time zone of its own whose clock is UTC.
 */
import { gaussian, streamFor } from './ids.js';

export interface ProfileGrid {
  /** First timestamp, ms since the epoch. */
  readonly startMs: number;
  /** Spacing of the samples. */
  readonly stepMs: number;
  /** Number of samples. */
  readonly samples: number;
}

/** A Monday, 00:00 UTC: every span starts on a fixed weekday, so a week always holds a weekend. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 5);
export const DEFAULT_STEP_MS = 60_000;
export const DEFAULT_DAYS = 7;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function profileGrid(days = DEFAULT_DAYS, stepMs = DEFAULT_STEP_MS, startMs = DEFAULT_START_MS): ProfileGrid {
  if (!(days > 0) || !Number.isFinite(days)) throw new RangeError(`days must be a positive number, not ${days}`);
  if (!Number.isInteger(stepMs) || stepMs < 1000) throw new RangeError(`the step must be a whole number of milliseconds >= 1000, not ${stepMs}`);
  return { startMs, stepMs, samples: Math.max(1, Math.floor((days * DAY_MS) / stepMs)) };
}

export function gridTimestamps(grid: ProfileGrid): Float64Array {
  const timestamps = new Float64Array(grid.samples);
  for (let i = 0; i < grid.samples; i++) timestamps[i] = grid.startMs + i * grid.stepMs;
  return timestamps;
}

/** What makes one building's profile its own. */
export interface BuildingCharacter {
  /** Multiplies the whole consumption (a flat vs a big family house). */
  readonly scale: number;
  /** Hours the daily routine runs early (negative) or late (positive). */
  readonly shiftHours: number;
  /** Standard deviation of the multiplicative noise. */
  readonly noise: number;
  /** PV peak power, kW (0: no PV). */
  readonly pvPeakKw: number;
}

/** A bump of the daily shape: centre hour, height in kW, width in hours. */
interface Bump {
  readonly hour: number;
  readonly kw: number;
  readonly width: number;
}

const WEEKDAY: readonly Bump[] = [
  { hour: 6.8, kw: 0.7, width: 0.9 },
  { hour: 12.5, kw: 0.2, width: 1.5 },
  { hour: 19.2, kw: 1.2, width: 1.6 },
];
const WEEKEND: readonly Bump[] = [
  { hour: 9.3, kw: 0.8, width: 1.4 },
  { hour: 12.8, kw: 0.6, width: 1.8 },
  { hour: 19.0, kw: 1.0, width: 1.9 },
];
/** Always-on consumption (fridge, standby), kW before scaling. */
const BASE_KW = 0.22;
/** Correlation time of the consumption noise and of clouds. */
const NOISE_TAU_MS = 15 * 60_000;
const CLOUD_TAU_MS = 20 * 60_000;
const SUNRISE_HOUR = 6.5;
const SUNSET_HOUR = 18.5;

/** Draws a building's character from its own stream. */
export function buildingCharacter(seed: number, buildingNumber: number, pvPeakKw: number, noise = 0.15): BuildingCharacter {
  const random = streamFor(seed, 'character', buildingNumber);
  const scale = Math.min(2.5, Math.max(0.4, Math.exp(0.35 * gaussian(random))));
  const shiftHours = Math.min(1.5, Math.max(-1.5, 0.6 * gaussian(random)));
  return { scale, shiftHours, noise, pvPeakKw };
}

/** The building's net active power at every grid point, kW. */
export function buildingProfile(seed: number, buildingNumber: number, character: BuildingCharacter, grid: ProfileGrid): Float64Array {
  const random = streamFor(seed, 'profile', buildingNumber);
  const values = new Float64Array(grid.samples);
  const keep = Math.exp(-grid.stepMs / NOISE_TAU_MS);
  const innovation = Math.sqrt(1 - keep * keep);
  let wobble = 0;
  // Appliance peaks (kettle, oven, washing machine): about two a day, minutes long.
  const peaksPerSample = (2 * grid.stepMs) / DAY_MS;
  let peakLeft = 0;
  let peakKw = 0;
  for (let i = 0; i < grid.samples; i++) {
    const t = grid.startMs + i * grid.stepMs;
    const hour = ((t % DAY_MS) / HOUR_MS - character.shiftHours + 24) % 24;
    // 1970-01-01 was a Thursday (day 4, Sunday = 0).
    const weekday = (Math.floor(t / DAY_MS) + 4) % 7;
    const bumps = weekday === 0 || weekday === 6 ? WEEKEND : WEEKDAY;
    let kw = BASE_KW;
    for (const bump of bumps) {
      const distance = circularHours(hour - bump.hour) / bump.width;
      kw += bump.kw * Math.exp(-0.5 * distance * distance);
    }
    wobble = keep * wobble + innovation * gaussian(random);
    kw *= character.scale * Math.max(0.2, 1 + character.noise * wobble);
    if (peakLeft === 0 && hour > 6 && hour < 23 && random() < peaksPerSample) {
      peakLeft = Math.max(1, Math.round((3 + random() * 12) * (60_000 / grid.stepMs)));
      peakKw = 1 + random() * 2;
    }
    if (peakLeft > 0) {
      kw += peakKw;
      peakLeft--;
    }
    values[i] = kw;
  }
  if (character.pvPeakKw > 0) subtractPv(seed, buildingNumber, character.pvPeakKw, grid, values);
  return values;
}

/** PV production subtracted from the consumption: a clear-sky bell × the day's clearness × clouds. */
function subtractPv(seed: number, buildingNumber: number, peakKw: number, grid: ProfileGrid, values: Float64Array): void {
  // Clearness is weather: shared by the whole feeder (same seed stream), clouds pass each roof on their own.
  const weather = streamFor(seed, 'weather');
  const clouds = streamFor(seed, 'clouds', buildingNumber);
  const firstDay = Math.floor(grid.startMs / DAY_MS);
  const clearness: number[] = [];
  const keep = Math.exp(-grid.stepMs / CLOUD_TAU_MS);
  const innovation = Math.sqrt(1 - keep * keep);
  let shade = 0;
  for (let i = 0; i < grid.samples; i++) {
    const t = grid.startMs + i * grid.stepMs;
    const day = Math.floor(t / DAY_MS) - firstDay;
    while (clearness.length <= day) clearness.push(0.45 + 0.55 * weather());
    shade = keep * shade + innovation * gaussian(clouds);
    const hour = (t % DAY_MS) / HOUR_MS;
    if (hour <= SUNRISE_HOUR || hour >= SUNSET_HOUR) continue;
    const sun = Math.sin((Math.PI * (hour - SUNRISE_HOUR)) / (SUNSET_HOUR - SUNRISE_HOUR));
    const sky = Math.min(1, Math.max(0.05, clearness[day]! + 0.25 * shade));
    values[i] = values[i]! - peakKw * sun * sun * sky;
  }
}

/** A difference of hours folded into -12..12. */
function circularHours(difference: number): number {
  return ((((difference + 12) % 24) + 24) % 24) - 12;
}

/**
 * A monitoring point's profile: the sum of the buildings below it times
 * (1 + e), e normal with standard deviation `noise` and clipped at 3σ (the
 * meter's error), so |mp / sum - 1| <= 3 · noise always holds.
 */
export function measuredSum(sum: Float64Array, noise: number, random: () => number): Float64Array {
  const values = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    const error = Math.min(3, Math.max(-3, gaussian(random))) * noise;
    values[i] = sum[i]! * (1 + error);
  }
  return values;
}
