/**
 * The implicit `shutdown` role of every module: a ShutdownRequest on
 * "shutdown@<name>" is accepted (state saved, process exits 0, the next run
 * gets the state back), refused with the module's reason (the process goes
 * on), or forced over a refusal.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShutdownReply, ShutdownRequest } from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { removeTempDirs, startProbe, tempDir, TestPeer, type Domain, type RunningProbe } from './helpers.js';

let domain: Domain;
let peer: TestPeer;

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-shutdown') };
  peer = await TestPeer.start(domain);
});

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

function askShutdown(probe: RunningProbe, reason: string, force = false): Promise<ShutdownReply> {
  return peer.bus.request(`shutdown@${probe.name}`, ShutdownRequest, { reason, force }, ShutdownReply, { timeoutMs: 5000 });
}

function stateFile(probe: RunningProbe): string {
  return join(probe.dir, 'state', `${probe.name}.state.json`);
}

describe('ShutdownRequest on shutdown@<name>', () => {
  it('accepted: the state is saved, the process exits 0 and leaves the registry; the next run restores the state', async () => {
    const probe = await startProbe(peer, domain);
    for (let i = 0; i < 3; i++) await peer.value(probe.address, 'increment');
    expect(existsSync(stateFile(probe))).toBe(false);

    const reply = await askShutdown(probe, 'maintenance');
    expect(reply).toEqual({ accepted: true, reason: '' });
    expect(await probe.process.exited).toEqual({ code: 0, signal: null });
    expect(probe.process.events).toContainEqual({ event: 'shutdownAsked', reason: 'maintenance', force: false });
    expect(JSON.parse(readFileSync(stateFile(probe), 'utf8'))).toEqual({ count: 3 });
    await peer.gone(probe.name);

    // Same name and state folder: the new process gets the state back before it starts.
    const next = await startProbe(peer, domain, { name: probe.name, dir: probe.dir });
    expect(next.process.pid).not.toBe(probe.process.pid);
    expect(next.record.id).not.toBe(probe.record.id);
    expect(next.process.events.find((e) => e.event === 'restored')).toEqual({ event: 'restored', state: { count: 3 } });
    expect(next.process.events.find((e) => e.event === 'started')).toMatchObject({ count: 3 });
    expect(await peer.value(next.address, 'increment')).toBe(4);
    await next.process.kill('SIGKILL');
  });

  it('accepted while requests keep coming: every increment answered is in the saved state, later ones fail', async () => {
    const probe = await startProbe(peer, domain);
    let answered = 0;
    let failed = 0;
    let running = true;
    // A client that keeps incrementing, one request at a time, across the shutdown.
    const client = (async () => {
      while (running) {
        try {
          await peer.value(probe.address, 'increment', 1000);
          answered++;
        } catch {
          failed++;
          if (failed > 3) break;
        }
      }
    })();
    while (answered < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await askShutdown(probe, 'upgrade')).toEqual({ accepted: true, reason: '' });
    expect(await probe.process.exited).toEqual({ code: 0, signal: null });
    running = false;
    await client;
    // The handed-over state holds exactly the increments whose answers arrived: none was applied after the save.
    expect(JSON.parse(readFileSync(stateFile(probe), 'utf8'))).toEqual({ count: answered });
    expect(failed).toBeGreaterThan(0);
  });

  it('refused: the reply says why, the process keeps running and answering', async () => {
    const probe = await startProbe(peer, domain, { settings: { refuseShutdown: 'busy writing the daily report' } });
    await peer.value(probe.address, 'increment');

    const reply = await askShutdown(probe, 'maintenance');
    expect(reply).toEqual({ accepted: false, reason: 'busy writing the daily report' });
    expect(probe.process.stderr.some((line) => line.includes('shutdown refused'))).toBe(true);

    // Still the same process, still in the registry, still answering.
    expect(await peer.value(probe.address, 'increment')).toBe(2);
    expect(probe.process.child.exitCode).toBeNull();
    expect(peer.bus.registry.get(probe.record.id)?.state).toBe('running');
    expect(existsSync(stateFile(probe))).toBe(false);
    await probe.process.kill('SIGKILL');
  });

  it('forced: the refusal is overridden, the state is saved and the process exits 0', async () => {
    const probe = await startProbe(peer, domain, { settings: { refuseShutdown: 'busy writing the daily report' } });
    await peer.value(probe.address, 'increment');
    await peer.value(probe.address, 'increment');

    expect((await askShutdown(probe, 'upgrade')).accepted).toBe(false);
    const forced = await askShutdown(probe, 'upgrade now', true);
    expect(forced).toEqual({ accepted: true, reason: 'forced over: busy writing the daily report' });
    expect(await probe.process.exited).toEqual({ code: 0, signal: null });
    expect(probe.process.events).toContainEqual({ event: 'shutdownAsked', reason: 'upgrade now', force: true });
    expect(JSON.parse(readFileSync(stateFile(probe), 'utf8'))).toEqual({ count: 2 });
    await peer.gone(probe.name);
  });

  it('a state file that is not valid JSON is moved aside and the module starts without state', async () => {
    const dir = tempDir('corrupt');
    const name = `probe-corrupt-${process.pid}`;
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', `${name}.state.json`), '{"count": 4');
    const probe = await startProbe(peer, domain, { name, dir });
    expect(probe.process.events.some((e) => e.event === 'restored')).toBe(false);
    expect(await peer.value(probe.address, 'counter')).toBe(0);
    const aside = readdirSync(join(dir, 'state')).filter((file) => file.startsWith(`${name}.state.json.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, 'state', aside[0]), 'utf8')).toBe('{"count": 4');
    expect(probe.process.stderr.some((line) => line.includes('saved state is not valid JSON; moved aside'))).toBe(true);
    await probe.process.kill('SIGKILL');
  });

  it('SIGTERM saves the state too and exits 0', async () => {
    const probe = await startProbe(peer, domain);
    await peer.value(probe.address, 'increment');
    await probe.process.kill('SIGTERM');
    expect(await probe.process.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(readFileSync(stateFile(probe), 'utf8'))).toEqual({ count: 1 });
  });
});
