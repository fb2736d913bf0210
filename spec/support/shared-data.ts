/**
 * The public data the grid tests read (../shared/data beside the project,
 * or GRIDLINK_SHARED_DATA). It is never copied into the project.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The shared data folder; throws, naming where it looked, when it is missing. */
export function sharedDataRoot(): string {
  const root = process.env.GRIDLINK_SHARED_DATA ?? resolve(REPO_ROOT, '../shared/data');
  if (!existsSync(root)) {
    throw new Error(
      `the shared grid data folder ${root} does not exist: set GRIDLINK_SHARED_DATA to the folder holding cimpy_sample_grid_switches/, simbench_lv_rural1_cim/ ... (see /work/shared/research/grid.md)`,
    );
  }
  return root;
}

/** A path inside the shared data folder; throws when it does not exist. */
export function sharedData(...parts: string[]): string {
  const path = join(sharedDataRoot(), ...parts);
  if (!existsSync(path)) throw new Error(`${path} is missing from the shared grid data folder`);
  return path;
}
