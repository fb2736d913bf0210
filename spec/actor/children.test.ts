/**
 * Child actors supervised inside a module process: a crash restarts the
 * child with fresh state (the module and its other state go on); more
 * crashes than the restart intensity allows escalate, and the process exits
 * with code 70 for its OS-level supervisor to restart it.
 *
 * The probe's child "adder" keeps a running sum; "child:crash" makes it throw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { logLine, removeTempDirs, startProbe, TestPeer, type Domain } from './helpers.js';

let domain: Domain;
let peer: TestPeer;

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-children') };
  peer = await TestPeer.start(domain);
});

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('child actor supervision', () => {
  it('a crash restarts the child with fresh state; the module keeps its own state and keeps running', async () => {
    const probe = await startProbe(peer, domain, { settings: { maxChildRestarts: 3 } });
    await peer.value(probe.address, 'increment');
    expect(await peer.value(probe.address, 'child:add:5')).toBe(5);
    expect(await peer.value(probe.address, 'child:add:6')).toBe(11);

    expect(await peer.value(probe.address, 'child:crash')).toBe(1); // restarts so far
    await logLine(probe.process, /child crashed; restarted with fresh state \{child=adder, restarts=1, error=Error: asked to crash\}/);
    expect(await peer.value(probe.address, 'child:sum')).toBe(0);
    expect(await peer.value(probe.address, 'child:add:2')).toBe(2);

    // A second crash within the intensity is absorbed too.
    expect(await peer.value(probe.address, 'child:crash')).toBe(2);
    expect(await peer.value(probe.address, 'child:add:3')).toBe(3);

    // The module itself was never restarted: its own state and process are intact.
    expect(await peer.value(probe.address, 'counter')).toBe(1);
    expect(probe.process.child.exitCode).toBeNull();
    expect(peer.bus.registry.get(probe.record.id)?.state).toBe('running');
    await probe.process.kill('SIGKILL');
  });

  it('more crashes than the intensity allows escalate: the process exits with code 70', async () => {
    const probe = await startProbe(peer, domain, { settings: { maxChildRestarts: 2, childWithinMs: 60_000 } });
    expect(await peer.value(probe.address, 'child:crash')).toBe(1);
    expect(await peer.value(probe.address, 'child:crash')).toBe(2);
    expect(probe.process.child.exitCode).toBeNull();

    // The third crash within the window is one too many. The process may end before it answers.
    const third = peer.ask(probe.address, 'child:crash', 3000).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(await probe.process.exited).toEqual({ code: 70, signal: null });
    expect(['answered', 'PeerGoneError', 'TimeoutError']).toContain(await third);
    await logLine(probe.process, /child crashed too often; escalating \{child=adder, crashes=3/);
    await logLine(probe.process, /escalating: the module process exits for its supervisor to restart it \{where=child adder/);
    await peer.gone(probe.name);
  });

  it('an exception that nothing catches escalates the same way: exit code 70', async () => {
    const probe = await startProbe(peer, domain);
    expect(await peer.value(probe.address, 'uncaught')).toBe(0);
    expect(await probe.process.exited).toEqual({ code: 70, signal: null });
    await logLine(probe.process, /escalating: the module process exits for its supervisor to restart it \{where=uncaught exception, error=asked to throw where nobody catches\}/);
    await peer.gone(probe.name);
  });
});
