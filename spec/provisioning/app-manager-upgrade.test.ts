/**
 * The AppManager's upgrades, reverts and run-time configuration, with real
 * processes: an upgrade that hands the old version's state to the new one, a
 * revert to the version kept beside it (state handed back, no download; none
 * kept: Conflict), an upgrade and a revert to a release that crashes inside
 * its health window (rolled back by itself, the version that ran and its state
 * restored), a configuration the running
 * module accepts and one it rejects (the previous one restored), and the
 * durable record surviving a restart of the AppManager.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigureApp, GetApps, GetMostRecentEntry, InstallApp, MostRecentEntryReply, RevertApp, StartApp, StopApp, UpgradeApp } from '../../schemas/generated/messages.js';
import { removeTempDirs, tempDir, until } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { appValue, ask, makeKey, operationStages, packApp, refusal, startSetup, type Setup } from './app-manager-helpers.js';

let setup: Setup;

beforeAll(async () => {
  const keys = tempDir('keys');
  const trusted = makeKey(keys, 'publisher');
  const storeDir = tempDir('store');
  await packApp('chain-a', trusted.key, storeDir);
  await packApp('chain-a', trusted.key, storeDir, { version: '1.1.0' });
  // A broken release: the same code, whose default makes it exit 800 ms after its start: after it
  // registered (even on a loaded machine), inside the 1.5 s health window of these tests.
  const crashing = JSON.parse(readFileSync(join('spec', 'fixtures', 'apps', 'chain-a', 'manifest.json'), 'utf8')) as { config: Record<string, unknown> };
  await packApp('chain-a', trusted.key, storeDir, { version: '2.0.0', config: { ...crashing.config, crashAfterMs: 800 } });
  setup = await startSetup(storeDir, trusted.publicKeyFile);
  await ask(setup, InstallApp, { name: 'chain-a', versionRange: '1.0.0', start: true });
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await killAll();
  removeTempDirs();
});

function moduleId(name: string): string | undefined {
  return setup.agent.peer.bus.registry.list().find((record) => record.name === name && record.state === 'running')?.id;
}

describe('AppManager: upgrade', () => {
  it('refuses a revert while no other version is kept, and leaves the app alone', async () => {
    const before = moduleId('chain-a');
    const error = await refusal(setup, RevertApp, { name: 'chain-a', healthWindowMs: 0, operationId: 'revert-none' });
    expect(error.code).toBe('Conflict');
    expect(error.message).toBe('chain-a 1.0.0 has no other version kept to go back to');
    expect(error.name).toBe('chain-a');
    expect(await operationStages(setup, 'revert-none', 'error')).toEqual(['error']);
    expect((await ask(setup, GetApps, { name: 'chain-a' })).apps?.[0]).toMatchObject({ version: '1.0.0', state: 'Running', otherVersions: [] });
    expect(moduleId('chain-a')).toBe(before);
  });

  it('upgrades with state handoff: the new version continues the old one\'s count', async () => {
    for (let i = 0; i < 3; i++) await appValue(setup, 'chain-a', 'count');
    const before = moduleId('chain-a');
    const reply = await ask(setup, UpgradeApp, { name: 'chain-a', versionRange: '~1.1.0', healthWindowMs: 0, operationId: 'up-1.1' });
    expect(reply.apps?.[0]).toMatchObject({ name: 'chain-a', version: '1.1.0', state: 'Running', otherVersions: ['1.0.0'] });
    const stages = await operationStages(setup, 'up-1.1', 'health-ok');
    expect(stages).toEqual(expect.arrayContaining(['downloading', 'verified', 'extracted', 'upgrading', 'stopped', 'starting', 'registered', 'health-ok']));
    expect(stages.indexOf('stopped')).toBeLessThan(stages.indexOf('starting'));
    const after = await until(() => moduleId('chain-a'), 'chain-a running again');
    expect(after).not.toBe(before);
    expect(reply.apps?.[0]?.moduleId).toBe(after);
    // 1.0.0 counted to 3 and saved it on shutdown; 1.1.0 restored it.
    expect(await appValue(setup, 'chain-a', 'count')).toBe(4);
    // The previous version is kept for rollback.
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.0.0'))).toBe(true);
  }, 30_000);

  it('reverts to the kept version with state handoff and no download, and a second revert goes forward again', async () => {
    const before = moduleId('chain-a');
    const reply = await ask(setup, RevertApp, { name: 'chain-a', healthWindowMs: 0, operationId: 'revert-1.0' });
    expect(reply.apps?.[0]).toMatchObject({ name: 'chain-a', version: '1.0.0', state: 'Running', otherVersions: ['1.1.0'] });
    expect(reply.message).toBe('chain-a reverted 1.1.0 → 1.0.0');
    const stages = await operationStages(setup, 'revert-1.0', 'health-ok');
    expect(stages).toEqual(expect.arrayContaining(['reverting', 'stopping', 'stopped', 'starting', 'registered', 'health-ok']));
    expect(stages.indexOf('stopped')).toBeLessThan(stages.indexOf('starting'));
    for (const stage of ['downloading', 'verified', 'extracted']) expect(stages).not.toContain(stage);
    const after = await until(() => moduleId('chain-a'), 'chain-a 1.0.0 running');
    expect(after).not.toBe(before);
    // 1.1.0 counted to 4 and saved it on shutdown; 1.0.0 continues from there.
    expect(await appValue(setup, 'chain-a', 'count')).toBe(5);
    // Both folders stay: the version left is the one kept now.
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.0.0'))).toBe(true);
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.1.0'))).toBe(true);

    const again = await ask(setup, RevertApp, { name: 'chain-a', healthWindowMs: 0, operationId: 'revert-1.1' });
    expect(again.apps?.[0]).toMatchObject({ version: '1.1.0', state: 'Running', otherVersions: ['1.0.0'] });
    await operationStages(setup, 'revert-1.1', 'health-ok');
    await until(() => moduleId('chain-a'), 'chain-a 1.1.0 running');
    expect(await appValue(setup, 'chain-a', 'count')).toBe(6);
  }, 30_000);

  it('rolls back by itself an upgrade to a release that crashes in its health window', async () => {
    const error = await refusal(setup, UpgradeApp, { name: 'chain-a', versionRange: '2.0.0', healthWindowMs: 0, operationId: 'up-2' });
    expect(error.code).toBe('RolledBack');
    expect(error.message).toContain('chain-a 2.0.0 failed in its health window');
    expect(error.message).toContain('1.1.0 runs again');
    const stages = await operationStages(setup, 'up-2', 'rolled-back');
    expect(stages).toEqual(expect.arrayContaining(['registered', 'rolling-back', 'rolled-back']));
    expect(stages).not.toContain('health-ok');

    const app = (await ask(setup, GetApps, { name: 'chain-a' })).apps?.[0];
    expect(app).toMatchObject({ version: '1.1.0', state: 'Running', otherVersions: ['1.0.0'] });
    expect(existsSync(join(setup.appsDir, 'chain-a', '2.0.0'))).toBe(false);
    const config = JSON.parse(readFileSync(join(setup.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { crashAfterMs: number } };
    expect(config.settings.crashAfterMs).toBe(-1);
    // The state 1.1.0 saved when it stopped for the upgrade is what it restored.
    await until(() => moduleId('chain-a'), 'chain-a 1.1.0 running again');
    expect(await appValue(setup, 'chain-a', 'count')).toBe(7);
  }, 40_000);
});

describe('AppManager: configuration at run time', () => {
  it('applies a configuration the module accepts, without a restart', async () => {
    const before = moduleId('chain-a');
    const reply = await ask(setup, ConfigureApp, { name: 'chain-a', configJson: '{"step": 10}', operationId: 'conf-ok' });
    expect(JSON.parse(reply.apps?.[0]?.configJson ?? '{}')).toMatchObject({ step: 10, maxStep: 100 });
    expect(await appValue(setup, 'chain-a', 'step')).toBe(10);
    expect(moduleId('chain-a')).toBe(before);
    const file = JSON.parse(readFileSync(join(setup.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { step: number } };
    expect(file.settings.step).toBe(10);
    expect(await operationStages(setup, 'conf-ok', 'configured')).toEqual(['configured']);
  });

  it('gives a module that rejects a configuration its previous one back', async () => {
    const error = await refusal(setup, ConfigureApp, { name: 'chain-a', configJson: '{"step": 500}', operationId: 'conf-no' });
    expect(error.code).toBe('Refused');
    expect(error.message).toContain('step 500 is above maxStep 100');
    expect(await appValue(setup, 'chain-a', 'step')).toBe(10);
    const file = JSON.parse(readFileSync(join(setup.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { step: number } };
    expect(file.settings.step).toBe(10);
    expect(JSON.parse((await ask(setup, GetApps, { name: 'chain-a' })).apps?.[0]?.configJson ?? '{}')).toMatchObject({ step: 10 });
    expect(await operationStages(setup, 'conf-no', 'error')).toEqual(['config-rejected', 'error']);
  });

  it('changes the proxies of a module the same way, at run time', async () => {
    const before = moduleId('chain-a');
    const drop = { proxies: { inbound: [{ kind: 'drop', rate: 1, targets: ['chain-a'] }] } };
    const reply = await ask(setup, ConfigureApp, { name: 'chain-a', configJson: JSON.stringify(drop) });
    expect(reply.message).toBe('chain-a: proxies changed');
    // Requests to role chain-a are dropped on the way in now: no answer.
    const asked = setup.agent.peer.bus.request('chain-a', GetMostRecentEntry, { dataPoint: 'step' }, MostRecentEntryReply, { timeoutMs: 1000 });
    await expect(asked).rejects.toMatchObject({ code: 'Timeout' });
    const file = JSON.parse(readFileSync(join(setup.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { step: number }; proxies?: unknown };
    expect(file.proxies).toEqual(drop.proxies);
    expect(file.settings.step).toBe(10);

    await ask(setup, ConfigureApp, { name: 'chain-a', configJson: '{"proxies": {}}' });
    expect(await appValue(setup, 'chain-a', 'step')).toBe(10);
    expect(moduleId('chain-a')).toBe(before);
    const bad = await refusal(setup, ConfigureApp, { name: 'chain-a', configJson: '{"proxies": {"inbound": [{"kind": "teleport"}]}}' });
    expect(bad.code).toBe('InvalidArgument');
    expect(bad.message).toContain('proxies.inbound[0].kind');
  });

  it('keeps its record across a restart of the AppManager, and sweeps what an interrupted operation left', async () => {
    // As if an AppManager had died mid-download and mid-extraction.
    const leftovers = [join(setup.appsDir, 'chain-a', '9.9.9', 'spec'), join(setup.appsDir, 'chain-a', '.3.0.0.partial-0123'), join(setup.appsDir, '.downloads', 'x')];
    for (const dir of leftovers) mkdirSync(dir, { recursive: true });
    const before = moduleId('app-manager');
    const reply = await setup.agent.command('root/app-manager', 'Restart');
    expect(reply.ok).toBe(true);
    await until(() => moduleId('app-manager') !== undefined && moduleId('app-manager') !== before, 'a new app-manager', 20_000);
    const app = (await ask(setup, GetApps, { name: 'chain-a' })).apps?.[0];
    expect(app).toMatchObject({ version: '1.1.0', state: 'Running', otherVersions: ['1.0.0'] });
    expect(JSON.parse(app?.configJson ?? '{}')).toMatchObject({ step: 10 });
    for (const dir of leftovers) expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.0.0'))).toBe(true);
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.1.0'))).toBe(true);
    // The app itself ran on, untouched.
    expect(await appValue(setup, 'chain-a', 'step')).toBe(10);
  }, 30_000);
});

describe('AppManager: upgrade of a stopped app', () => {
  it('swaps the version without starting it, and keeps one previous version', async () => {
    await ask(setup, StopApp, { name: 'chain-a', force: false, reason: 'test' });
    const reply = await ask(setup, UpgradeApp, { name: 'chain-a', healthWindowMs: 0, operationId: 'up-stopped' });
    expect(reply.apps?.[0]).toMatchObject({ version: '2.0.0', state: 'Stopped', otherVersions: ['1.1.0'] });
    expect(setup.events.filter((e) => e.operationId === 'up-stopped').map((e) => e.stage)).not.toContain('starting');
    expect(existsSync(join(setup.appsDir, 'chain-a', '2.0.0'))).toBe(true);
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.1.0'))).toBe(true);
    expect(existsSync(join(setup.appsDir, 'chain-a', '1.0.0'))).toBe(false);
    // The new version's defaults, with the settings chosen earlier kept.
    const file = JSON.parse(readFileSync(join(setup.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { step: number; crashAfterMs: number } };
    expect(file.settings).toMatchObject({ step: 10, crashAfterMs: 800 });
    const again = await refusal(setup, UpgradeApp, { name: 'chain-a', healthWindowMs: 0 });
    expect(again.code).toBe('Conflict');
    expect(again.message).toContain('no version of chain-a newer than 2.0.0');
  }, 30_000);
});

describe('AppManager: revert of a stopped app, and a revert that fails', () => {
  it('swaps a stopped app back without starting it', async () => {
    // Left by the test above: 2.0.0 (the crashing release) current and stopped, 1.1.0 kept.
    const reply = await ask(setup, RevertApp, { name: 'chain-a', healthWindowMs: 0, operationId: 'revert-stopped' });
    expect(reply.apps?.[0]).toMatchObject({ version: '1.1.0', state: 'Stopped', otherVersions: ['2.0.0'] });
    const stages = await operationStages(setup, 'revert-stopped', 'reverted');
    expect(stages).toEqual(['reverting', 'reverted']);
    // The kept version's defaults, with the settings chosen earlier kept.
    const file = JSON.parse(readFileSync(join(setup.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { step: number; crashAfterMs: number } };
    expect(file.settings).toMatchObject({ step: 10, crashAfterMs: -1 });
    await ask(setup, StartApp, { name: 'chain-a', withDependencies: false });
    await until(() => moduleId('chain-a'), 'chain-a 1.1.0 started');
  }, 30_000);

  it('rolls back by itself a revert to a kept version that crashes in its health window', async () => {
    const count = await appValue(setup, 'chain-a', 'count');
    const error = await refusal(setup, RevertApp, { name: 'chain-a', healthWindowMs: 0, operationId: 'revert-2' });
    expect(error.code).toBe('RolledBack');
    expect(error.message).toContain('chain-a 2.0.0 failed in its health window');
    expect(error.message).toContain('1.1.0 runs again');
    const stages = await operationStages(setup, 'revert-2', 'rolled-back');
    expect(stages).toEqual(expect.arrayContaining(['reverting', 'stopped', 'starting', 'registered', 'rolling-back', 'rolled-back']));
    expect(stages).not.toContain('health-ok');

    const app = (await ask(setup, GetApps, { name: 'chain-a' })).apps?.[0];
    // The revert did not install 2.0.0: it stays kept, to be tried again.
    expect(app).toMatchObject({ version: '1.1.0', state: 'Running', otherVersions: ['2.0.0'] });
    expect(existsSync(join(setup.appsDir, 'chain-a', '2.0.0'))).toBe(true);
    const config = JSON.parse(readFileSync(join(setup.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { step: number; crashAfterMs: number } };
    expect(config.settings).toMatchObject({ step: 10, crashAfterMs: -1 });
    // 1.1.0 saved its count when it stopped for the revert, and restored it.
    await until(() => moduleId('chain-a'), 'chain-a 1.1.0 running again');
    expect(await appValue(setup, 'chain-a', 'count')).toBe(count + 10);
  }, 30_000);
});
