/**
 * `npm run schemas`: regenerates schemas/generated/ from schemas/*.fbs.
 *
 * 1. Insists on the pinned compiler, flatc 2.0.8 (Debian bookworm's
 *    flatbuffers-compiler); set FLATC to use a binary not on PATH.
 * 2. Parses and checks the schemas itself (parser.ts, resolve.ts), so mistakes
 *    are reported with file:line before flatc runs.
 * 3. Runs `flatc --ts` into generated/flatc/, then rewrites relative imports to
 *    end in ".js" (2.0.8 emits extensionless ones, which NodeNext ESM cannot
 *    resolve) and replaces flatc's per-schema barrel files, which 2.0.8 leaves
 *    incomplete, with ones that re-export every type of the schema.
 * 4. Emits generated/messages.ts (emit.ts).
 *
 * The output is committed, so building and testing need no flatc; the test
 * spec/schemas/staleness.test.ts regenerates into a temporary folder and
 * fails when the committed files differ.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emitMessages } from './emit.js';
import { FbsError } from './parser.js';
import { loadSchemas } from './resolve.js';

/** The one flatc version whose output is committed. */
export const PINNED_FLATC_VERSION = '2.0.8';

/** A generation problem with a message meant for people (no stack trace needed). */
export class GenerateError extends Error {
  override readonly name = 'GenerateError';
}

export interface GenerateOptions {
  /** Folder holding the *.fbs files. */
  readonly schemaDir: string;
  /** Folder to write into; its flatc/ and messages.ts are replaced. */
  readonly outDir: string;
  /** The flatc binary (default: $FLATC, else "flatc" on PATH). */
  readonly flatc?: string;
  /** Error positions are shown relative to this folder (default: the current one). */
  readonly displayRoot?: string;
}

export interface GenerateResult {
  /** Every file written, relative to outDir, with forward slashes, sorted. */
  readonly files: readonly string[];
  readonly schemas: readonly string[];
}

/** Checks that `flatc` is the pinned version; throws GenerateError saying what to do otherwise. */
export function checkFlatc(flatc: string): void {
  let output: string;
  try {
    output = execFileSync(flatc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new GenerateError(
      code === 'ENOENT'
        ? `schemas: flatc not found (tried ${JSON.stringify(flatc)}). Install flatc ${PINNED_FLATC_VERSION}: ` +
            "on Debian bookworm `apt-get install flatbuffers-compiler`, or point FLATC at a flatc 2.0.8 binary."
        : `schemas: could not run ${flatc} --version: ${(e as Error).message}`,
    );
  }
  if (output !== `flatc version ${PINNED_FLATC_VERSION}`) {
    throw new GenerateError(
      `schemas: ${flatc} says "${output}", but the generated code is pinned to flatc ${PINNED_FLATC_VERSION} ` +
        '(Debian bookworm package flatbuffers-compiler). Install that version or point FLATC at it; ' +
        'a different flatc would make the committed code churn.',
    );
  }
}

/** Regenerates everything from the schemas in schemaDir into outDir. */
export function generateSchemas(options: GenerateOptions): GenerateResult {
  const flatc = options.flatc ?? process.env['FLATC'] ?? 'flatc';
  const schemaDir = path.resolve(options.schemaDir);
  const outDir = path.resolve(options.outDir);
  checkFlatc(flatc);

  const schemas = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.fbs') && statSync(path.join(schemaDir, f)).isFile())
    .sort();
  if (schemas.length === 0) throw new GenerateError(`schemas: no .fbs files in ${schemaDir}`);

  let resolved;
  try {
    resolved = loadSchemas(schemaDir, schemas, options.displayRoot ?? process.cwd());
  } catch (e) {
    if (e instanceof FbsError) throw new GenerateError(`schemas: ${e.message}`);
    throw e;
  }

  const flatcDir = path.join(outDir, 'flatc');
  rmSync(flatcDir, { recursive: true, force: true });
  rmSync(path.join(outDir, 'messages.ts'), { force: true });
  mkdirSync(flatcDir, { recursive: true });

  const run = spawnSync(flatc, ['--ts', '-I', schemaDir, '-o', flatcDir, ...schemas.map((s) => path.join(schemaDir, s))], {
    encoding: 'utf8',
  });
  if (run.error) throw new GenerateError(`schemas: could not run flatc: ${run.error.message}`);
  if (run.signal) {
    throw new GenerateError(
      `schemas: flatc crashed (${run.signal}). flatc 2.0.8 --ts is known to crash on a struct nested in a ` +
        'struct whose inner struct has an enum field; look for such a construct.',
    );
  }
  if (run.status !== 0) {
    throw new GenerateError(`schemas: flatc failed:\n${(run.stderr || run.stdout).trim()}`);
  }

  // Fix imports, and collect which file defines which type.
  const typeFiles = new Map<string, string>();
  for (const rel of listFiles(flatcDir)) {
    const file = path.join(flatcDir, rel);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, withJsImports(text));
    if (rel.endsWith('_generated.ts')) continue;
    const dir = path.posix.dirname(rel);
    for (const m of text.matchAll(/^export (?:class|enum) (\w+)/gm)) {
      typeFiles.set(dir === '.' ? m[1]! : `${dir.split('/').join('.')}.${m[1]}`, rel);
    }
  }
  for (const file of resolved.files) {
    const stem = path.posix.basename(file.name, '.fbs');
    const barrel = path.join(flatcDir, `${stem}_generated.ts`);
    const lines = [`// Generated by tools/schemas/generate.ts: every type flatc ${PINNED_FLATC_VERSION} generated for ${file.name}.`, ''];
    const targets = new Set<string>();
    for (const type of file.types) {
      const rel = typeFiles.get(type);
      if (!rel) throw new GenerateError(`schemas: flatc produced no file for ${type}`);
      targets.add(rel);
    }
    for (const rel of [...targets].sort()) lines.push(`export * from './${rel.replace(/\.ts$/, '.js')}';`);
    writeFileSync(barrel, `${lines.join('\n')}\n`);
  }

  writeFileSync(path.join(outDir, 'messages.ts'), emitMessages(resolved, path.basename(schemaDir)));

  const files = ['messages.ts', ...listFiles(flatcDir).map((f) => `flatc/${f}`)].sort();
  return { files, schemas };
}

/**
 * Makes every relative import and re-export specifier end in ".js", and
 * points the flatbuffers runtime at its ES module build: the package's main
 * entry is CommonJS, and importing CommonJS from an ES module makes Node load
 * its CommonJS export scanner, megabytes of resident memory in every module.
 */
export function withJsImports(text: string): string {
  return text
    .replace(/(\bfrom\s+)(['"])(\.{1,2}\/[^'"]*?)(['"])/g, (whole, from: string, q1: string, spec: string, q2: string) =>
      spec.endsWith('.js') ? whole : `${from}${q1}${spec}.js${q2}`,
    )
    .replace(/(\bfrom\s+)(['"])flatbuffers(['"])/g, '$1$2flatbuffers/mjs/flatbuffers.js$3');
}

/** Files under dir (recursively), relative, with forward slashes, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  if (existsSync(dir)) walk('');
  return out.sort();
}

/** The project folder: the nearest ancestor of this module with Gridlink's package.json. */
export function projectRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'gridlink') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new GenerateError('schemas: cannot find the Gridlink project folder');
    dir = parent;
  }
}

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: npm run schemas [-- --out <dir>]\n\n' +
        `Regenerates schemas/generated/ (flatc ${PINNED_FLATC_VERSION} TypeScript and messages.ts) from schemas/*.fbs.\n` +
        'Set FLATC to the flatc binary if it is not on PATH.\n',
    );
    return 0;
  }
  const root = projectRoot();
  const outIndex = argv.indexOf('--out');
  const outDir = outIndex >= 0 && argv[outIndex + 1] ? path.resolve(argv[outIndex + 1]!) : path.join(root, 'schemas', 'generated');
  try {
    const result = generateSchemas({ schemaDir: path.join(root, 'schemas'), outDir, displayRoot: root });
    process.stdout.write(
      `schemas: ${result.schemas.join(', ')} -> ${path.relative(root, outDir) || outDir} ` +
        `(${result.files.length} files, flatc ${PINNED_FLATC_VERSION})\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof GenerateError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
