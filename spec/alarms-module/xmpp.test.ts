/**
 * Operator notifications over XMPP, against a real XMPP server (Debian prosody on loopback): the
 * alarms module logs in as its own account and sends each notification's text as a chat message
 * to every configured recipient; after a server restart it logs in again by itself and goes on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEvent } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { startProsody, type ProsodyServer } from '../support/prosody.js';
import { ChatUser } from '../provisioning/gateway-helpers.js';
import { removeTempDirs, tempDir, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { AlarmsListener, startAlarms, untilSubscribed, type RunningAlarms } from './helpers.js';

let prosody: ProsodyServer;
let domain: Domain;
let peer: TestPeer;
let listener: AlarmsListener;
let alarms: RunningAlarms;
let operator: ChatUser;
let engineer: ChatUser;
let alarmsJid: string;

function raise(key: string, group: string, message: string): RawEvent {
  return { key, kind: 'Raise', severity: 'Major', audience: 'FieldEngineer', category: 'device', source: key, group, message, value: 0, hasValue: false, atMs: Date.now() };
}

/** The text the module published on alarms/notifications for a key. */
function notifiedText(key: string): Promise<string> {
  return until(() => listener.notifications.find((n) => n.alarm?.key === key)?.text, `the notification of ${key}`);
}

beforeAll(async () => {
  const dir = tempDir('alarms-prosody');
  prosody = await startProsody(dir);
  alarmsJid = await prosody.register('alarms', 'alarms-secret');
  await prosody.register('operator', 'operator-secret');
  await prosody.register('engineer', 'engineer-secret');
  const passwordFile = join(dir, 'alarms.password');
  writeFileSync(passwordFile, 'alarms-secret\n', { mode: 0o600 });
  // Online before the first notification: prosody drops chat for an account that is not.
  operator = await ChatUser.login(prosody.service, prosody.domain, 'operator', 'operator-secret');
  engineer = await ChatUser.login(prosody.service, prosody.domain, 'engineer', 'engineer-secret');
  domain = await newDomain('alarms-xmpp');
  peer = await TestPeer.start(domain);
  listener = new AlarmsListener(peer);
  alarms = await startAlarms(peer, domain, {
    flood: { graceMs: 0 },
    xmpp: { service: prosody.service, domain: prosody.domain, username: 'alarms', passwordFile, to: [`operator@${prosody.domain}`, `engineer@${prosody.domain}`] },
  });
  await untilSubscribed(() => peer.bus.publish('alarms/raw', RawEvent, raise('probe:subscribed', 'spec', 'probe')), () => listener.changes.some((c) => c.alarm.key === 'probe:subscribed'), 'alarms/raw');
}, 60_000);

afterAll(async () => {
  await operator?.close();
  await engineer?.close();
  await killAll();
  await peer?.close();
  await prosody?.stop();
  removeTempDirs();
});

describe('notifications over XMPP', () => {
  it('sends each notification text as a chat message to every recipient', async () => {
    peer.bus.publish('alarms/raw', RawEvent, raise('dev:rtu-2:door', 'feeder:F2', 'cabinet door of rtu-2 open'));
    const text = await notifiedText('dev:rtu-2:door');
    expect(text).toContain('rtu-2');
    const toOperator = await operator.waitFor((body) => body === text, 0, 20_000, 'the door notification');
    expect(toOperator).toBe(text);
    await engineer.waitFor((body) => body === text, 0, 20_000, 'the door notification');
    expect(operator.received.find((m) => m.body === text)!.from.split('/')[0]).toBe(alarmsJid);
  });

  it('logs in again after a server restart and goes on sending', { timeout: 60_000 }, async () => {
    await operator.close();
    await engineer.close();
    await prosody.stop();
    // Down long enough for the module's first reconnection attempt to fail.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    prosody = await startProsody(prosody.dir, prosody.domain, prosody.port);
    operator = await ChatUser.login(prosody.service, prosody.domain, 'operator', 'operator-secret');
    engineer = await ChatUser.login(prosody.service, prosody.domain, 'engineer', 'engineer-secret');
    peer.bus.publish('alarms/raw', RawEvent, raise('dev:rtu-3:battery', 'feeder:F3', 'battery of rtu-3 low'));
    const text = await notifiedText('dev:rtu-3:battery');
    await operator.waitFor((body) => body === text, 0, 30_000, 'the battery notification after the restart');
    expect(alarms.process.stderr.some((line) => line.includes('XMPP online'))).toBe(true);
  });
});
