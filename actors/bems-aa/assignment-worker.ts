// The worker thread of BEMS-AA: the assignment math (core/grid/assignment) off the module's
// main thread, so its mailbox keeps answering while a run computes. Profiles arrive as
// structured clones (typed arrays copied once), results go back the same way.

import { exposeToModule } from '../../core/actor/index.js';
import { assignBuildings } from '../../core/grid/assignment/assign.js';
import type { Assignment, AssignmentMethod } from '../../core/grid/assignment/api.js';
import type { AlignedProfile } from '../../core/grid/profiles/api.js';

/** AssignmentOptions without the Map (candidates), which comlink would clone too but the module does not use. */
export interface WorkerAssignmentOptions {
  readonly method: AssignmentMethod;
  readonly minScore?: number;
  readonly maxLagSlots?: number;
  readonly differences?: boolean;
}

export interface AssignmentWorkerApi {
  assign(buildings: AlignedProfile[], residuals: AlignedProfile[], options: WorkerAssignmentOptions): { assignments: Assignment[]; computeMs: number };
}

const api: AssignmentWorkerApi = {
  assign(buildings, residuals, options) {
    const started = performance.now();
    const assignments = [...assignBuildings(buildings, residuals, options)];
    return { assignments, computeMs: performance.now() - started };
  },
};

exposeToModule(api);
