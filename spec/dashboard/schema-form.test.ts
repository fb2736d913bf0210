// The configuration form of the dashboard (actors/dashboard/web/components/schema-form.ts) in
// real headless Chromium, on the configSchema and defaults of every app manifest of the project:
// the form starts valid with the defaults and hands them back, inputs give typed values, and each
// mistake is named beside its field. The page is served by a small server of this test that
// bundles a harness around the form with esbuild at start (as tools/build-web.mjs bundles the app:
// preact and htm inside, no import map), so the test runs on the sources as they are, without
// `npm run build`.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newDashboardPage, screenshot } from '../support/browser.js';
import { repoRoot } from '../support/processes.js';

interface Manifest {
  name: string;
  config?: unknown;
  configSchema?: unknown;
}

interface FormState {
  value: unknown;
  problems: { path: (string | number)[]; message: string }[];
  valid: boolean;
}

/** What the harness page puts on its window (the test's tsconfig has no DOM types). */
interface Harness {
  harnessReady?: boolean;
  formState?: FormState;
  mountForm: (schema: unknown, value: unknown, name: string) => void;
  requestAnimationFrame: (callback: () => void) => number;
}

const manifests: { dir: string; manifest: Manifest }[] = readdirSync(join(repoRoot, 'actors'))
  .filter((dir) => existsSync(join(repoRoot, 'actors', dir, 'manifest.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(repoRoot, 'actors', dir, 'manifest.json'), 'utf8')) as Manifest }));

function manifestOf(dir: string): Manifest {
  const found = manifests.find((entry) => entry.dir === dir);
  if (!found) throw new Error(`no manifest actors/${dir}/manifest.json`);
  return found.manifest;
}

const WEB_DIR = join(repoRoot, 'actors/dashboard/web');

const harnessScript = `
import { h, render } from 'preact';
import { SchemaForm } from './components/schema-form.js';
let mounted = 0;
window.mountForm = (schema, value, name) => {
  window.formState = undefined;
  const root = document.getElementById('root');
  render(null, root);
  render(h(SchemaForm, { key: ++mounted, schema, value, name, onChange: (state) => { window.formState = state; } }), root);
};
window.harnessReady = true;
`;

const harnessPage = `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/harness.css">
<script type="module" src="/harness.js"></script>
</head><body><main id="root" style="padding: 8px"></main></body></html>`;

/** The harness script and the app's style sheet, bundled like the app (not minified: errors stay readable). */
async function bundleHarness(): Promise<{ script: string; styles: string }> {
  const common = { absWorkingDir: repoRoot, bundle: true, write: false, logLevel: 'silent', tsconfig: join(repoRoot, 'tsconfig.web.json') } as const;
  const [script, styles] = await Promise.all([
    build({ ...common, stdin: { contents: harnessScript, resolveDir: WEB_DIR, sourcefile: 'harness.js', loader: 'js' }, format: 'esm', platform: 'browser', target: ['es2022'] }),
    build({ ...common, entryPoints: [join(WEB_DIR, 'app.css')], outfile: 'harness.css' }),
  ]);
  return { script: script.outputFiles[0]!.text, styles: styles.outputFiles[0]!.text };
}

/** Serves the harness page and its bundle. */
async function startHarnessServer(): Promise<Server> {
  const bundle = await bundleHarness();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      response.end(body);
    };
    if (path === '/') return send(200, 'text/html', harnessPage);
    if (path === '/harness.js') return send(200, 'text/javascript', bundle.script);
    if (path === '/harness.css') return send(200, 'text/css', bundle.styles);
    send(404, 'text/plain', `not found: ${path}`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startHarnessServer();
  browser = await launchChromium();
  ({ page } = await newDashboardPage(browser, `http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');
  await page.waitForFunction(() => (globalThis as unknown as Harness).harnessReady === true);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function mount(schema: unknown, value: unknown, name = 'app'): Promise<FormState> {
  await page.evaluate(
    ({ schema, value, name }) => (globalThis as unknown as Harness).mountForm(schema, value, name),
    { schema, value, name },
  );
  return state();
}

async function state(): Promise<FormState> {
  // onChange runs in an effect after the render: wait for it, then read.
  await page.waitForFunction(() => (globalThis as unknown as Harness).formState !== undefined);
  return page.evaluate(async () => {
    const harness = globalThis as unknown as Harness;
    await new Promise((resolve) => harness.requestAnimationFrame(() => setTimeout(resolve, 0)));
    return harness.formState as FormState;
  });
}

const field = (path: string) => page.locator(`[data-test=schema-field][data-path="${path}"]`);
const input = (path: string) => page.locator(`[data-test=schema-field][data-path="${path}"] > [data-test=schema-input]`);
const messages = (path: string) => page.locator(`[data-test=schema-field][data-path="${path}"] > [data-test=field-problem]`).allTextContents();

describe('schema form: every app manifest of the project', () => {
  it('finds the manifests', () => {
    expect(manifests.map((entry) => entry.dir)).toEqual(expect.arrayContaining(['storage', 'app-manager', 'alarms', 'grm', 'ssd', 'modbus-gateway', 'iec104-gateway']));
  });

  it('starts valid with each app\'s defaults and hands them back unchanged', async () => {
    for (const { dir, manifest } of manifests) {
      const result = await mount(manifest.configSchema, manifest.config, dir);
      expect({ dir, problems: result.problems }).toEqual({ dir, problems: [] });
      expect({ dir, value: result.value }).toEqual({ dir, value: manifest.config ?? {} });
      // Every top-level setting of the schema has a field.
      const properties = Object.keys((manifest.configSchema as { properties?: object } | undefined)?.properties ?? {});
      for (const name of properties) expect({ dir, name, count: await field(name).count() }).toEqual({ dir, name, count: 1 });
      expect(await page.locator('[data-test=schema-form]').getAttribute('data-valid')).toBe('true');
    }
    await screenshot(page, 'schema-form-iec104-gateway');
    expect(pageErrors).toEqual([]);
  });
});

describe('schema form: inputs and field-level messages', () => {
  it('numbers and integers: typed values, bounds, whole numbers, text that is no number', async () => {
    const manifest = manifestOf('app-manager');
    await mount(manifest.configSchema, manifest.config, 'app-manager');
    expect(await field('healthWindowMs').getAttribute('data-kind')).toBe('number');
    expect(await field('healthWindowMs').locator('.field-hint').textContent()).toBe('≥ 0');

    await input('healthWindowMs').fill('abc');
    let result = await state();
    expect(await messages('healthWindowMs')).toEqual(['must be a number']);
    expect(result.valid).toBe(false);
    expect(result.value).not.toHaveProperty('healthWindowMs');
    expect(await page.locator('[data-test=schema-form]').getAttribute('data-valid')).toBe('false');
    expect(await page.locator('[data-test=schema-form-summary]').textContent()).toContain('1 setting needs attention');

    await input('healthWindowMs').fill('-5');
    expect(await messages('healthWindowMs')).toEqual(['must be at least 0']);
    await input('healthWindowMs').fill('2.5');
    expect(await messages('healthWindowMs')).toEqual(['must be a whole number']);
    await input('startTimeoutMs').fill('50');
    expect(await messages('startTimeoutMs')).toEqual(['must be at least 100']);
    result = await state();
    expect(result.problems.map((problem) => problem.path.join('.')).sort()).toEqual(['healthWindowMs', 'startTimeoutMs']);

    await input('healthWindowMs').fill('7000');
    await input('startTimeoutMs').fill('20000');
    result = await state();
    expect(result.valid).toBe(true);
    expect(await messages('healthWindowMs')).toEqual([]);
    expect(result.value).toEqual({ ...(manifest.config as object), healthWindowMs: 7000, startTimeoutMs: 20000 });

    // Nested object: exclusiveMinimum.
    await input('limits.maxRatio').fill('0');
    expect(await messages('limits.maxRatio')).toEqual(['must be more than 0']);
    await input('limits.maxRatio').fill('50');
    result = await state();
    expect(result.valid).toBe(true);
    expect((result.value as { limits: unknown }).limits).toEqual({ maxRatio: 50 });
    await screenshot(page, 'schema-form-app-manager');
  });

  it('text: pattern and minLength; an emptied optional field is left out, so the default applies', async () => {
    const manifest = manifestOf('app-manager');
    await mount(manifest.configSchema, manifest.config, 'app-manager');
    await input('storeUrl').fill('ftp://store');
    expect(await messages('storeUrl')).toEqual(['must match ^(https?://.*)?$']);
    await input('storeUrl').fill('http://127.0.0.1:8400');
    expect(await messages('storeUrl')).toEqual([]);
    await input('agent').fill('');
    const result = await state();
    expect(result.valid).toBe(true);
    expect(result.value).not.toHaveProperty('agent');
    expect((result.value as { storeUrl: string }).storeUrl).toBe('http://127.0.0.1:8400');
  });

  it('enums as selects (also through $ref and of numbers), booleans as checkboxes, descriptions shown', async () => {
    const storage = manifestOf('storage');
    await mount(storage.configSchema, storage.config, 'storage');
    expect(await field('ack').getAttribute('data-kind')).toBe('enum');
    expect(await input('ack').locator('option').allTextContents()).toEqual(['— not set —', 'visible', 'processSafe', 'durable']);
    await input('ack').selectOption({ label: 'processSafe' });
    await input('inMemory').check();
    let result = await state();
    expect(result.value).toMatchObject({ ack: 'processSafe', inMemory: true });
    await input('inMemory').uncheck();
    result = await state();
    expect(result.value).toMatchObject({ inMemory: false });

    const ssd = manifestOf('ssd');
    await mount(ssd.configSchema, ssd.config, 'ssd');
    expect(await input('maxFlips').locator('option:checked').textContent()).toBe('2');
    await input('maxFlips').selectOption({ label: '1' });
    result = await state();
    expect((result.value as { maxFlips: unknown }).maxFlips).toBe(1);
    expect(await field('margin').locator('.field-description').textContent()).toContain('misfit');
    await input('relativeNoise').fill('1');
    expect(await messages('relativeNoise')).toEqual(['must be less than 1']);

    const alarms = manifestOf('alarms');
    await mount(alarms.configSchema, alarms.config, 'alarms');
    expect(await field('system.restartStorm.severity').getAttribute('data-kind')).toBe('enum');
    await input('system.restartStorm.severity').selectOption({ label: 'Critical' });
    result = await state();
    expect(result.value).toMatchObject({ system: { restartStorm: { severity: 'Critical' } } });
  });

  it('lists of primitives: add, fill, remove, with item checks (minItems, pattern)', async () => {
    const storage = manifestOf('storage');
    await mount(storage.configSchema, storage.config, 'storage');
    const list = page.locator('[data-test=schema-list][data-path="measurementTopics"]');
    await list.locator('> [data-test=list-add]').click();
    await input('measurementTopics[1]').fill('field/values');
    let result = await state();
    expect((result.value as { measurementTopics: string[] }).measurementTopics).toEqual(['measurements', 'field/values']);
    await list.locator('> [data-test=list-add]').click();
    expect(await messages('measurementTopics[2]')).toEqual(['must not be empty']);
    await list.locator('[data-test=list-item][data-index="0"] > [data-test=list-remove]').click();
    // The typed text moved with its item.
    expect(await input('measurementTopics[0]').inputValue()).toBe('field/values');
    await list.locator('[data-test=list-item][data-index="1"] > [data-test=list-remove]').click();
    result = await state();
    expect(result.valid).toBe(true);
    expect((result.value as { measurementTopics: string[] }).measurementTopics).toEqual(['field/values']);

    const alarms = manifestOf('alarms');
    await mount(alarms.configSchema, alarms.config, 'alarms');
    // xmpp is optional and empty: no message until something is typed into it.
    expect(await page.locator('[data-test=field-problem]').count()).toBe(0);
    await input('xmpp.service').fill('http://chat');
    expect(await messages('xmpp.service')).toEqual(['must match ^(xmpps?|wss?)://']);
    expect(await messages('xmpp.domain')).toEqual(['required']);
    expect(await messages('xmpp.to')).toEqual(['required']);
    await input('xmpp.service').fill('xmpp://127.0.0.1:5222');
    await input('xmpp.domain').fill('substation.example');
    await input('xmpp.username').fill('alarms');
    await input('xmpp.passwordFile').fill('/etc/gridlink/xmpp.password');
    const to = page.locator('[data-test=schema-list][data-path="xmpp.to"]');
    await to.locator('> [data-test=list-add]').click();
    await to.locator('[data-test=list-item][data-index="0"] > [data-test=list-remove]').click();
    expect(await messages('xmpp.to')).toEqual(['needs at least 1 item']);
    await to.locator('> [data-test=list-add]').click();
    await input('xmpp.to[0]').fill('not a jid');
    expect(await messages('xmpp.to[0]')).toEqual(['must match ^[^@/\\s]+@[^@/\\s]+$']);
    await input('xmpp.to[0]').fill('operator@substation.example');
    result = await state();
    expect(result.problems).toEqual([]);
    expect((result.value as { xmpp: unknown }).xmpp).toEqual({
      service: 'xmpp://127.0.0.1:5222',
      domain: 'substation.example',
      username: 'alarms',
      passwordFile: '/etc/gridlink/xmpp.password',
      to: ['operator@substation.example'],
    });
    await screenshot(page, 'schema-form-alarms');

    // Emptied again, the optional object is left out as it was at the start.
    for (const name of ['service', 'domain', 'username', 'passwordFile']) await input(`xmpp.${name}`).fill('');
    await to.locator('[data-test=list-item][data-index="0"] > [data-test=list-remove]').click();
    result = await state();
    expect(result.value).toEqual(alarms.config);
  });

  it('lists of objects as repeated fieldsets: required fields, nested lists, "must not be 0"', async () => {
    const modbus = manifestOf('modbus-gateway');
    await mount(modbus.configSchema, modbus.config, 'modbus-gateway');
    await page.locator('[data-test=schema-list][data-path="devices"] > [data-test=list-add]').click();
    expect(await messages('devices[0].name')).toEqual(['required']);
    expect(await messages('devices[0].host')).toEqual(['required']);
    await input('devices[0].name').fill('meter-1');
    await input('devices[0].host').fill('127.0.0.1');
    await input('devices[0].port').fill('70000');
    expect(await messages('devices[0].port')).toEqual(['must be at most 65535']);
    await input('devices[0].port').fill('502');
    await page.locator('[data-test=schema-list][data-path="devices[0].polls"] > [data-test=list-add]').click();
    expect(await messages('devices[0].polls[0].points')).toEqual(['required']);
    await input('devices[0].polls[0].periodMs').fill('1000');
    await input('devices[0].polls[0].table').selectOption({ label: 'holding' });
    await input('devices[0].polls[0].address').fill('0');
    const points = page.locator('[data-test=schema-list][data-path="devices[0].polls[0].points"]');
    await points.locator('> [data-test=list-add]').click();
    await input('devices[0].polls[0].points[0].offset').fill('0');
    await input('devices[0].polls[0].points[0].dataPoint').fill('meter-1.p');
    await input('devices[0].polls[0].points[0].scale').fill('0');
    expect(await messages('devices[0].polls[0].points[0].scale')).toEqual(['must not be 0']);
    await input('devices[0].polls[0].points[0].scale').fill('0.1');
    const result = await state();
    expect(result.problems).toEqual([]);
    expect((result.value as { devices: unknown }).devices).toEqual([
      { name: 'meter-1', host: '127.0.0.1', port: 502, polls: [{ periodMs: 1000, table: 'holding', address: 0, points: [{ offset: 0, dataPoint: 'meter-1.p', scale: 0.1 }] }] },
    ]);
    await screenshot(page, 'schema-form-modbus-gateway');
  });

  it('nullable fields: "none" gives null, unticked the field is edited again', async () => {
    const bems = manifestOf('bems-aa');
    await mount(bems.configSchema, bems.config, 'bems-aa');
    const toggle = page.locator('[data-test=null-toggle][data-path="minScore"]');
    expect(await toggle.isChecked()).toBe(true);
    await toggle.uncheck();
    await input('minScore').fill('0.4');
    let result = await state();
    expect((result.value as { minScore: unknown }).minScore).toBe(0.4);
    await toggle.check();
    result = await state();
    expect((result.value as { minScore: unknown }).minScore).toBeNull();

    const iec = manifestOf('iec104-gateway');
    await mount(iec.configSchema, iec.config, 'iec104-gateway');
    const scada = page.locator('[data-test=null-toggle][data-path="scada"]');
    expect(await scada.isChecked()).toBe(true);
    await scada.uncheck();
    expect(await messages('scada.commonAddress')).toEqual(['required']);
    await input('scada.commonAddress').fill('1');
    await input('scada.port').fill('2405');
    result = await state();
    expect(result.valid).toBe(true);
    expect((result.value as { scada: unknown }).scada).toEqual({ commonAddress: 1, port: 2405 });
  });

  it('what the inputs cannot express is JSON text, checked as JSON and against its schema', async () => {
    const grm = manifestOf('grm');
    await mount(grm.configSchema, grm.config, 'grm');
    expect(await field('cimFiles').getAttribute('data-kind')).toBe('json');
    await input('cimFiles').fill('["feeder.xml", ');
    expect((await messages('cimFiles'))[0]).toMatch(/^not valid JSON: /);
    await input('cimFiles').fill('5');
    expect(await messages('cimFiles')).toEqual(['matches none of the allowed forms']);
    await input('cimFiles').fill('["a_EQ.xml", "a_TP.xml"]');
    let result = await state();
    expect(result.valid).toBe(true);
    expect((result.value as { cimFiles: unknown }).cimFiles).toEqual(['a_EQ.xml', 'a_TP.xml']);

    const storage = manifestOf('storage');
    await mount(storage.configSchema, storage.config, 'storage');
    expect(await field('remote').getAttribute('data-kind')).toBe('json');
    await input('remote').fill('[1]');
    expect(await messages('remote')).toEqual(['must be an object or null']);
    await input('remote').fill('{"url": "http://archive"}');
    result = await state();
    expect((result.value as { remote: unknown }).remote).toEqual({ url: 'http://archive' });

    // Items of a list the schema leaves free-form (alarms' rules) are JSON each, problems named by path.
    const alarms = manifestOf('alarms');
    await mount(alarms.configSchema, alarms.config, 'alarms');
    await page.locator('[data-test=schema-list][data-path="rules"] > [data-test=list-add]').click();
    await input('rules[0]').fill('{"id": "v-high", "kind": "threshold"}');
    expect(await field('rules[0]').locator('[data-test=field-problem]').allTextContents()).toEqual(['dataPoints: required', 'severity: required']);

    // A configuration without any schema: the whole of it as JSON.
    await mount(undefined, { a: 1 }, 'free');
    expect(await field('').getAttribute('data-kind')).toBe('json');
    await page.locator('[data-test=schema-input]').fill('{"a": 2, "b": [true]}');
    result = await state();
    expect(result.value).toEqual({ a: 2, b: [true] });
  });

  it('settings the schema does not allow are named; the schema\'s own defaults prefill', async () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['step'],
      properties: { step: { type: 'integer', minimum: 1, default: 3 }, label: { type: 'string', maxLength: 4, default: 'abc' } },
    };
    let result = await mount(schema, undefined, 'defaults');
    expect(result.value).toEqual({ step: 3, label: 'abc' });
    expect(await input('step').inputValue()).toBe('3');
    await input('label').fill('abcde');
    expect(await messages('label')).toEqual(['must be at most 4 characters']);
    await input('step').fill('');
    expect(await messages('step')).toEqual(['required']);

    result = await mount(schema, { step: 2, extra: true }, 'extra');
    expect(result.problems).toEqual([{ path: [], message: 'unknown setting "extra"' }]);
    expect(await page.locator('[data-test=schema-field][data-path=""] > [data-test=field-problem]').allTextContents()).toEqual(['unknown setting "extra"']);
    expect(pageErrors).toEqual([]);
  });
});
