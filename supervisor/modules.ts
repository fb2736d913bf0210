/**
 * Which modules exist, resolved the way `gridlink run` resolves them: a name
 * under the compiled actors/ folder (examples/generator, or generator for an
 * example), or the path of a compiled module file.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/actors, seen from dist/supervisor. */
const actorsDir = fileURLToPath(new URL('../actors/', import.meta.url));

/** The module as `gridlink run` will get it (a name stays a name, a file becomes absolute), or undefined if there is none. */
export function resolveModule(spec: string, baseDir: string): string | undefined {
  if (spec.endsWith('.js') || spec.startsWith('.') || isAbsolute(spec)) {
    const path = resolve(baseDir, spec);
    return existsSync(path) ? path : undefined;
  }
  if (spec.includes('..')) return undefined;
  for (const candidate of [join(actorsDir, spec, 'module.js'), join(actorsDir, 'examples', spec, 'module.js')]) {
    if (existsSync(candidate)) return spec;
  }
  return undefined;
}
