export type { AssignBuildings, Assignment, AssignmentMethod, AssignmentOptions } from './api.js';
export { assignBuildings, ASSIGNMENT_METHODS, isAssignmentMethod } from './assign.js';
export { pearsonAtLag, bestLaggedPearson } from './correlation.js';
