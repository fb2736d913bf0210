/**
 * The names a package entry may have. Anything that could land outside the
 * target folder or be read differently by another unzip tool is refused with
 * a reason naming the entry.
 */
import { PackageError } from './package-error.js';

/** The entry's name from its raw bytes; refused unless it is valid UTF-8. */
export function decodeEntryName(raw: Buffer, file: string): string {
  const name = raw.toString('utf8');
  if (!Buffer.from(name, 'utf8').equals(raw)) {
    throw new PackageError('BadPackage', `${file}: entry ${JSON.stringify(name)}: the name is not valid UTF-8`, { file, entry: name });
  }
  return name;
}

/** Throws unless `name` is a plain relative path ("module/actors/storage/module.js", "module/actors/"). */
export function checkEntryName(name: string, file: string): void {
  const refuse = (why: string): never => {
    throw new PackageError('BadPackage', `${file}: entry ${JSON.stringify(name)}: ${why}`, { file, entry: name });
  };
  if (name.length === 0) refuse('empty name');
  if (name.includes('\0')) refuse('NUL character in the name');
  if (name.includes('\\')) refuse('backslash in the name (paths use /)');
  if (/^[A-Za-z]:/.test(name)) refuse('drive letter (absolute Windows path)');
  if (name.startsWith('/')) refuse('absolute path');
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  for (const segment of segments) {
    if (segment === '..') refuse("'..' in the path (it would escape the target folder)");
    if (segment === '.' || segment === '') refuse("empty or '.' path segment");
    if (/[\u0000-\u001f\u007f]/.test(segment)) refuse('control character in the name');
  }
}
