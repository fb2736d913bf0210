// `npm run build`, last step: bundles the dashboard's web app with esbuild into
// dist/actors/dashboard/web, the only folder the dashboard serves it from. tsc only type-checks the
// web app (tsconfig.web.json --noEmit); this writes what the browser loads:
//   app-<hash>.js   actors/dashboard/web/app.ts with preact, htm, uPlot and the contract, minified
//   app-<hash>.css  actors/dashboard/web/app.css (uPlot's style sheet, then ours), minified
//   + their source maps, and brotli (.br) and gzip (.gz) copies the server sends as they are
//   index.html      the page, pointing at the hashed names
// The hash changes with the content, so the server lets browsers keep these files for a year
// (immutable) and only index.html is revalidated. The folder is written in place: new files first,
// index.html last (renamed into place), then the files of earlier builds are removed, so a
// dashboard running from dist/ never serves a page whose assets are missing.
import { build } from 'esbuild';
import { readdirSync, readFileSync, renameSync, rmSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'actors/dashboard/web');
const out = path.join(root, 'dist/actors/dashboard/web');
mkdirSync(out, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: [
    { in: path.join(source, 'app.ts'), out: 'app' },
    { in: path.join(source, 'app.css'), out: 'app' },
  ],
  outdir: out,
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: 'linked',
  tsconfig: path.join(root, 'tsconfig.web.json'),
  metafile: true,
  write: true,
  logLevel: 'warning',
});

const written = Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file));
const entry = (extension) => {
  const file = written.find((name) => name.endsWith(extension) && path.basename(name).startsWith('app-'));
  if (!file) throw new Error(`esbuild wrote no app-<hash>${extension}`);
  return path.basename(file);
};
const script = entry('.js');
const styles = entry('.css');

// Compressed once here, at the best levels (too slow per request), so the first load pays nothing.
const keep = new Set(['index.html']);
for (const file of written) {
  keep.add(path.basename(file));
  if (file.endsWith('.map')) continue;
  const bytes = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
  writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
  keep.add(`${path.basename(file)}.br`).add(`${path.basename(file)}.gz`);
}

const template = readFileSync(path.join(source, 'index.html'), 'utf8');
const references = /\b(href|src)="\/app\.(css|js)"/g;
if ((template.match(references) ?? []).length !== 2) throw new Error('actors/dashboard/web/index.html must have href="/app.css" and src="/app.js" once each');
const page = template.replace(references, (_, attribute, extension) => `${attribute}="/${extension === 'js' ? script : styles}"`);
const temporary = path.join(out, `.index.html.${process.pid}`);
writeFileSync(temporary, page);
renameSync(temporary, path.join(out, 'index.html'));

// Earlier builds: older hashed files, and the per-file output of the tsc build before the bundle.
for (const name of readdirSync(out)) if (!keep.has(name)) rmSync(path.join(out, name), { recursive: true, force: true });

const size = (name) => statSync(path.join(out, name)).size;
console.log(`web app: ${script} ${size(script)} B (br ${size(`${script}.br`)} B), ${styles} ${size(styles)} B (br ${size(`${styles}.br`)} B)`);
