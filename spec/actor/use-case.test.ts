/**
 * The introductory use case end to end, as `npm start` runs it
 * (dist/tools/start.js): storage (Storacle, actors/storage), generator and monitor, each its own
 * `gridlink run` process on a discovery domain of this test. The test process
 * is one more bus peer: it looks at the registry, listens to the
 * measurements, asks the storage, and reads the modules' logs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExistsDataPoint, ExistsDataPointReply, MeasurementEvent } from '../../schemas/generated/messages.js';
import { distPath, freeUdpPort, killAll, LineProcess, uniqueCluster } from '../support/processes.js';
import { domainFlags, logLine, removeTempDirs, tempDir, TestPeer, until, type Domain } from './helpers.js';

const MODULES = ['storage', 'generator', 'monitor'];

let domain: Domain;
let peer: TestPeer;
let substation: LineProcess;
let workDir: string;
const measurements: { sender: string; event: MeasurementEvent }[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-usecase') };
  peer = await TestPeer.start(domain);
  peer.bus.subscribe('measurements', (delivery) => measurements.push({ sender: delivery.sender, event: MeasurementEvent.decode(delivery.body) }));
  // Its own working folder: the modules' state goes to .gridlink/state under it, not into the checkout.
  workDir = tempDir('usecase');
  const child = spawn(process.execPath, [distPath('tools/start.js'), ...domainFlags(domain)], {
    cwd: workDir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GRIDLINK_LOG: 'info' },
  });
  substation = new LineProcess(child, 'start.js');
});

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('storage + generator + monitor (npm start)', () => {
  it('all three join, meterA.u1 is measured, stored and monitored; SIGINT stops them all with exit 0', async () => {
    const records = await Promise.all(MODULES.map((name) => peer.module(name, undefined, 20_000, substation)));
    const [storage, generator, monitor] = records;
    expect(storage.roles.map((role) => role.name)).toContain('storage');
    expect(storage.roles.find((role) => role.name === 'storage')?.requestTypes).toEqual(
      expect.arrayContaining(['gridlink.storage.CreateDataPoint', 'gridlink.storage.ExistsDataPoint', 'gridlink.storage.GetMostRecentEntry']),
    );
    expect(storage.topics).toContain('measurements');
    expect(generator.publishes).toContain('measurements');
    // Three processes besides this one, none of them start.js itself.
    expect(new Set(records.map((record) => record.pid)).size).toBe(3);
    expect(records.map((record) => record.pid)).not.toContain(substation.pid);

    // The generator publishes meterA.u1 about every second.
    await until(() => measurements.length >= 2, 'two MeasurementEvents on "measurements"', 10_000, substation);
    for (const { sender, event } of measurements) {
      expect(sender).toBe(generator.id);
      expect(event.dataPoint).toBe('meterA.u1');
      expect(event.value).toBeGreaterThan(220);
      expect(event.value).toBeLessThan(240);
    }

    // It created its data point on role storage; the storage confirms it.
    await logLine(substation, /generator: data point ready on role storage \{dataPoint=meterA\.u1, tag=voltage/);
    const exists = await peer.bus.request('storage', ExistsDataPoint, { dataPoint: 'meterA.u1' }, ExistsDataPointReply, { timeoutMs: 3000 });
    expect(exists).toEqual({ dataPoint: 'meterA.u1', exists: true });
    const unknown = await peer.bus.request('storage', ExistsDataPoint, { dataPoint: 'meterB.u9' }, ExistsDataPointReply, { timeoutMs: 3000 });
    expect(unknown.exists).toBe(false);

    // The monitor reads the stored value back.
    const line = await logLine(substation, /monitor: most recent entry \{dataPoint=meterA\.u1, value=/, 15_000);
    expect(Number(/value=([\d.]+)/.exec(line)?.[1])).toBeGreaterThan(220);

    substation.child.kill('SIGINT');
    expect(await substation.exited).toEqual({ code: 0, signal: null });
    for (const name of MODULES) await peer.gone(name);
    await until(() => records.every((record) => !alive(record.pid)), 'every module process to have ended', 5000);
    // Each stopped on the SIGTERM that start.js passed on, and the generator saved its state.
    for (const name of MODULES) expect(substation.stderr.some((l) => l.includes(`${name}: stopping {reason=SIGTERM}`)), name).toBe(true);
    expect(substation.stderr.filter((l) => / ERROR /.test(l))).toEqual([]);
    const saved = JSON.parse(readFileSync(join(workDir, '.gridlink', 'state', 'generator.state.json'), 'utf8')) as { published: number };
    expect(saved.published).toBeGreaterThanOrEqual(measurements.length);
  });
});
