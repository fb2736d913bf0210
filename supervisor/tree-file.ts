/**
 * Loading a tree file: JSON (.json) or YAML (.yaml, .yml), validated; a
 * problem becomes a TreeFileError that names the file and the field.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolveModule } from './modules.js';
import { TreeSpecError, validateTree, type TreeSpec, type ValidationContext } from './spec.js';

export class TreeFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    /** The bad field, when the content (not the syntax) is wrong. */
    readonly field?: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'TreeFileError';
  }
}

/** Relative module files, configuration files and the log folder are taken relative to the tree file's folder. */
export function contextFor(baseDir: string): ValidationContext {
  return {
    resolveModule: (module) => resolveModule(module, baseDir),
    resolveFile: (file) => resolve(baseDir, file),
  };
}

export function loadTreeFile(path: string): TreeSpec {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TreeFileError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseTree(text, file);
}

/** Parses and validates the text of a tree file (`file` decides JSON or YAML and is the base of relative paths). */
export function parseTree(text: string, file: string): TreeSpec {
  const yaml = ['.yaml', '.yml'].includes(extname(file).toLowerCase());
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new TreeFileError(file, `not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`);
  }
  try {
    return validateTree(raw, contextFor(dirname(file)));
  } catch (error) {
    if (error instanceof TreeSpecError) throw new TreeFileError(file, error.message, error.field);
    throw error;
  }
}
