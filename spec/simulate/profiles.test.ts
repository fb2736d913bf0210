/**
 * The simulated profiles (tools/simulate/profiles.ts, gaps.ts, simulation.ts):
 * the shapes a grid application relies on, gaps where asked, and monitoring
 * points that measure the sum of the buildings below them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateFeeder, type SimulatedFeeder } from '../../tools/simulate/feeder.js';
import { withGaps } from '../../tools/simulate/gaps.js';
import { streamFor } from '../../tools/simulate/ids.js';
import { gridTimestamps, profileGrid, type ProfileGrid } from '../../tools/simulate/profiles.js';
import { forEachProfile, resolveSimulation, type SimulationOptions } from '../../tools/simulate/simulation.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let options: SimulationOptions;
let feeder: SimulatedFeeder;
let grid: ProfileGrid;
const profiles = new Map<string, Float64Array>();

beforeAll(async () => {
  options = resolveSimulation({ seed: 5, buildings: 40, switches: 6, monitoringPoints: 5, pvShare: 0.4, days: 7, stepMs: 60_000 });
  feeder = generateFeeder(options);
  grid = profileGrid(options.days, options.stepMs, options.startMs);
  await forEachProfile(feeder, options, grid, async (dataPoint, values) => {
    profiles.set(dataPoint.name, values.slice());
  });
});

/** Mean of a profile over the hours [from, to) of one day (day 0 = the Monday the grid starts on). */
function meanOver(values: Float64Array, day: number, fromHour: number, toHour: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < grid.samples; i++) {
    const t = i * grid.stepMs;
    if (Math.floor(t / DAY) !== day) continue;
    const hour = (t % DAY) / HOUR;
    if (hour >= fromHour && hour < toHour) {
      sum += values[i]!;
      count++;
    }
  }
  return sum / count;
}

describe('building profiles', () => {
  it('cover the grid: a week at one minute, starting on a Monday', () => {
    expect(grid.samples).toBe(7 * 1440);
    expect(new Date(grid.startMs).getUTCDay()).toBe(1);
    expect(profiles.size).toBe(feeder.buildings.length + feeder.monitoringPoints.length);
    for (const values of profiles.values()) expect(values.length).toBe(grid.samples);
  });

  it('use positive energy every day, peak in the evening above the night minimum', () => {
    const consumers = feeder.buildings.filter((building) => building.pv === undefined);
    expect(consumers.length).toBeGreaterThan(10);
    for (const building of consumers) {
      const values = profiles.get(building.dataPoint)!;
      for (let day = 0; day < 7; day++) {
        expect(meanOver(values, day, 0, 24), `${building.name} day ${day}`).toBeGreaterThan(0.1);
        expect(meanOver(values, day, 18, 21), `${building.name} day ${day}`).toBeGreaterThan(1.5 * meanOver(values, day, 1, 4));
      }
      const nightMin = Math.min(...values.filter((_, i) => (i * grid.stepMs) % DAY < 5 * HOUR));
      expect(nightMin).toBeGreaterThan(0);
    }
  });

  it('differ at the weekend: later morning, more at midday', () => {
    const consumers = feeder.buildings.filter((building) => building.pv === undefined).map((building) => profiles.get(building.dataPoint)!);
    const total = (day: number, from: number, to: number) => consumers.reduce((sum, values) => sum + meanOver(values, day, from, to), 0);
    for (const weekday of [0, 1, 2, 3, 4]) {
      for (const weekendDay of [5, 6]) {
        expect(total(weekendDay, 11, 14)).toBeGreaterThan(1.3 * total(weekday, 11, 14));
        expect(total(weekday, 6, 7.5)).toBeGreaterThan(1.3 * total(weekendDay, 6, 7.5));
      }
    }
  });

  it('of PV buildings are negative at midday on average, and not at night', () => {
    const pv = feeder.buildings.filter((building) => building.pv !== undefined);
    expect(pv.length).toBeGreaterThan(8);
    let midday = 0;
    for (const building of pv) {
      const values = profiles.get(building.dataPoint)!;
      for (let day = 0; day < 7; day++) {
        midday += meanOver(values, day, 11, 14);
        expect(meanOver(values, day, 0, 5), building.name).toBeGreaterThan(0);
      }
    }
    expect(midday / (7 * pv.length)).toBeLessThan(0);
  });

  it('differ between buildings (scale, shift, noise) and depend on the seed', () => {
    const [a, b] = feeder.buildings.map((building) => profiles.get(building.dataPoint)!);
    expect(a).not.toEqual(b);
    expect(correlation(a!, b!)).toBeLessThan(0.95);
  });
});

describe('gaps', () => {
  it('remove the asked share of samples, in runs', () => {
    const timestamps = gridTimestamps(grid);
    const values = profiles.get(feeder.buildings[0]!.dataPoint)!;
    for (const [rate, meanLength] of [
      [0.05, 10],
      [0.2, 3],
    ] as const) {
      const series = withGaps(timestamps, values, { rate, meanLength }, streamFor(1, `gaps ${rate}`));
      const missing = grid.samples - series.values.length;
      expect(missing).toBeGreaterThanOrEqual(Math.floor(0.95 * rate * grid.samples));
      expect(missing).toBeLessThanOrEqual(Math.ceil(1.05 * rate * grid.samples));
      let runs = 0;
      for (let i = 1; i < series.timestamps.length; i++) {
        expect(series.timestamps[i]).toBeGreaterThan(series.timestamps[i - 1]!);
        if (series.timestamps[i]! - series.timestamps[i - 1]! > grid.stepMs) runs++;
      }
      // Runs average about the mean length (overlaps and the edges make them a little longer).
      expect(missing / runs).toBeGreaterThan(meanLength * 0.6);
      expect(missing / runs).toBeLessThan(meanLength * 2.5);
      // What is left is untouched.
      const index = (series.timestamps[100]! - grid.startMs) / grid.stepMs;
      expect(series.values[100]).toBe(values[index]);
    }
    expect(withGaps(timestamps, values, { rate: 0, meanLength: 10 }, streamFor(1, 'none')).values).toEqual(values);
  });
});

describe('monitoring points', () => {
  it('measure the sum of the buildings below them within the meter noise bound', () => {
    for (const point of feeder.monitoringPoints) {
      const measured = profiles.get(point.dataPoint)!;
      const sum = new Float64Array(grid.samples);
      for (const id of point.buildings) {
        const values = profiles.get(feeder.buildings.find((building) => building.id === id)!.dataPoint)!;
        for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + values[i]!;
      }
      let worst = 0;
      let differs = 0;
      for (let i = 0; i < sum.length; i++) {
        // 3σ of the meter plus the 0.1 W rounding of the measured value.
        const excess = Math.abs(measured[i]! - sum[i]!) - (3 * options.mpNoise * Math.abs(sum[i]!) + 5e-5 + 1e-9);
        worst = Math.max(worst, excess);
        if (Math.abs(measured[i]! - sum[i]!) > 1e-3) differs++;
      }
      expect(worst, point.name).toBeLessThanOrEqual(0);
      // Noise is there: the meter is not an exact sum.
      expect(differs, point.name).toBeGreaterThan(grid.samples / 2);
    }
  });

  it('the transformer measures the whole feeder, deeper points less', () => {
    const total = profiles.get(feeder.monitoringPoints[0]!.dataPoint)!;
    for (const point of feeder.monitoringPoints.slice(1)) {
      expect(point.buildings.length).toBeLessThan(feeder.buildings.length);
    }
    expect(meanOver(total, 2, 18, 21)).toBeGreaterThan(meanOver(total, 2, 1, 4));
  });
});

function correlation(a: Float64Array, b: Float64Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
