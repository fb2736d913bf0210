/**
 * The dashboard's static files against the real module (`gridlink run`): the bundled web app
 * (tools/build-web.mjs: index.html, app-<hash>.js, app-<hash>.css) with its security headers (CSP
 * allowing scripts from the dashboard only, no inline script at all, no framing, no referrer),
 * hashed files immutable for a year and index.html revalidated by ETag, brotli/gzip as the client
 * accepts (the build's compressed copies, never served by their own names), client-side routes
 * answered with index.html, nothing of the former /vendor map or /api.js, and every path traversal
 * attempt refused 404 (sent byte for byte, as an attacker would, not normalised by a URL parser).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../actor/helpers.js';
import { distPath, killAll } from '../support/processes.js';
import { newDomain } from '../supervisor/helpers.js';
import { rawGet, runDashboard } from './backend-helpers.js';

let url: string;
let script: string;
let styles: string;
const require = createRequire(import.meta.url);
const IMMUTABLE = 'public, max-age=31536000, immutable';

beforeAll(async () => {
  ({ url } = await runDashboard(await newDomain(), tempDir('dashboard-static')));
  const html = readFileSync(distPath('actors/dashboard/web/index.html'), 'utf8');
  script = /<script type="module" src="\/(app-[A-Z2-7]{8}\.js)"><\/script>/.exec(html)![1]!;
  styles = /<link rel="stylesheet" href="\/(app-[A-Z2-7]{8}\.css)">/.exec(html)![1]!;
});

afterAll(async () => {
  await killAll();
  removeTempDirs();
});

describe('dashboard static files', () => {
  it('serves index.html with CSP (scripts from self only, no inline script), X-Frame-Options DENY, no-referrer, revalidated by ETag', async () => {
    const answer = await rawGet(url, '/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = answer.body.toString('utf8');
    expect(html).toBe(readFileSync(distPath('actors/dashboard/web/index.html'), 'utf8'));
    const csp = String(answer.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(/script-src ([^;]*)/.exec(csp)![1]!.trim()).toBe("'self'");
    expect(/style-src ([^;]*)/.exec(csp)![1]!.trim()).toBe("'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('sha256-');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    // Two requests for the whole app: one script file, one style sheet; nothing inline, no import map.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([`<script type="module" src="/${script}">`]);
    expect([...html.matchAll(/<link\b[^>]*>/g)].map((m) => m[0])).toEqual([`<link rel="stylesheet" href="/${styles}">`]);
    expect(html).not.toContain('importmap');
    expect(html).not.toContain('/vendor/');
    expect(answer.headers['cache-control']).toBe('no-cache');
    const etag = String(answer.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await rawGet(url, '/', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('answers client-side routes with the app (not cacheable for long), missing files with 404', async () => {
    const index = (await rawGet(url, '/')).body;
    for (const path of ['/hosts', '/apps/grm', '/alarms?state=all', '/datapoints/feeder.F1.voltage', '/index.html']) {
      const answer = await rawGet(url, path);
      expect(answer.status, path).toBe(200);
      expect(answer.body.equals(index), path).toBe(true);
      expect(answer.headers['cache-control'], path).toBe('no-cache');
    }
    for (const path of ['/missing.js', '/app.js', '/app-AAAAAAAA.js', '/app.css', '/api.js', '/uplot.css']) expect((await rawGet(url, path)).status, path).toBe(404);
    // The /vendor map is gone: below a folder the app does not have is a page's place, so the app.
    for (const path of ['/vendor/preact.mjs', '/vendor/uplot.css']) expect((await rawGet(url, path)).body.equals(index), path).toBe(true);
    // Unknown API paths are JSON errors, never the app.
    const api = await rawGet(url, '/api/unknown');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString('utf8'))).toMatchObject({ code: 'NotFound' });
  });

  it('serves the bundle minified with everything in it, immutable for a year, compressed as the client accepts, with ETags', async () => {
    const original = readFileSync(distPath(`actors/dashboard/web/${script}`));
    const plain = await rawGet(url, `/${script}`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe(IMMUTABLE);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    const text = original.toString('utf8');
    // No bare import left for the browser to resolve: preact, htm and uPlot are inside.
    expect(text).not.toMatch(/\bfrom\s*["'](preact|htm|uplot)/);
    expect(text).not.toMatch(/\bimport\s*["'(]/);
    expect(text).toContain('uplot'); // uPlot's class names
    expect(text).toContain('manageApps'); // the contract's permissions
    expect(text).not.toContain('Adding a page'); // minified: app.ts's comments are gone
    expect(text).toMatch(new RegExp(`//# sourceMappingURL=${script}\\.map\\s*$`));
    const br = await rawGet(url, `/${script}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe(IMMUTABLE);
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.body.length).toBeLessThan(original.length / 2);
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    const gzip = await rawGet(url, `/${script}`, { 'accept-encoding': 'gzip, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(original)).toBe(true);
    const again = await rawGet(url, `/${script}`, { 'if-none-match': String(plain.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // The compressed copies exist only as encodings of their file.
    for (const path of [`/${script}.br`, `/${script}.gz`, `/${styles}.br`]) expect((await rawGet(url, path)).status, path).toBe(404);
    // One style sheet: uPlot's rules and ours.
    const css = await rawGet(url, `/${styles}`, { 'accept-encoding': 'br' });
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe(IMMUTABLE);
    const cssText = brotliDecompressSync(css.body).toString('utf8');
    expect(cssText).toContain('.uplot');
    expect(cssText).toContain('.u-over');
    expect(cssText).toContain('.splash');
    expect(cssText).not.toContain('@import');
    expect(readFileSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), 'utf8')).toContain('.u-over');
    // The source map, for the browser's tools.
    const map = await rawGet(url, `/${script}.map`);
    expect(map.status).toBe(200);
    expect(map.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((JSON.parse(map.body.toString('utf8')) as { sources: string[] }).sources.some((source) => source.endsWith('actors/dashboard/web/app.ts'))).toBe(true);
  });

  it('refuses path traversal, raw and encoded, with 404 and nothing from outside the web app', async () => {
    const attempts = [
      `/${script}/../../../package.json`,
      '/../../../../etc/passwd',
      '/web/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/package.json',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/..%5c..%5cpackage.json',
      '/.%2e/.%2e/package.json',
      '/index.html%00.js',
      '/%252e%252e/%252e%252e/etc/passwd',
      '/%2fetc%2fpasswd',
      '/.env',
      '/.index.html.1',
    ];
    for (const path of attempts) {
      const answer = await rawGet(url, path);
      expect(answer.status, path).toBe(404);
      const body = answer.body.toString('utf8');
      expect(body, path).not.toContain('root:');
      expect(body, path).not.toContain('"dependencies"');
    }
  });

  it('allows only GET and HEAD outside /api', async () => {
    const post = await fetch(`${url}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    const head = await fetch(`${url}/${styles}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(await head.text()).toBe('');
  });
});
