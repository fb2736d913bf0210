// Where SaveDataPointsCSV may write: only inside the export folder. A requested path is refused
// (InvalidArgument) when it is absolute, has a ".." segment, or reaches through a symbolic link
// that leads out of the folder; each folder on the way is resolved with realpath before anything
// is created below it, and the file itself must not be a symbolic link.

import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { StoreError } from '../../core/storacle/store/api.js';

const MAX_PATH_LENGTH = 1024;
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface ExportTarget {
  /** Absolute path of the file to write (its folder is the real, checked one). */
  file: string;
  /** The real folder the file goes into. */
  folder: string;
  /** The file's name in that folder. */
  name: string;
  /** Whether a file of that name exists already. */
  exists: boolean;
}

function refuse(reason: string): never {
  throw new StoreError('InvalidArgument', `CSV path refused: ${reason}`);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function statOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export class ExportFolder {
  constructor(readonly dir: string) {}

  /** Checks a requested path (relative to the export folder) and creates its missing subfolders. */
  resolve(requested: string): ExportTarget {
    if (requested.length === 0) refuse('the path is empty');
    if (requested.length > MAX_PATH_LENGTH) refuse(`the path is longer than ${MAX_PATH_LENGTH} characters`);
    if (CONTROL.test(requested)) refuse('the path contains a control character');
    if (isAbsolute(requested) || requested.startsWith('\\') || /^[A-Za-z]:/.test(requested)) refuse(`${requested} is absolute; give a path relative to the export folder`);
    if (requested.includes('\\')) refuse('use "/" to separate folders');
    const segments = requested.split('/');
    if (segments.some((s) => s === '..')) refuse(`${requested} leaves the export folder ("..")`);
    const name = segments.pop()!;
    if (name === '' || name === '.') refuse(`${requested} names a folder, not a file`);

    mkdirSync(this.dir, { recursive: true });
    const root = realpathSync(this.dir);
    let folder = root;
    for (const segment of segments) {
      if (segment === '' || segment === '.') continue;
      const next = join(folder, segment);
      const stat = statOrUndefined(next);
      if (!stat) {
        mkdirSync(next);
      } else if (!stat.isDirectory() && !stat.isSymbolicLink()) {
        refuse(`${segment} in ${requested} is not a folder`);
      }
      // A symbolic link is followed only as far as it stays inside the export folder.
      const real = realpathSync(next);
      if (!inside(root, real)) refuse(`${requested} leads out of the export folder through a symbolic link`);
      if (!lstatSync(real).isDirectory()) refuse(`${segment} in ${requested} is not a folder`);
      folder = real;
    }
    const file = join(folder, name);
    const stat = statOrUndefined(file);
    if (stat?.isSymbolicLink()) refuse(`${requested} is a symbolic link`);
    if (stat && !stat.isFile()) refuse(`${requested} exists and is not a regular file`);
    return { file, folder, name, exists: stat !== undefined };
  }
}
