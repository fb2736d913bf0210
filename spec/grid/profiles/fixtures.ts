import { readFileSync } from 'node:fs';
import type { Profile } from '../../../core/grid/profiles/api.js';
import { sharedData } from '../../support/shared-data.js';

/** 2026-01-01T00:00:00Z: the day the test profiles are put on. */
export const DAY_MS = Date.UTC(2026, 0, 1);
export const MINUTE_MS = 60_000;

/** IEEE European LV Test Feeder load profile n (1..100): 1440 one-minute values in kW. */
export function ieeeLoadProfile(n: number): Float64Array {
  const text = readFileSync(sharedData('ieee_eu_lv', 'Daily_1min_100profiles', `load_profile_${n}.txt`), 'utf8');
  const values = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(Number);
  if (values.length !== 1440 || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`load_profile_${n}.txt: expected 1440 numbers, got ${values.length}`);
  }
  return Float64Array.from(values);
}

/** A profile with one sample per minute from DAY_MS, optionally without the samples at `drop` indices. */
export function minuteProfile(id: string, values: ArrayLike<number>, drop: ReadonlySet<number> = new Set()): Profile {
  const timestamps: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (drop.has(i)) continue;
    timestamps.push(DAY_MS + i * MINUTE_MS);
    kept.push(values[i]);
  }
  return { id, timestamps: Float64Array.from(timestamps), values: Float64Array.from(kept) };
}

/** Element-wise sum of equally long series. */
export function sum(...series: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(series[0].length);
  for (const s of series) for (let i = 0; i < out.length; i++) out[i] += s[i];
  return out;
}

/** The indices from..to-1. */
export function range(from: number, to: number): Set<number> {
  const out = new Set<number>();
  for (let i = from; i < to; i++) out.add(i);
  return out;
}
