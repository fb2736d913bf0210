/**
 * assignBuildings: the entry point of building assignment (api.ts). Checks
 * that every profile lies on one grid, turns profiles into the series the
 * method compares, and hands them to the method.
 */
import type { AlignedProfile } from '../profiles/api.js';
import { ProfileError } from '../profiles/api.js';
import { checkSameGrid } from '../profiles/residual.js';
import type { AssignBuildings, Assignment, AssignmentMethod, AssignmentOptions } from './api.js';
import { argmaxAssignments } from './argmax.js';
import { explainAwayAssignments } from './explain-away.js';
import { leastSquaresAssignments } from './least-squares.js';
import { ScoreTable } from './score-table.js';
import { firstDifferences, usableSeries } from './usable-series.js';

export const ASSIGNMENT_METHODS: readonly AssignmentMethod[] = ['pearson', 'spearman', 'iterative', 'least-squares'];

export function isAssignmentMethod(name: string): name is AssignmentMethod {
  return (ASSIGNMENT_METHODS as readonly string[]).includes(name);
}

function allowedPairs(buildings: readonly AlignedProfile[], residuals: readonly AlignedProfile[], candidates: AssignmentOptions['candidates']): Uint8Array {
  const allowed = new Uint8Array(buildings.length * residuals.length);
  if (candidates === undefined) return allowed.fill(1);
  const column = new Map(residuals.map((residual, m) => [residual.id, m]));
  buildings.forEach((building, b) => {
    const listed = candidates.get(building.id);
    if (listed === undefined) {
      allowed.fill(1, b * residuals.length, (b + 1) * residuals.length);
      return;
    }
    for (const point of listed) {
      const m = column.get(point);
      if (m !== undefined) allowed[b * residuals.length + m] = 1;
    }
  });
  return allowed;
}

function checkInputs(buildings: readonly AlignedProfile[], residuals: readonly AlignedProfile[], options: AssignmentOptions): void {
  if (!isAssignmentMethod(options.method)) throw new ProfileError(`unknown assignment method "${String(options.method)}" (one of ${ASSIGNMENT_METHODS.join(', ')})`);
  const maxLag = options.maxLagSlots ?? 0;
  if (!(Number.isInteger(maxLag) && maxLag >= 0)) throw new ProfileError(`maxLagSlots must be a whole number ≥ 0, not ${maxLag}`);
  const reference = buildings[0] ?? residuals[0];
  if (reference === undefined) return;
  for (const building of buildings) checkSameGrid(reference, building, 'building');
  for (const residual of residuals) checkSameGrid(reference, residual, 'residual');
  for (const [what, list] of [['building', buildings], ['residual', residuals]] as const) {
    const seen = new Set<string>();
    for (const profile of list) {
      if (seen.has(profile.id)) throw new ProfileError(`${what} "${profile.id}" is given twice`);
      seen.add(profile.id);
    }
  }
}

export const assignBuildings: AssignBuildings = (buildings, residuals, options): readonly Assignment[] => {
  checkInputs(buildings, residuals, options);
  const minScore = options.minScore ?? Number.NEGATIVE_INFINITY;
  const maxLag = options.maxLagSlots ?? 0;
  const differences = options.differences ?? false;
  const ranked = options.method === 'spearman';
  const buildingIds = buildings.map((profile) => profile.id);
  const pointIds = residuals.map((profile) => profile.id);
  const buildingSeries = buildings.map((profile) => usableSeries(profile, { differences, ranked }));
  const residualSeries = residuals.map((profile) => usableSeries(profile, { differences, ranked }));
  const allowed = allowedPairs(buildings, residuals, options.candidates);
  switch (options.method) {
    case 'pearson':
    case 'spearman':
      return argmaxAssignments(new ScoreTable(buildings.length, residuals.length, allowed), buildingSeries, residualSeries, buildingIds, pointIds, maxLag, minScore);
    case 'iterative': {
      const levels = { buildings: buildings.map((profile) => usableSeries(profile, { differences: false, ranked: false })), residuals: residuals.map((profile) => usableSeries(profile, { differences: false, ranked: false })) };
      const differenced = { buildings: levels.buildings.map(firstDifferences), residuals: levels.residuals.map(firstDifferences) };
      const column = new Map(pointIds.map((id, m) => [id, m]));
      const leastSquares =
        maxLag > 0
          ? []
          : [Int32Array.from(leastSquaresAssignments(levels.buildings, levels.residuals, allowed, buildingIds, pointIds, Number.NEGATIVE_INFINITY), (a) => (a.monitoringPoint === undefined ? -1 : column.get(a.monitoringPoint)!))];
      return explainAwayAssignments(differences ? differenced : levels, differences ? levels : differenced, levels, leastSquares, allowed, buildingIds, pointIds, maxLag, minScore);
    }
    case 'least-squares':
      return leastSquaresAssignments(buildingSeries, residualSeries, allowed, buildingIds, pointIds, minScore);
  }
};
