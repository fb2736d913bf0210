/**
 * The dashboard's static files against the real module (`gridlink run`): the web app with its
 * security headers (CSP allowing only the import map's hash as inline script, no framing, no
 * referrer), client-side routes answered with index.html, /vendor files from node_modules by the
 * explicit map with caching and brotli/gzip, ETags, and every path traversal attempt refused 404
 * (sent byte for byte, as an attacker would, not normalised by a URL parser).
 */
import { createHash } from 'node:crypto';
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
const require = createRequire(import.meta.url);
const preactFile = require.resolve('preact');

beforeAll(async () => {
  ({ url } = await runDashboard(await newDomain(), tempDir('dashboard-static')));
});

afterAll(async () => {
  await killAll();
  removeTempDirs();
});

describe('dashboard static files', () => {
  it('serves index.html with CSP (default-src self, the import map by its SHA-256 only), X-Frame-Options DENY, no-referrer', async () => {
    const answer = await rawGet(url, '/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = answer.body.toString('utf8');
    expect(html).toBe(readFileSync(distPath('actors/dashboard/web/index.html'), 'utf8'));
    const csp = String(answer.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(importMap, 'utf8').digest('base64');
    expect(/script-src ([^;]*)/.exec(csp)![1]!.trim()).toBe(`'self' 'sha256-${hash}'`);
    expect(csp).not.toContain('unsafe-inline');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    // Only the import map is inline; every other script is a file.
    expect([...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*type="importmap")[^>]*>/g)]).toEqual([]);
  });

  it('answers client-side routes with the app, missing files with 404', async () => {
    const index = (await rawGet(url, '/')).body;
    for (const path of ['/hosts', '/apps/grm', '/alarms?state=all']) {
      const answer = await rawGet(url, path);
      expect(answer.status, path).toBe(200);
      expect(answer.body.equals(index), path).toBe(true);
    }
    expect((await rawGet(url, '/missing.js')).status).toBe(404);
    expect((await rawGet(url, '/vendor/react.mjs')).status).toBe(404);
    // Unknown API paths are JSON errors, never the app.
    const api = await rawGet(url, '/api/unknown');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString('utf8'))).toMatchObject({ code: 'NotFound' });
  });

  it('serves /vendor files from node_modules, cached a day, compressed as the client accepts, with ETags', async () => {
    const original = readFileSync(preactFile);
    const plain = await rawGet(url, '/vendor/preact.mjs');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=86400');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    const br = await rawGet(url, '/vendor/preact.mjs', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.length).toBeLessThan(original.length / 2);
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    const gzip = await rawGet(url, '/vendor/preact.mjs', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(original)).toBe(true);
    const again = await rawGet(url, '/vendor/preact.mjs', { 'if-none-match': String(plain.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const css = await rawGet(url, '/vendor/uplot.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body.equals(readFileSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css')))).toBe(true);
    for (const name of ['preact-hooks.mjs', 'htm.mjs', 'htm-preact.mjs', 'uplot.mjs']) expect((await rawGet(url, `/vendor/${name}`)).status, name).toBe(200);
    // The contract, for the web app's `import ... from '../api.js'`.
    const contract = await rawGet(url, '/api.js');
    expect(contract.status).toBe(200);
    expect(contract.body.toString('utf8')).toContain('manageApps');
  });

  it('refuses path traversal, raw and encoded, with 404 and nothing from outside the web app', async () => {
    const attempts = [
      '/vendor/../../etc/passwd',
      '/../../../../etc/passwd',
      '/vendor/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/package.json',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/vendor/..%5c..%5cpackage.json',
      '/vendor/preact.mjs/../../../package.json',
      '/.%2e/.%2e/package.json',
      '/index.html%00.js',
      '/%252e%252e/%252e%252e/etc/passwd',
      '/vendor/%2fetc%2fpasswd',
      '/.env',
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
    const head = await fetch(`${url}/vendor/htm.mjs`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
