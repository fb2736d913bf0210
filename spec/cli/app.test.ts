/**
 * `gridlink app` (the compiled CLI as a child process) against the REST app gateway in front of
 * the real AppManager and App Store: the plan/install flow with progress on stderr, --json
 * output, configuration, upgrade and revert, stop and remove, and the exit codes of usage errors (2), refusals and
 * unreachable or unauthorised gateways (1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { ADMIN_TOKEN, publishRelease, startGatewaySetup, type GatewaySetup } from '../provisioning/gateway-helpers.js';
import { runCli } from './helpers.js';

let setup: GatewaySetup;
let env: Record<string, string>;

beforeAll(async () => {
  setup = await startGatewaySetup();
  env = { GRIDLINK_APP_URL: setup.url, GRIDLINK_APP_TOKEN: ADMIN_TOKEN };
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await killAll();
  removeTempDirs();
});

const app = (args: string[], extraEnv: Record<string, string> = env, limitMs = 60_000) => runCli(['app', ...args], extraEnv, limitMs);

describe('gridlink app: usage and connection', () => {
  it('explains itself with examples', async () => {
    const help = await app(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/install \[options\] <name> \[range\]/);
    expect(help.stdout).toMatch(/GRIDLINK_APP_TOKEN/);
    expect(help.stdout).toMatch(/gridlink app plan grm/);
    const installHelp = await app(['install', '--help'], {});
    expect(installHelp.stdout).toMatch(/--plan <id>/);
    expect(help.stdout).toMatch(/revert \[options\] <name>/);
    const revertHelp = await app(['revert', '--help'], {});
    expect(revertHelp.stdout).toMatch(/--health-window <ms>/);
    expect(revertHelp.stdout).toMatch(/npx gridlink app revert grm/);
  });

  it('needs a token (exit 2), refuses a wrong one (exit 1), and says when the gateway is not there (exit 1)', async () => {
    const none = await app(['info'], { GRIDLINK_APP_URL: setup.url, GRIDLINK_APP_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/a token is needed: --token <token> or GRIDLINK_APP_TOKEN/);
    const wrong = await app(['info', '--token', 'not-the-right-token-000'], { GRIDLINK_APP_URL: setup.url });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Unauthorized: unknown token \(check --token or GRIDLINK_APP_TOKEN\)/);
    const absent = await app(['info', '--url', 'http://127.0.0.1:9', '--token', ADMIN_TOKEN], {});
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/cannot reach the app gateway at http:\/\/127\.0\.0\.1:9/);
    const badConfig = await app(['config', 'chain-a', '{not json']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/the configuration: not JSON/);
  });
});

describe('gridlink app: the provisioning flow', () => {
  it('lists the catalogue as JSON', async () => {
    const result = await app(['catalogue', '--json']);
    expect(result.code).toBe(0);
    const catalogue = JSON.parse(result.stdout) as { entries: { manifest: { name: string } }[] };
    expect(catalogue.entries.map((e) => e.manifest.name).sort()).toEqual(['chain-a', 'chain-b', 'chain-c']);
  });

  it('plans, then installs exactly that plan, showing progress on stderr', async () => {
    const plan = await app(['plan', 'chain-c']);
    expect(plan.code).toBe(0);
    expect(plan.stdout.split('\n').slice(0, 3).map((l) => l.split('  (')[0])).toEqual(['1. install chain-a 1.0.0', '2. install chain-b 1.0.0', '3. install chain-c 1.0.0']);
    const planId = /carry it out with: gridlink app install chain-c --plan (\S+)$/m.exec(plan.stdout)?.[1];
    expect(planId).toBeTruthy();

    const install = await app(['install', 'chain-c', '--plan', planId!]);
    expect(install.code).toBe(0);
    expect(install.stdout.split('\n').filter((l) => l.startsWith('chain-')).map((l) => l.split(' (')[0])).toEqual(['chain-a 1.0.0 Running', 'chain-b 1.0.0 Running', 'chain-c 1.0.0 Running']);
    const progress = install.stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(progress).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}chain-a 1\.0\.0 downloading/), expect.stringMatching(/^ {2}chain-b 1\.0\.0 registered/)]));
  }, 60_000);

  it('shows apps as JSON and one app with its configuration', async () => {
    const info = await app(['info', '--json']);
    const apps = (JSON.parse(info.stdout) as { apps: { name: string; state: string }[] }).apps;
    expect(apps.map((a) => `${a.name} ${a.state}`)).toEqual(['chain-a Running', 'chain-b Running', 'chain-c Running']);
    const config = await app(['config', 'chain-a', '--json']);
    expect(config.code).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({ step: 1, maxStep: 100 });
  });

  it('changes the configuration, and reports a refused one with exit 1', async () => {
    const current = JSON.parse((await app(['config', 'chain-a', '--json'])).stdout) as Record<string, unknown>;
    const changed = await app(['config', 'chain-a', JSON.stringify({ ...current, step: 3 }), '--json']);
    expect(changed.code).toBe(0);
    expect((JSON.parse(changed.stdout) as { apps: { config: { step: number } }[] }).apps[0]!.config.step).toBe(3);
    const refused = await app(['config', 'chain-a', '{"step": "three"}']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/InvalidArgument: /);
  });

  it('passes --host on: a host nobody runs is Unavailable, named (exit 1)', async () => {
    for (const args of [['stop', 'chain-c', '--host', 'host-z'], ['info', '--host', 'host-z'], ['remove', 'chain-c', '--delete-data', '--host', 'host-z']]) {
      const answer = await app(args);
      expect({ args, code: answer.code, names: /Unavailable: .*host-z/.test(answer.stderr) }).toEqual({ args, code: 1, names: true });
    }
    expect((await app(['info', 'chain-c'])).stdout).toMatch(/^chain-c 1\.0\.0 Running/m);
  }, 40_000);

  it('upgrades an app, then reverts it to the version kept beside it; nothing kept: Conflict (exit 1)', async () => {
    await publishRelease(setup, 'chain-a', { version: '1.1.0' });
    const upgrade = await app(['upgrade', 'chain-a', '^1.1.0', '--health-window', '200']);
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toMatch(/^chain-a 1\.1\.0 Running/m);
    const revert = await app(['revert', 'chain-a', '--health-window', '200', '--json']);
    expect(revert.code).toBe(0);
    const reverted = JSON.parse(revert.stdout) as { message: string; apps: { name: string; version: string; state: string; other_versions: string[] }[] };
    expect(reverted.message).toBe('chain-a reverted 1.1.0 → 1.0.0');
    expect(reverted.apps).toMatchObject([{ name: 'chain-a', version: '1.0.0', state: 'Running', other_versions: ['1.1.0'] }]);
    const progress = revert.stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(progress).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}chain-a 1\.1\.0 reverting: 1\.1\.0 → 1\.0\.0/), expect.stringMatching(/^ {2}chain-a 1\.0\.0 health-ok/)]));
    expect(progress.some((l) => / downloading/.test(l))).toBe(false);
    const none = await app(['revert', 'chain-b']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Conflict: chain-b 1\.0\.0 has no other version kept to go back to/);
  }, 30_000);

  it('stops and removes an app; afterwards info fails with NotFound', async () => {
    const running = await app(['remove', 'chain-c']);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/Conflict: /);
    const stop = await app(['stop', 'chain-c', '--json']);
    expect(stop.code).toBe(0);
    expect((JSON.parse(stop.stdout) as { apps: { state: string }[] }).apps[0]!.state).toBe('Stopped');
    const remove = await app(['remove', 'chain-c', '--delete-data']);
    expect(remove.code).toBe(0);
    const gone = await app(['info', 'chain-c']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/NotFound: .*chain-c.* not installed/);
  }, 30_000);
});
