/**
 * The AppManager as a real module under a real host agent, installing signed
 * packages from a real App Store: the provisioning flow along a dependency
 * chain (plan, then install with the plan id, started providers first, each
 * registered), a missing dependency found before anything is installed, a
 * package signed by an untrusted key refused with nothing left behind, stop
 * with a refusal and with force, the rules of remove, and the AppManager
 * refusing to stop or remove itself.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigureApp, GetApps, GetCatalogue, InstallApp, PlanInstall, RemoveApp, StartApp, StopApp } from '../../schemas/generated/messages.js';
import { removeTempDirs, tempDir } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { appValue, ask, makeKey, operationStages, packApp, refusal, startSetup, type Setup } from './app-manager-helpers.js';

let setup: Setup;

beforeAll(async () => {
  const keys = tempDir('keys');
  const trusted = makeKey(keys, 'publisher');
  const stranger = makeKey(keys, 'stranger');
  const storeDir = tempDir('store');
  await packApp('chain-a', trusted.key, storeDir);
  await packApp('chain-b', trusted.key, storeDir);
  await packApp('chain-c', trusted.key, storeDir);
  await packApp('chain-c', trusted.key, storeDir, { name: 'chain-d', requires: [{ role: 'delta', range: '^1.0.0' }] });
  await packApp('chain-c', stranger.key, storeDir, { name: 'rogue' });
  const chainA = JSON.parse(readFileSync(join('spec', 'fixtures', 'apps', 'chain-a', 'manifest.json'), 'utf8')) as { config: Record<string, unknown> };
  await packApp('chain-a', trusted.key, storeDir, { name: 'chain-e', provides: [], config: { ...chainA.config, failStart: true } });
  setup = await startSetup(storeDir, trusted.publicKeyFile);
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await killAll();
  removeTempDirs();
});

describe('AppManager: provisioning along a dependency chain', () => {
  it('plans chain-c with its providers, then installs exactly that plan, starting providers first, each registered', async () => {
    const plan = await ask(setup, PlanInstall, { name: 'chain-c' });
    expect(plan.problems).toEqual([]);
    expect(plan.steps?.map((s) => `${s.action} ${s.name} ${s.version}`)).toEqual(['install chain-a 1.0.0', 'install chain-b 1.0.0', 'install chain-c 1.0.0']);
    expect(plan.steps?.[1]?.reason).toBe('provides role beta 1.0.0 (^1.0.0) required by chain-c');
    expect(plan.planId).toBeTruthy();
    // Nothing is installed by planning.
    expect(existsSync(join(setup.appsDir, 'chain-a'))).toBe(false);

    const reply = await ask(setup, InstallApp, { name: 'chain-c', planId: plan.planId, start: true, operationId: 'install-chain' });
    expect(reply.apps?.map((a) => `${a.name} ${a.version} ${a.state}`)).toEqual(['chain-a 1.0.0 Running', 'chain-b 1.0.0 Running', 'chain-c 1.0.0 Running']);
    expect(reply.operationId).toBe('install-chain');

    // Started in dependency order, each counted as started once it registered on the bus.
    await operationStages(setup, 'install-chain', (stages) => stages.filter((stage) => stage === 'registered').length === 3);
    const registered = setup.events.filter((e) => e.operationId === 'install-chain' && e.stage === 'registered').map((e) => e.name);
    expect(registered).toEqual(['chain-a', 'chain-b', 'chain-c']);
    const stages = setup.events.filter((e) => e.operationId === 'install-chain' && e.name === 'chain-a').map((e) => e.stage);
    expect(stages.slice(0, 3)).toEqual(['downloading', 'verified', 'extracted']);
    for (const name of ['chain-a', 'chain-b', 'chain-c']) await setup.agent.peer.module(name);
    expect(await appValue(setup, 'chain-c', 'ping')).toBe(1);
    expect(await appValue(setup, 'chain-a', 'count')).toBe(1);

    // The installed layout: the versioned folder with the runtime linked in, config.json, the durable record.
    expect(existsSync(join(setup.appsDir, 'chain-b', '1.0.0', 'spec', 'fixtures', 'apps', 'chain-b', 'module.js'))).toBe(true);
    expect(existsSync(join(setup.appsDir, 'chain-b', '1.0.0', 'core', 'actor', 'index.js'))).toBe(true);
    const config = JSON.parse(readFileSync(join(setup.appsDir, 'chain-b', 'config.json'), 'utf8')) as { stateDir: string; settings: unknown };
    expect(config).toEqual({ stateDir: join(setup.appsDir, 'chain-b', 'state'), settings: { refuseShutdown: '' } });
    const record = JSON.parse(readFileSync(join(setup.appsDir, 'apps.json'), 'utf8')) as { apps: { name: string; current: string }[] };
    expect(record.apps.map((a) => `${a.name}@${a.current}`)).toEqual(['chain-a@1.0.0', 'chain-b@1.0.0', 'chain-c@1.0.0']);

    // A plan is carried out once.
    const again = await refusal(setup, InstallApp, { name: 'chain-c', planId: plan.planId, start: true });
    expect(again.code).toBe('NotFound');
  }, 60_000);

  it('finds a missing dependency before anything is installed', async () => {
    const plan = await ask(setup, PlanInstall, { name: 'chain-d' });
    expect(plan.problems).toEqual(['missing role delta ^1.0.0 required by chain-d (nothing provides it)']);
    expect(plan.planId ?? '').toBe('');
    const error = await refusal(setup, InstallApp, { name: 'chain-d', start: true, operationId: 'install-d' });
    expect(error.code).toBe('Unresolvable');
    expect(error.message).toContain('missing role delta ^1.0.0');
    // Nothing was downloaded: the operation's only event is its end.
    expect(await operationStages(setup, 'install-d', 'error')).toEqual(['error']);
    expect(existsSync(join(setup.appsDir, 'chain-d'))).toBe(false);
    expect((await ask(setup, GetApps, {})).apps?.map((a) => a.name)).toEqual(['chain-a', 'chain-b', 'chain-c']);
  });

  it('refuses a package signed by an untrusted key and leaves nothing behind', async () => {
    const error = await refusal(setup, InstallApp, { name: 'rogue', start: true, operationId: 'install-rogue' });
    expect(error.code).toBe('BadPackage');
    expect(error.message).toMatch(/unknown key/);
    expect(existsSync(join(setup.appsDir, 'rogue'))).toBe(false);
    expect(readdirSync(join(setup.appsDir, '.downloads'))).toEqual([]);
    expect((await ask(setup, GetApps, {})).apps?.map((a) => a.name)).not.toContain('rogue');
    expect(await operationStages(setup, 'install-rogue', 'error')).toEqual(['downloading', 'error']);
    expect(setup.events.find((e) => e.operationId === 'install-rogue' && e.stage === 'error')?.message).toMatch(/^BadPackage: /);
  });

  it('undoes an installation whose app does not start: nothing is left', async () => {
    const error = await refusal(setup, InstallApp, { name: 'chain-e', start: true, operationId: 'install-e' });
    expect(error.code).toBe('Unavailable');
    expect(error.message).toContain('chain-e 1.0.0 exited before registering on the bus');
    const stages = await operationStages(setup, 'install-e', 'error');
    expect(stages).toEqual(['downloading', 'verified', 'extracted', 'installed', 'starting', 'failed', 'failed', 'error']);
    expect(existsSync(join(setup.appsDir, 'chain-e'))).toBe(false);
    expect((await ask(setup, GetApps, {})).apps?.map((a) => a.name)).toEqual(['chain-a', 'chain-b', 'chain-c']);
    // Its worker is stopped, not left crashing and restarting.
    expect((await setup.agent.node('root/apps/app-chain-e-1.0.0')).state).toBe('Stopped');
  }, 30_000);

  it('lists the catalogue as the store serves it', async () => {
    const catalogue = await ask(setup, GetCatalogue, {});
    expect(catalogue.storeUrl).toBe(setup.store.url);
    const names = (catalogue.entries ?? []).map((e) => `${e.manifest.name}@${e.manifest.version}`).sort();
    expect(names).toEqual(['chain-a@1.0.0', 'chain-b@1.0.0', 'chain-c@1.0.0', 'chain-d@1.0.0', 'chain-e@1.0.0', 'rogue@1.0.0']);
    const b = catalogue.entries?.find((e) => e.manifest.name === 'chain-b');
    expect(b?.manifest.requires).toEqual([{ role: 'alpha', range: '^1.0.0' }]);
    expect(b?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a configuration that fails the app\'s schema before downloading', async () => {
    const error = await refusal(setup, InstallApp, { name: 'chain-a', versionRange: '1.0.0', start: false, configJson: '{"step": "fast"}' });
    // chain-a 1.0.0 is installed already: that is said first.
    expect(error.code).toBe('Conflict');
    const bad = await refusal(setup, ConfigureApp, { name: 'chain-a', configJson: '{"step": "fast", "colour": 1}' });
    expect(bad.code).toBe('InvalidArgument');
    expect(bad.message).toContain('/step must be integer');
    expect(bad.message).toContain('must NOT have additional properties (colour)');
  });
});

describe('AppManager: stop and remove', () => {
  it('reports a refused shutdown, and stops on force', async () => {
    await ask(setup, ConfigureApp, { name: 'chain-b', configJson: '{"refuseShutdown": "busy switching"}' });
    const refused = await refusal(setup, StopApp, { name: 'chain-b', force: false, reason: 'test' });
    expect(refused.code).toBe('Refused');
    expect(refused.message).toContain('busy switching');
    expect((await ask(setup, GetApps, { name: 'chain-b' })).apps?.[0]?.state).toBe('Running');
    expect(await appValue(setup, 'chain-b', 'ping')).toBe(1);

    const forced = await ask(setup, StopApp, { name: 'chain-b', force: true, reason: 'test' });
    expect(forced.apps?.[0]?.state).toBe('Stopped');
    await setup.agent.peer.gone('chain-b');
  }, 30_000);

  it('starts an app with the installed apps it needs, providers first', async () => {
    // chain-c runs; chain-b, which provides the role it needs, was stopped above.
    const reply = await ask(setup, StartApp, { name: 'chain-c', withDependencies: true, operationId: 'start-c' });
    expect(reply.message).toBe('started chain-b');
    expect(reply.apps?.map((a) => `${a.name} ${a.state}`)).toEqual(['chain-a Running', 'chain-b Running', 'chain-c Running']);
    await operationStages(setup, 'start-c', 'registered');
    expect(setup.events.filter((e) => e.operationId === 'start-c').map((e) => `${e.stage} ${e.name}`)).toEqual(['starting chain-b', 'registered chain-b']);
    expect(await appValue(setup, 'chain-b', 'ping')).toBe(1);
  }, 30_000);

  it('removes only stopped apps, keeps their data unless asked', async () => {
    const running = await refusal(setup, RemoveApp, { name: 'chain-a', deleteData: false });
    expect(running.code).toBe('Conflict');
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.0.0'))).toBe(true);

    await ask(setup, StopApp, { name: 'chain-a', force: false, reason: 'test' });
    // The accepted shutdown saved the counter in the app's state folder.
    const stateFile = join(setup.appsDir, 'chain-a', 'state', 'chain-a.state.json');
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ count: 1 });
    const removed = await ask(setup, RemoveApp, { name: 'chain-a', deleteData: false });
    expect(removed.message).toContain('data kept');
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.0.0'))).toBe(false);
    expect(existsSync(join(setup.appsDir, 'chain-a', 'config.json'))).toBe(false);
    expect(existsSync(stateFile)).toBe(true);

    await ask(setup, StopApp, { name: 'chain-b', force: true, reason: 'test' });
    await ask(setup, RemoveApp, { name: 'chain-b', deleteData: true });
    expect(existsSync(join(setup.appsDir, 'chain-b'))).toBe(false);
    expect((await ask(setup, GetApps, {})).apps?.map((a) => a.name)).toEqual(['chain-c']);
    expect((await refusal(setup, RemoveApp, { name: 'chain-b', deleteData: false })).code).toBe('NotFound');
  }, 30_000);

  it('does not stop or remove itself', async () => {
    const stop = await refusal(setup, StopApp, { name: 'app-manager', force: true });
    expect(stop.code).toBe('Forbidden');
    const remove = await refusal(setup, RemoveApp, { name: 'app-manager', deleteData: false });
    expect(remove.code).toBe('Forbidden');
    await setup.agent.peer.module('app-manager');
  });
});
