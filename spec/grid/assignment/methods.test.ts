/**
 * The assignment methods on inputs with a known answer: simulated feeders
 * (55 buildings, 6 monitoring points, one day at 1 min, meter noise 0/3/5 %)
 * and the IEEE EU LV profiles under a synthetic tree. The floors are what
 * the methods reach here (measured, seeds 1–6), a little below, so that a
 * regression fails: see core/grid/assignment/README.md for the figures.
 * Averaged over the seeds, iterative reaches 98 % at 5 % noise; single
 * seeds go down to 91 %.
 */
import { describe, expect, it } from 'vitest';
import { assignBuildings, type AssignmentMethod } from '../../../core/grid/assignment/index.js';
import { accuracy, ieeeCase, simulatedCase, type Case } from './feeders.js';

const cache = new Map<string, Promise<Case>>();
function simulated(seed: number, mpNoise: number): Promise<Case> {
  const key = `${seed}/${mpNoise}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = simulatedCase({ seed, mpNoise });
    cache.set(key, found);
  }
  return found;
}

function score(input: Case, method: AssignmentMethod, differences = false): number {
  return accuracy(assignBuildings(input.buildings, input.residuals, { method, differences }), input.truth);
}

describe('simulated feeders (55 buildings, 6 points, 1 day at 1 min)', () => {
  for (const seed of [1, 3, 5]) {
    for (const noise of [0, 0.03, 0.05]) {
      it(`seed ${seed}, meter noise ${noise * 100} %: iterative and least-squares ≥ 90 % (all at 0 %), plain correlation far below`, async () => {
        const input = await simulated(seed, noise);
        expect(input.buildings).toHaveLength(55);
        expect(input.residuals).toHaveLength(6);
        const leastSquares = score(input, 'least-squares');
        const iterative = score(input, 'iterative');
        const pearson = score(input, 'pearson');
        expect(leastSquares).toBeGreaterThanOrEqual(noise === 0 ? 1 : 0.9);
        expect(iterative).toBeGreaterThanOrEqual(noise === 0 ? 1 : noise === 0.03 ? 0.98 : 0.9);
        expect(iterative).toBeGreaterThan(pearson + 0.4);
        expect(pearson).toBeGreaterThanOrEqual(0.2);
        expect(score(input, 'spearman')).toBeGreaterThanOrEqual(0.2);
      });
    }
  }

  it('first differences remove the shared daily shape: without meter noise iterative finds every building', async () => {
    for (const seed of [1, 3, 5]) {
      const input = await simulated(seed, 0);
      expect(score(input, 'iterative', true)).toBe(1);
      expect(score(input, 'pearson', true)).toBeGreaterThanOrEqual(0.94);
    }
  });
});

describe('IEEE EU LV profiles under a synthetic tree (transformer + 5 or 10 branch heads)', () => {
  for (const noise of [0, 0.01, 0.05]) {
    it(`1 min, meter noise ${noise * 100} %: iterative and least-squares find all 55 buildings`, () => {
      for (const branches of [5, 10]) {
        const input = ieeeCase({ branches, noise, seed: 1 });
        expect(score(input, 'iterative')).toBe(1);
        expect(score(input, 'least-squares')).toBe(1);
        expect(score(input, 'pearson')).toBeGreaterThanOrEqual(0.78);
        expect(score(input, 'spearman')).toBeGreaterThanOrEqual(0.55);
      }
    });
  }

  it('15 min, meter noise 5 %: iterative and least-squares ≥ 94 %', () => {
    for (const branches of [5, 10]) {
      const input = ieeeCase({ branches, noise: 0.05, seed: 1, factor: 15 });
      expect(score(input, 'iterative')).toBeGreaterThanOrEqual(0.94);
      expect(score(input, 'least-squares')).toBeGreaterThanOrEqual(0.94);
    }
  });
});
