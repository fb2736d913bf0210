/**
 * Configuration at run time, without a restart: a ConfigChanged request on
 * "config@<name>", an edit of the --config file, and proxies replaced in the
 * configuration. "Without a restart" is checked as the same pid and the same
 * bus id (a new process would have a new id) before and after.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeoutError } from '../../core/bus/index.js';
import { ConfigApplied, ConfigChanged } from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { countLines, logLine, removeTempDirs, replaceFile, startProbe, TestPeer, until, type Domain, type RunningProbe } from './helpers.js';

let domain: Domain;
let peer: TestPeer;

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-config') };
  peer = await TestPeer.start(domain);
});

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

function change(probe: RunningProbe, config: unknown, revision: number): Promise<ConfigApplied> {
  const configJson = typeof config === 'string' ? config : JSON.stringify(config);
  return peer.bus.request(`config@${probe.name}`, ConfigChanged, { module: probe.name, configJson, revision }, ConfigApplied, { timeoutMs: 5000 });
}

/** Same process and same bus node as when it started. */
function expectNoRestart(probe: RunningProbe): void {
  expect(probe.process.child.exitCode).toBeNull();
  expect(peer.bus.registry.list().filter((record) => record.name === probe.name).map((record) => [record.id, record.pid])).toEqual([[probe.record.id, probe.process.pid]]);
  expect(probe.process.events.filter((e) => e.event === 'started')).toHaveLength(1);
}

describe('ConfigChanged on config@<name>', () => {
  it('calls configChanged with the new and the previous settings and replies applied', async () => {
    const probe = await startProbe(peer, domain, { settings: { factor: 2 } });
    expect(await peer.value(probe.address, 'setting:factor')).toBe(2);

    const reply = await change(probe, { stateDir: join(probe.dir, 'state'), settings: { factor: 7 } }, 11);
    expect(reply).toMatchObject({ revision: 11, applied: true });

    const changed = probe.process.events.filter((e) => e.event === 'configChanged');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ next: { factor: 7, refuseShutdown: '', maxChildRestarts: 2 }, previous: { factor: 2 } });
    expect(await peer.value(probe.address, 'setting:factor')).toBe(7);
    expectNoRestart(probe);

    // The same settings again change nothing, so the hook is not called again.
    expect(await change(probe, { settings: { factor: 7 } }, 12)).toMatchObject({ revision: 12, applied: true });
    expect(probe.process.events.filter((e) => e.event === 'configChanged')).toHaveLength(1);
    await probe.process.kill('SIGKILL');
  });

  it('an invalid configJson replies applied=false with what is wrong and where, and changes nothing', async () => {
    const probe = await startProbe(peer, domain, { settings: { factor: 3 } });
    const cases: [string, RegExp][] = [
      [JSON.stringify({ settings: { factor: 4 }, colour: 'blue' }), /^ConfigChanged\.configJson: unknown key "colour"/],
      [JSON.stringify({ settings: 5 }), /^ConfigChanged\.configJson: "settings" must be an object/],
      [JSON.stringify({ proxies: { inbound: [{ kind: 'drop', rate: 2 }] } }), /^ConfigChanged\.configJson: proxies\.inbound\[0\]\.rate: expected a number from 0 to 1/],
      [JSON.stringify({ proxies: { sideways: [] } }), /^ConfigChanged\.configJson: proxies\.sideways: unknown side/],
    ];
    let revision = 20;
    for (const [configJson, message] of cases) {
      const reply = await change(probe, configJson, ++revision);
      expect(reply.applied, configJson).toBe(false);
      expect(reply.revision).toBe(revision);
      expect(reply.message, configJson).toMatch(message);
    }
    expect(probe.process.events.filter((e) => e.event === 'configChanged')).toHaveLength(0);
    expect(await peer.value(probe.address, 'setting:factor')).toBe(3);
    expectNoRestart(probe);
    await probe.process.kill('SIGKILL');
  });

  it('proxies replaced at run time take effect: an inbound drop silences the probe, a log proxy shows its traffic', async () => {
    const probe = await startProbe(peer, domain);
    expect(await peer.value(probe.address, 'ping')).toBe(0);

    // Drop every GetMostRecentEntry that comes in; ConfigChanged still gets through.
    const drop = { inbound: [{ kind: 'drop', rate: 1, types: ['gridlink.storage.GetMostRecentEntry'] }] };
    expect(await change(probe, { proxies: drop }, 1)).toMatchObject({ applied: true });
    await expect(peer.ask(probe.address, 'ping', 500)).rejects.toBeInstanceOf(TimeoutError);

    // Replace the drop by a logging proxy: answers again, and each message in shows in the log.
    expect(countLines(probe.process, 'in request gridlink.storage.GetMostRecentEntry')).toBe(0);
    expect(await change(probe, { proxies: { inbound: [{ kind: 'log' }] } }, 2)).toMatchObject({ applied: true });
    expect(await peer.value(probe.address, 'ping')).toBe(0);
    await logLine(probe.process, 'in request gridlink.storage.GetMostRecentEntry');

    // No proxies: no more log lines for new requests.
    expect(await change(probe, { proxies: {} }, 3)).toMatchObject({ applied: true });
    const logged = countLines(probe.process, 'in request gridlink.storage.GetMostRecentEntry');
    expect(await peer.value(probe.address, 'ping')).toBe(0);
    expect(await peer.value(probe.address, 'ping')).toBe(0);
    expect(countLines(probe.process, 'in request gridlink.storage.GetMostRecentEntry')).toBe(logged);
    expectNoRestart(probe);
    await probe.process.kill('SIGKILL');
  });
});

describe('the --config file, edited while the module runs', () => {
  it('applies new settings, ignores a broken edit with a message naming the file, and applies proxies', async () => {
    const probe = await startProbe(peer, domain, { settings: { factor: 5 } });
    const stateDir = join(probe.dir, 'state');
    expect(await peer.value(probe.address, 'setting:factor')).toBe(5);

    replaceFile(probe.configPath, JSON.stringify({ stateDir, settings: { factor: 8 } }));
    const changed = await probe.process.waitFor((e) => e.event === 'configChanged', 10_000, 'configChanged after the file edit');
    expect(changed).toMatchObject({ next: { factor: 8 }, previous: { factor: 5 } });
    expect(await peer.value(probe.address, 'setting:factor')).toBe(8);
    await logLine(probe.process, /configuration applied \{source=file/);

    // A broken edit: said in the log with the file and the problem; the running configuration stays.
    replaceFile(probe.configPath, '{ "settings": { "factor": 9 }, ');
    const ignored = await logLine(probe.process, 'configuration change ignored');
    expect(ignored).toContain(probe.configPath);
    expect(ignored).toContain('not valid JSON');
    expect(await peer.value(probe.address, 'setting:factor')).toBe(8);

    // Proxies from the file: a log proxy on outbound traffic shows the replies going out.
    expect(countLines(probe.process, 'out reply gridlink.storage.MostRecentEntryReply')).toBe(0);
    replaceFile(probe.configPath, JSON.stringify({ stateDir, settings: { factor: 8 }, proxies: { outbound: [{ kind: 'log' }] } }));
    await logLine(probe.process, /configuration applied \{source=file, revision=2\}/);
    expect(await peer.value(probe.address, 'setting:factor')).toBe(8);
    await until(() => countLines(probe.process, 'out reply gridlink.storage.MostRecentEntryReply') > 0, 'a logged outbound reply', 5000, probe.process);
    expect(probe.process.events.filter((e) => e.event === 'configChanged')).toHaveLength(1);
    expectNoRestart(probe);
    await probe.process.kill('SIGKILL');
  });
});
