/** Where the benchmark finds the repository (for the Python scripts) and the shared data, from source or from dist/. */
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../repo-root.js';

export { REPO_ROOT };

/** The Python peers stay in the source tree (tsc copies no .py into dist). */
export const PYTHON_SCRIPTS = join(REPO_ROOT, 'tools', 'bench', 'grid-model');

/** GRIDLINK_SHARED_DATA, else the shared folder beside the repository (never copied into it). */
export function sharedDataDir(): string {
  return process.env.GRIDLINK_SHARED_DATA ?? resolve(REPO_ROOT, '../shared/data');
}
