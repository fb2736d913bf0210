/** Where the benchmark finds the repository (for the Python scripts) and the shared data, from source or from dist/. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above this file holding a package.json: the repository, whether this runs from tools/ or dist/tools/. */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();

/** The Python peers stay in the source tree (tsc copies no .py into dist). */
export const PYTHON_SCRIPTS = join(REPO_ROOT, 'tools', 'bench', 'grid-model');

/** GRIDLINK_SHARED_DATA, else the shared folder beside the repository (never copied into it). */
export function sharedDataDir(): string {
  return process.env.GRIDLINK_SHARED_DATA ?? resolve(REPO_ROOT, '../shared/data');
}
