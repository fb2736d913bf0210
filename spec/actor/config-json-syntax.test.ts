/**
 * A ConfigChanged whose configJson is not JSON is refused with a reply that
 * says what is wrong and where ("ConfigChanged.configJson: not valid JSON: ..."),
 * like a broken configuration file is ("<file>: not valid JSON: ...").
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConfigApplied, ConfigChanged } from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { removeTempDirs, startProbe, TestPeer, type Domain } from './helpers.js';

let domain: Domain;
let peer: TestPeer;

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-bug-json') };
  peer = await TestPeer.start(domain);
});

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

it('ConfigChanged with a JSON syntax error says that ConfigChanged.configJson is not valid JSON, and where', async () => {
  const probe = await startProbe(peer, domain);
  const reply = await peer.bus.request(`config@${probe.name}`, ConfigChanged, { configJson: '{ "settings": { "factor": 4 }, ', revision: 3 }, ConfigApplied, { timeoutMs: 5000 });
  expect(reply.applied).toBe(false);
  expect(reply.message).toMatch(/^ConfigChanged\.configJson: not valid JSON: .*position \d+/);
  await probe.process.kill('SIGKILL');
});
