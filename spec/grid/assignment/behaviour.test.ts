/**
 * What every method promises besides accuracy: a runner-up with its score,
 * minScore leaving buildings unassigned, GAP slots left out pair by pair,
 * the lag search finding a clock that is off, candidates restricting the
 * choice, and inputs on different grids refused. Inputs: the IEEE EU LV
 * profiles under a synthetic tree (transformer + 5 branch heads).
 */
import { describe, expect, it } from 'vitest';
import { assignBuildings, ASSIGNMENT_METHODS, type Assignment } from '../../../core/grid/assignment/index.js';
import { ProfileGridMismatchError, Quality, type AlignedProfile } from '../../../core/grid/profiles/api.js';
import { accuracy, aligned, ieeeCase } from './feeders.js';

const input = ieeeCase({ branches: 5, noise: 0.01, seed: 2 });

/** A copy with the slots [from, to) turned into GAP. */
function withGap(profile: AlignedProfile, from: number, to: number): AlignedProfile {
  const values = profile.values.slice();
  const quality = profile.quality.slice();
  for (let k = from; k < to; k++) {
    values[k] = Number.NaN;
    quality[k] = Quality.GAP;
  }
  return { ...profile, values, quality };
}

/** The profile as a building meter whose clock runs `slots` ahead: value at k is the true value at k + slots. */
function shifted(profile: AlignedProfile, slots: number): AlignedProfile {
  const n = profile.values.length;
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) values[k] = profile.values[Math.min(n - 1, Math.max(0, k + slots))]!;
  return aligned(profile.id, values, profile.stepMs, profile.startMs);
}

describe('scores and runner-up', () => {
  for (const method of ASSIGNMENT_METHODS) {
    it(`${method}: every building has a score and a different runner-up with its score, in input order`, () => {
      const result = assignBuildings(input.buildings, input.residuals, { method });
      expect(result.map((a) => a.building)).toEqual(input.buildings.map((b) => b.id));
      for (const a of result) {
        expect(a.assigned).toBe(true);
        expect(Number.isFinite(a.score)).toBe(true);
        expect(a.runnerUp).toBeDefined();
        expect(a.runnerUp).not.toBe(a.monitoringPoint);
        expect(Number.isFinite(a.runnerUpScore)).toBe(true);
        // Argmax and least squares rank the same scores; iterative's runner-up is scored at the moment of the choice too.
        expect(a.runnerUpScore).toBeLessThanOrEqual(a.score);
      }
    });
  }
});

describe('minScore', () => {
  it('pearson: buildings below it are reported with their score but no point', () => {
    const all = assignBuildings(input.buildings, input.residuals, { method: 'pearson' });
    const threshold = [...all.map((a) => a.score)].sort((x, y) => x - y)[27]!;
    const result = assignBuildings(input.buildings, input.residuals, { method: 'pearson', minScore: threshold });
    const below = result.filter((a) => !a.assigned);
    expect(below).toHaveLength(27);
    for (const a of below) {
      expect(a.monitoringPoint).toBeUndefined();
      expect(a.score).toBeLessThan(threshold);
    }
    for (const a of result.filter((x) => x.assigned)) expect(a.score).toBeGreaterThanOrEqual(threshold);
  });

  it('iterative: stops choosing once the best pair left is below it', () => {
    const result = assignBuildings(input.buildings, input.residuals, { method: 'iterative', minScore: 0.999 });
    expect(result.every((a) => !a.assigned && a.monitoringPoint === undefined)).toBe(true);
    // The greedy pass stops at its first choice below the threshold; the first choice is the best pair of
    // plain correlation. A threshold between the plain scores' middle and top lets it stop part-way.
    const plain = assignBuildings(input.buildings, input.residuals, { method: 'pearson' }).map((a) => a.score).sort((x, y) => x - y);
    const threshold = plain[45]!;
    const some = assignBuildings(input.buildings, input.residuals, { method: 'iterative', minScore: threshold });
    const assigned = some.filter((a) => a.assigned);
    expect(assigned.length).toBeGreaterThan(0);
    expect(assigned.length).toBeLessThan(55);
    for (const a of assigned) expect(a.score).toBeGreaterThanOrEqual(threshold);
    for (const a of some.filter((x) => !x.assigned)) expect(a.monitoringPoint).toBeUndefined();
    for (const a of assigned) expect(a.monitoringPoint).toBe(input.truth.get(a.building));
  });
});

describe('GAP slots', () => {
  it('are left out pair by pair: gaps in residuals and buildings keep iterative at 55/55', () => {
    const residuals = input.residuals.map((r, i) => withGap(r, 100 + i * 150, 220 + i * 150));
    const buildings = input.buildings.map((b, i) => (i % 3 === 0 ? withGap(b, (i * 17) % 1300, ((i * 17) % 1300) + 60) : b));
    for (const method of ['iterative', 'least-squares'] as const) {
      const result = assignBuildings(buildings, residuals, { method });
      expect(accuracy(result, input.truth), method).toBe(1);
      expect(result.every((a) => Number.isFinite(a.score))).toBe(true);
    }
  });

  it('a building with no measured slot gets no score and is not assigned', () => {
    const buildings = [withGap(input.buildings[0]!, 0, 1440), ...input.buildings.slice(1)];
    for (const method of ['pearson', 'iterative'] as const) {
      const [first] = assignBuildings(buildings, input.residuals, { method });
      expect(first!.assigned).toBe(false);
      expect(first!.monitoringPoint).toBeUndefined();
      expect(first!.score).toBeNaN();
    }
  });

  it('interpolated slots are not measurements and do not count', () => {
    const profile = input.buildings[0]!;
    const quality = profile.quality.slice().fill(Quality.INTERPOLATED);
    const [first] = assignBuildings([{ ...profile, quality }], input.residuals, { method: 'pearson' });
    expect(first!.score).toBeNaN();
  });
});

describe('lag search', () => {
  it('finds building clocks 2 minutes off: without it iterative misses buildings, with ±3 slots it finds all', () => {
    const buildings = input.buildings.map((b) => shifted(b, 2));
    const without = assignBuildings(buildings, input.residuals, { method: 'iterative' });
    const withLag = assignBuildings(buildings, input.residuals, { method: 'iterative', maxLagSlots: 3 });
    expect(accuracy(withLag, input.truth)).toBe(1);
    expect(accuracy(without, input.truth)).toBeLessThan(1);
    const mean = (list: readonly Assignment[]): number => list.reduce((sum, a) => sum + a.score, 0) / list.length;
    expect(mean(assignBuildings(buildings, input.residuals, { method: 'pearson', maxLagSlots: 3 }))).toBeGreaterThan(
      mean(assignBuildings(buildings, input.residuals, { method: 'pearson' })) + 0.05,
    );
  });
});

describe('inputs', () => {
  it('candidates restrict where a building may go', () => {
    const building = input.buildings[0]!.id;
    const truth = input.truth.get(building)!;
    const elsewhere = input.residuals.map((r) => r.id).filter((id) => id !== truth);
    for (const method of ASSIGNMENT_METHODS) {
      const result = assignBuildings(input.buildings, input.residuals, { method, candidates: new Map([[building, elsewhere.slice(0, 2)]]) });
      const first = result.find((a) => a.building === building)!;
      expect(elsewhere.slice(0, 2), method).toContain(first.monitoringPoint);
      expect(elsewhere.slice(0, 2), method).toContain(first.runnerUp);
    }
  });

  it('profiles on different grids are refused', () => {
    const other = aligned('odd', new Float64Array(1440), 60_000, Date.UTC(2026, 0, 6));
    expect(() => assignBuildings([...input.buildings, other], input.residuals, { method: 'iterative' })).toThrow(ProfileGridMismatchError);
  });

  it('no residuals: nothing assigned; no buildings: an empty answer', () => {
    for (const method of ASSIGNMENT_METHODS) {
      const result = assignBuildings(input.buildings, [], { method });
      expect(result, method).toHaveLength(55);
      expect(result.every((a) => !a.assigned && a.monitoringPoint === undefined && a.runnerUp === undefined), method).toBe(true);
      expect(assignBuildings([], input.residuals, { method }), method).toEqual([]);
    }
  });
});
