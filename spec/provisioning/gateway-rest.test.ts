/**
 * The REST gateway (actors/app-gateway) in front of the real AppManager, both under a real host
 * agent, installing signed packages from a real App Store: bearer tokens and scopes, every
 * endpoint's happy path along the chain-a ← chain-b ← chain-c dependency chain with progress as
 * server-sent events, the AppManager's refusals as HTTP statuses, malformed requests answered
 * 4xx while the gateway keeps serving, `host` passed on to the AppManager, and 503 once the
 * AppManager is gone.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { ADMIN_TOKEN, http, publishRelease, READ_TOKEN, readEvents, startGatewaySetup, type GatewaySetup } from './gateway-helpers.js';

let setup: GatewaySetup;

beforeAll(async () => {
  setup = await startGatewaySetup();
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await killAll();
  removeTempDirs();
});

const get = (path: string, token = ADMIN_TOKEN) => http(setup.url, 'GET', path, { token });
const post = (path: string, body: unknown, token = ADMIN_TOKEN) => http(setup.url, 'POST', path, { token, body });
/** Sends raw bytes to the gateway's port; resolves with what came back before it closed. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy());
  });
}

const appLines = (body: Record<string, unknown>): string[] => (body.apps as { name: string; version: string; state: string }[]).map((a) => `${a.name} ${a.version} ${a.state}`);

describe('REST gateway: authentication', () => {
  it('answers /health without a token, and nothing else', async () => {
    expect((await get('/health', '')).body).toEqual({ status: 'ok' });
    const bare = await get('/apps', '');
    expect(bare.status).toBe(401);
    expect(bare.body.code).toBe('Unauthorized');
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses a wrong token and a malformed Authorization header', async () => {
    const wrong = await get('/apps', 'not-the-token-at-all-0000');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ code: 'Unauthorized', message: 'unknown token' });
    const basic = await http(setup.url, 'GET', '/apps', { headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } });
    expect(basic.status).toBe(401);
    expect(basic.body.message).toMatch(/Bearer <token>/);
  });

  it('lets a read token look but not change (403)', async () => {
    const list = await get('/apps', READ_TOKEN);
    expect(list.status).toBe(200);
    expect(list.body.apps).toEqual([]);
    const install = await post('/apps/chain-a/install', {}, READ_TOKEN);
    expect(install.status).toBe(403);
    expect(install.body).toEqual({ code: 'Forbidden', message: 'token "dashboard-viewer" lacks scope "admin"' });
    expect((await get('/apps', READ_TOKEN)).body.apps).toEqual([]);
  });
});

describe('REST gateway: the provisioning flow', () => {
  it('lists the catalogue', async () => {
    const catalogue = await get('/catalogue');
    expect(catalogue.status).toBe(200);
    const entries = catalogue.body.entries as { manifest: { name: string; version: string; requires: unknown[]; config: unknown }; sha256: string; size_bytes: number }[];
    expect(entries.map((e) => `${e.manifest.name} ${e.manifest.version}`).sort()).toEqual(['chain-a 1.0.0', 'chain-b 1.0.0', 'chain-c 1.0.0']);
    const c = entries.find((e) => e.manifest.name === 'chain-c')!;
    expect(c.manifest.requires).toEqual([{ role: 'beta', range: '^1.0.0' }]);
    expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.size_bytes).toBeGreaterThan(0);
  });

  it('plans chain-c, then installs that plan with progress streamed, providers first', async () => {
    const plan = await post('/plan', { name: 'chain-c' });
    expect(plan.status).toBe(200);
    expect(plan.body.problems).toEqual([]);
    expect((plan.body.steps as { action: string; name: string }[]).map((s) => `${s.action} ${s.name}`)).toEqual(['install chain-a', 'install chain-b', 'install chain-c']);

    const progress = readEvents(setup.url, 'rest-install-1', READ_TOKEN);
    const install = await post('/apps/chain-c/install', { plan_id: plan.body.plan_id, operation_id: 'rest-install-1' });
    expect(install.status).toBe(200);
    expect(appLines(install.body)).toEqual(['chain-a 1.0.0 Running', 'chain-b 1.0.0 Running', 'chain-c 1.0.0 Running']);
    expect(install.body.operation_id).toBe('rest-install-1');

    const events = await progress;
    const stages = events.filter((e) => e.event === 'progress').map((e) => `${String(e.data.name)} ${String(e.data.stage)}`);
    expect(stages).toEqual(expect.arrayContaining(['chain-a downloading', 'chain-a verified', 'chain-a extracted', 'chain-a registered', 'chain-c registered']));
    expect(stages.indexOf('chain-a registered')).toBeLessThan(stages.indexOf('chain-b registered'));
    expect(stages.indexOf('chain-b registered')).toBeLessThan(stages.indexOf('chain-c registered'));
    // The stream ends with the operation's result, the same as the request's answer.
    expect(events.at(-1)?.event).toBe('result');
    expect(appLines(events.at(-1)!.data)).toEqual(appLines(install.body));

    // Afterwards the progress is still there as a JSON snapshot.
    const snapshot = await get('/operations/rest-install-1/events', READ_TOKEN);
    expect(snapshot.body.finished).toBe(true);
    expect((snapshot.body.events as unknown[]).length).toBe(events.length - 1);
    expect(appLines(snapshot.body.result as Record<string, unknown>)).toEqual(appLines(install.body));
  }, 60_000);

  it('shows the installed apps and one app with its configuration and manifest', async () => {
    expect(appLines((await get('/apps', READ_TOKEN)).body)).toEqual(['chain-a 1.0.0 Running', 'chain-b 1.0.0 Running', 'chain-c 1.0.0 Running']);
    const one = await get('/apps/chain-a', READ_TOKEN);
    const app = (one.body.apps as Record<string, unknown>[])[0]!;
    expect(app.config).toMatchObject({ step: 1, maxStep: 100, refuseShutdown: '', crashAfterMs: -1 });
    expect((app.manifest as { provides: unknown }).provides).toEqual([{ role: 'alpha', version: '1.0.0' }]);
    expect(app.module_id).not.toBe('');
  });

  it('reconfigures at run time, and answers a configuration that fails the schema with 400', async () => {
    const current = (await get('/apps/chain-a')).body.apps as { config: Record<string, unknown> }[];
    const accepted = await http(setup.url, 'PUT', '/apps/chain-a/config', { token: ADMIN_TOKEN, body: { config: { ...current[0]!.config, step: 5 } } });
    expect(accepted.status).toBe(200);
    expect((accepted.body.apps as { config: unknown }[])[0]!.config).toEqual({ ...current[0]!.config, step: 5 });
    const invalid = await http(setup.url, 'PUT', '/apps/chain-a/config', { token: ADMIN_TOKEN, body: { config: { step: 'five' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('InvalidArgument');
    expect(invalid.body.name).toBe('chain-a');
  });

  it('stops and starts an app', async () => {
    const stopped = await post('/apps/chain-c/stop', { reason: 'rest test' });
    expect(stopped.status).toBe(200);
    expect(appLines(stopped.body)).toEqual(['chain-c 1.0.0 Stopped']);
    const started = await post('/apps/chain-c/start', {});
    expect(started.status).toBe(200);
    expect(appLines(started.body)).toContain('chain-c 1.0.0 Running');
  }, 30_000);

  it('passes `host` on (body or query): for a host nobody runs, the AppManager answers Unavailable naming it', async () => {
    const answers = {
      stop: await post('/apps/chain-c/stop', { host: 'host-z' }),
      info: await get('/apps/chain-c?host=host-z'),
      remove: await http(setup.url, 'DELETE', '/apps/chain-c?host=host-z', { token: ADMIN_TOKEN }),
    };
    for (const [what, answer] of Object.entries(answers)) {
      expect({ what, status: answer.status, code: answer.body.code, names: /host-z/.test(String(answer.body.message)) }).toEqual({ what, status: 502, code: 'Unavailable', names: true });
    }
    // Nothing happened here: chain-c still runs.
    expect(appLines((await get('/apps/chain-c')).body)).toEqual(['chain-c 1.0.0 Running']);
  }, 30_000);

  it('upgrades chain-a to 1.1.0 once it is published', async () => {
    await publishRelease(setup, 'chain-a', { version: '1.1.0' });
    const upgraded = await post('/apps/chain-a/upgrade', { version_range: '^1.1.0' });
    expect(upgraded.status).toBe(200);
    const app = (upgraded.body.apps as { name: string; version: string; state: string; other_versions: string[] }[]).find((a) => a.name === 'chain-a')!;
    expect(`${app.version} ${app.state}`).toBe('1.1.0 Running');
    expect(app.other_versions).toContain('1.0.0');
  }, 30_000);

  it('reverts chain-a to the version kept beside it, progress streamed; an app with no kept version is 409', async () => {
    const progress = readEvents(setup.url, 'rest-revert-1', READ_TOKEN);
    const reverted = await post('/apps/chain-a/revert', { health_window_ms: 500, operation_id: 'rest-revert-1' });
    expect(reverted.status).toBe(200);
    expect(reverted.body.operation_id).toBe('rest-revert-1');
    const app = (reverted.body.apps as { name: string; version: string; state: string; other_versions: string[] }[])[0]!;
    expect(`${app.name} ${app.version} ${app.state}`).toBe('chain-a 1.0.0 Running');
    expect(app.other_versions).toEqual(['1.1.0']);
    const events = await progress;
    const stages = events.filter((e) => e.event === 'progress').map((e) => String(e.data.stage));
    expect(stages).toEqual(expect.arrayContaining(['reverting', 'stopped', 'starting', 'registered', 'health-ok']));
    // The kept version is installed already: nothing is downloaded.
    expect(stages).not.toContain('downloading');
    expect(events.at(-1)?.event).toBe('result');

    const none = await post('/apps/chain-b/revert', {});
    expect(none.status).toBe(409);
    expect(none.body).toMatchObject({ code: 'Conflict', name: 'chain-b' });
    expect(String(none.body.message)).toMatch(/chain-b 1\.0\.0 has no other version kept to go back to/);
    const readOnly = await post('/apps/chain-a/revert', {}, READ_TOKEN);
    expect(readOnly.status).toBe(403);
  }, 30_000);

  it('refuses to remove a running app (409), removes it once stopped, then it is gone (404)', async () => {
    const running = await http(setup.url, 'DELETE', '/apps/chain-c', { token: ADMIN_TOKEN });
    expect(running.status).toBe(409);
    expect(running.body.code).toBe('Conflict');
    expect(running.body.name).toBe('chain-c');
    expect((await post('/apps/chain-c/stop', {})).status).toBe(200);
    const removed = await http(setup.url, 'DELETE', '/apps/chain-c?delete_data=true&operation_id=rest-remove-1', { token: ADMIN_TOKEN });
    expect(removed.status).toBe(200);
    expect(removed.body.operation_id).toBe('rest-remove-1');
    const reused = await post('/apps/chain-b/stop', { operation_id: 'rest-install-1' });
    expect(reused.status).toBe(409);
    expect(reused.body.message).toMatch(/operation_id "rest-install-1" was used already/);
    const gone = await get('/apps/chain-c');
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('NotFound');
  }, 30_000);

  it("maps the AppManager's refusals: an app nobody offers (plan with problems, install 404/422), stopping itself 403", async () => {
    const plan = await post('/plan', { name: 'no-such-app' });
    expect(plan.status).toBe(200);
    expect((plan.body.problems as string[]).length).toBeGreaterThan(0);
    const unknown = await post('/apps/no-such-app/install', {});
    expect([404, 422]).toContain(unknown.status);
    expect(['NotFound', 'Unresolvable']).toContain(unknown.body.code);
    expect(unknown.body.name).toBe('no-such-app');
    const itself = await post('/apps/app-manager/stop', {});
    expect(itself.status).toBe(403);
    expect(itself.body.code).toBe('Forbidden');
  });
});

describe('REST gateway: malformed requests', () => {
  it('answers each with a 4xx naming the problem, and keeps serving', async () => {
    const cases: [string, Promise<Awaited<ReturnType<typeof http>>>, number, RegExp][] = [
      ['malformed JSON', http(setup.url, 'POST', '/plan', { token: ADMIN_TOKEN, body: '{"name": "chain-a",' }), 400, /not valid JSON/],
      ['JSON that is not an object', http(setup.url, 'POST', '/plan', { token: ADMIN_TOKEN, body: '[1,2]' }), 400, /must be a JSON object/],
      ['a field of the wrong type', post('/apps/chain-a/install', { start: 'yes' }), 400, /"start" must be true or false/],
      ['an unknown field', post('/apps/chain-a/install', { versionrange: '^1' }), 400, /unknown field "versionrange"/],
      ['a bad app name', post('/apps/Chain..A/start', {}), 400, /bad app name/],
      ['a bad operation id', post('/apps/chain-a/start', { operation_id: 'a b' }), 400, /bad operation_id/],
      ['bad percent-encoding', get('/apps/%E0%A4%A'), 400, /percent-encoding/],
      ['a body over the limit', post('/plan', { name: 'x'.repeat(5000) }), 413, /exceeds the limit/],
      ['an unknown resource', get('/nothing/here'), 404, /no such resource/],
      ['a wrong method', http(setup.url, 'PATCH', '/apps/chain-a', { token: ADMIN_TOKEN }), 405, /PATCH is not allowed/],
      ['a version range on revert (it goes to the kept version)', post('/apps/chain-a/revert', { version_range: '^1' }), 400, /unknown field "version_range"/],
      ['config without "config"', http(setup.url, 'PUT', '/apps/chain-a/config', { token: ADMIN_TOKEN, body: {} }), 400, /"config".*required/],
      ['an unknown operation', get('/operations/never-started/events'), 404, /no operation/],
      ['a query flag that is not one', http(setup.url, 'DELETE', '/apps/chain-b?delete_data=maybe', { token: ADMIN_TOKEN }), 400, /"delete_data" must be true or false/],
      ['an unknown query field', http(setup.url, 'DELETE', '/apps/chain-b?purge=1', { token: ADMIN_TOKEN }), 400, /unknown field "purge"/],
      ['a host where none applies', get('/catalogue?host=host-b'), 400, /unknown field "host"/],
      ['a malformed host', post('/apps/chain-a/start', { host: 'b c' }), 400, /bad host "b c"/],
    ];
    for (const [what, answer, status, message] of cases) {
      const { status: got, body } = await answer;
      expect({ what, status: got, matches: message.test(String(body.message)) }).toEqual({ what, status, matches: true });
    }
    // Not HTTP at all: 400 on the raw connection, and the gateway goes on.
    expect(await rawExchange(setup.url, 'GARBAGE \u0000\u0001 nonsense\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect((await get('/health', '')).status).toBe(200);
    expect(appLines((await get('/apps')).body)).toEqual(['chain-a 1.0.0 Running', 'chain-b 1.0.0 Running']);
  });
});

describe('REST gateway without the AppManager', () => {
  it('answers 503 Unavailable once the AppManager has left the bus', async () => {
    await setup.agent.command('root/app-manager', 'Stop', true);
    await setup.agent.peer.gone('app-manager', 15_000);
    const answer = await get('/apps');
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('Unavailable');
    expect((await get('/health', '')).status).toBe(200);
  }, 30_000);
});
