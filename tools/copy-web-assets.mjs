// `npm run build`, last step: tsc compiles the dashboard's web app (tsconfig.web.json) but copies
// nothing else; its index.html, style sheets and images go next to the compiled scripts in
// dist/actors/dashboard/web, the only folder the dashboard serves its web app from.
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(root, 'actors/dashboard/web');
const to = path.join(root, 'dist/actors/dashboard/web');
if (existsSync(from)) {
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true, filter: (source) => !source.endsWith('.ts') });
}
