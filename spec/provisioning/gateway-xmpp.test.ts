/**
 * The XMPP gateway (actors/app-gateway) against a real XMPP server (Debian prosody, started here
 * on loopback) and the real AppManager: the original provisioning flow over chat — catalogue,
 * plan, install of a dependency chain with progress messages, then the result — text and JSON
 * commands, bad commands answered, and a stranger (an account not allow-listed) refused.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir, until } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { startProsody, type ProsodyServer } from '../support/prosody.js';
import { ChatUser, startGatewaySetup, type GatewaySetup } from './gateway-helpers.js';

let prosody: ProsodyServer;
let setup: GatewaySetup;
let admin: ChatUser;
let stranger: ChatUser;
let gateway: string;

beforeAll(async () => {
  const dir = tempDir('prosody');
  prosody = await startProsody(dir);
  gateway = await prosody.register('gateway', 'gateway-secret');
  await prosody.register('admin', 'admin-secret');
  await prosody.register('stranger', 'stranger-secret');
  const passwordFile = join(dir, 'gateway.password');
  writeFileSync(passwordFile, 'gateway-secret\n', { mode: 0o600 });
  setup = await startGatewaySetup({
    rest: false,
    xmpp: { service: prosody.service, domain: prosody.domain, username: 'gateway', passwordFile, allow: [`admin@${prosody.domain}`] },
  });
  admin = await ChatUser.login(prosody.service, prosody.domain, 'admin', 'admin-secret');
  stranger = await ChatUser.login(prosody.service, prosody.domain, 'stranger', 'stranger-secret');
  // The gateway logs in on its own time: ask until it answers (prosody drops chat to an absent account).
  const deadline = Date.now() + 20_000;
  while (!admin.received.some((m) => m.body.startsWith('Commands'))) {
    if (Date.now() > deadline) throw new Error(`the gateway did not answer on XMPP; its log:\n${setup.agent.logFile('root/app-gateway').slice(-2000)}`);
    await admin.say(gateway, 'help');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}, 90_000);

afterAll(async () => {
  await admin?.close();
  await stranger?.close();
  await setup?.close();
  await prosody?.stop();
  await killAll();
  removeTempDirs();
});

describe('XMPP gateway: the provisioning flow over chat', () => {
  it('lists the catalogue', async () => {
    const reply = await admin.ask(gateway, 'catalogue');
    expect(reply.split('\n').sort()).toEqual(['chain-a 1.0.0; provides alpha 1.0.0', 'chain-b 1.0.0; provides beta 1.0.0; requires alpha ^1.0.0', 'chain-c 1.0.0; provides gamma 1.0.0; requires beta ^1.0.0']);
  });

  it('plans chain-c, installs that plan with progress messages, then answers the result', async () => {
    const plan = await admin.ask(gateway, 'plan chain-c');
    const lines = plan.split('\n');
    expect(lines.slice(0, 3).map((l) => l.split(' (')[0])).toEqual(['1. install chain-a 1.0.0', '2. install chain-b 1.0.0', '3. install chain-c 1.0.0']);
    const planId = /^plan (\S+); confirm with: install chain-c --plan \1$/m.exec(plan)?.[1];
    expect(planId).toBeTruthy();

    const since = admin.received.length;
    await admin.say(gateway, `install chain-c --plan ${planId}`);
    const started = await admin.waitFor((b) => / install chain-c: started$/.test(b), since);
    const operationId = /^\[(x-[0-9a-f]{8})\]/.exec(started)?.[1];
    expect(operationId).toBeTruthy();
    const result = await admin.waitFor((b) => b.startsWith(`[${operationId}] done`), since, 60_000);
    expect(result.split('\n').slice(1).map((line) => line.split(' (')[0])).toEqual(['chain-a 1.0.0 Running', 'chain-b 1.0.0 Running', 'chain-c 1.0.0 Running']);
    // Progress came as separate messages, in the AppManager's order for each app.
    await admin.waitFor((b) => b === `[${operationId}] chain-c 1.0.0 registered` || b.startsWith(`[${operationId}] chain-c 1.0.0 registered:`), since, 10_000);
    const progress = admin.received.slice(since).map((m) => m.body).filter((b) => b.startsWith(`[${operationId}] chain-a `));
    const stages = progress.map((b) => b.split(' ')[3]!.replace(/:$/, ''));
    expect(stages.slice(0, 3)).toEqual(['downloading', 'verified', 'extracted']);
    expect(stages).toContain('registered');
    // The apps really run: they are on the bus.
    for (const name of ['chain-a', 'chain-b', 'chain-c']) await setup.agent.peer.module(name);
  }, 90_000);

  it('answers info', async () => {
    const reply = await admin.ask(gateway, 'info chain-b');
    expect(reply).toMatch(/^chain-b 1\.0\.0 Running \(module [0-9a-f]+\)$/);
  });

  it('takes JSON commands and answers in JSON, progress included', async () => {
    const since = admin.received.length;
    await admin.say(gateway, JSON.stringify({ command: 'stop', name: 'chain-c', operation_id: 'xmpp-stop-1', reason: 'chat test' }));
    const final = JSON.parse(await admin.waitFor((b) => b.startsWith('{"ok"'), since)) as { ok: boolean; operation_id: string; result: { apps: { name: string; state: string }[] } };
    expect(final.ok).toBe(true);
    expect(final.operation_id).toBe('xmpp-stop-1');
    expect(final.result.apps.map((a) => `${a.name} ${a.state}`)).toEqual(['chain-c Stopped']);
    const accepted = JSON.parse(await admin.waitFor((b) => b.startsWith('{"accepted"'), since)) as { accepted: string; operation_id: string };
    expect(accepted).toEqual({ accepted: 'stop', operation_id: 'xmpp-stop-1' });
    const bad = JSON.parse(await admin.ask(gateway, '{"command": "remove", "name": "chain-a"}', (b) => b.startsWith('{"ok"'))) as { ok: boolean; error: { code: string; name: string } };
    expect(bad).toMatchObject({ ok: false, error: { code: 'Conflict', name: 'chain-a' } });
  }, 30_000);

  it('answers bad commands with an error naming the problem', async () => {
    const isError = (b: string): boolean => b.startsWith('error') || b.startsWith('{"ok":false');
    expect(await admin.ask(gateway, 'frobnicate chain-a', isError)).toBe('error InvalidArgument: unknown command "frobnicate" (send "help")');
    expect(await admin.ask(gateway, 'install', isError)).toMatch(/^error InvalidArgument: bad app name/);
    expect(await admin.ask(gateway, 'stop chain-a --gently', isError)).toMatch(/^error InvalidArgument: stop: unknown option --gently/);
    expect(await admin.ask(gateway, '{"command": ', isError)).toMatch(/^\{"ok":false,"error":\{"code":"InvalidArgument","message":"not valid JSON/);
    expect(await admin.ask(gateway, 'catalogue --host host-b', isError)).toMatch(/^error InvalidArgument: catalogue: --host does not apply/);
    // --host reaches the AppManager: a host nobody runs is Unavailable, named.
    expect(await admin.ask(gateway, 'info --host host-z', isError)).toMatch(/^error Unavailable: .*host-z/);
  }, 30_000);
});

describe('XMPP gateway: only allow-listed accounts', () => {
  it('refuses a stranger, logs it, and changes nothing', async () => {
    expect(await stranger.ask(gateway, 'info')).toBe('error Forbidden: you are not allowed to command this gateway');
    expect(await stranger.ask(gateway, 'stop chain-a --force')).toBe('error Forbidden: you are not allowed to command this gateway');
    await until(() => /XMPP command refused: sender not allowed.*stranger@gridlink\.test/.test(setup.agent.logFile('root/app-gateway')) || undefined, 'the refusal in the gateway log', 10_000);
    expect(await admin.ask(gateway, 'info chain-a')).toMatch(/^chain-a 1\.0\.0 Running/);
  });
});

describe('XMPP gateway: a server restart', () => {
  it('logs in again by itself once the XMPP server is back, and serves again', async () => {
    await admin.close();
    await stranger.close();
    await prosody.stop();
    // Down long enough for the gateway's first reconnection attempt to fail.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    prosody = await startProsody(prosody.dir, prosody.domain, prosody.port);
    admin = await ChatUser.login(prosody.service, prosody.domain, 'admin', 'admin-secret');
    const deadline = Date.now() + 30_000;
    let answered: string | undefined;
    while (answered === undefined) {
      if (Date.now() > deadline) throw new Error(`the gateway did not come back; its log:\n${setup.agent.logFile('root/app-gateway').slice(-2000)}`);
      const since = admin.received.length;
      await admin.say(gateway, 'info chain-a');
      await new Promise((resolve) => setTimeout(resolve, 500));
      answered = admin.received.slice(since).find((m) => m.body.startsWith('chain-a'))?.body;
    }
    expect(answered).toMatch(/^chain-a 1\.0\.0 Running/);
  }, 60_000);
});
