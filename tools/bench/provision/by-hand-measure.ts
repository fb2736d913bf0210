/**
 * The "by hand" measurement (see ./by-hand.ts): the same packages from the
 * same kind of local App Store, the same bus domain setup and probe, the same
 * cycle of install, upgrade and removal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '../../../core/bus/index.js';
import { AppStoreServer } from '../../../core/provisioning/app-store/index.js';
import { nowNs, sleep } from '../harness.js';
import { AvailabilityProbe } from './availability-probe.js';
import { newDomain } from './bus-domain.js';
import { placeByHand, removeAllByHand, startByHand, type HandApp } from './by-hand.js';
import { APP, buildChainPackages, CHAIN, FIRST_VERSION, UPGRADE_VERSION } from './chain-packages.js';
import { cycleLine, type ProvisionPlan, type ProvisionSamples } from './plan.js';

export async function measureByHand(plan: ProvisionPlan, log: (message: string) => void): Promise<ProvisionSamples> {
  const dir = await mkdtemp(join(tmpdir(), 'gridlink-bench-provision-hand-'));
  const domain = await newDomain('bench-prov-hand');
  let bus: Bus | undefined;
  let apps: HandApp[] = [];
  try {
    const packages = await buildChainPackages(dir);
    const store = await AppStoreServer.start({ dir: packages.storeDir, log: () => undefined });
    try {
      bus = await Bus.start({ name: 'bench-provision-hand', discovery: { port: domain.port, cluster: domain.cluster } }, {});
      const samples: ProvisionSamples = { installMs: [], upgradeGapMs: [] };
      for (let run = 1; run <= plan.runs; run++) {
        const appsDir = join(dir, `apps-${run}`);
        apps = [];
        const started = nowNs();
        for (const name of CHAIN) {
          const versionDir = await placeByHand(store.url, appsDir, name, FIRST_VERSION);
          apps.push(await startByHand(bus, domain, appsDir, name, versionDir));
        }
        const installMs = (nowNs() - started) / 1e6;

        const probe = new AvailabilityProbe(bus, APP);
        await probe.answered(10_000);
        await sleep(50);
        const newDir = await placeByHand(store.url, appsDir, APP, UPGRADE_VERSION);
        const old = apps.pop();
        await old?.process.stop(3000);
        apps.push(await startByHand(bus, domain, appsDir, APP, newDir));
        // The probe keeps asking a while after the new process registered, as it does through ours' health window.
        await sleep(plan.healthWindowMs);
        const result = await probe.stop();

        samples.installMs.push(installMs);
        samples.upgradeGapMs.push(result.longestGapMs);
        log(cycleLine('by hand', run, plan.runs, installMs, result.longestGapMs, result));
        await removeAllByHand(apps, appsDir);
        apps = [];
      }
      return samples;
    } finally {
      await store.close();
    }
  } finally {
    for (const app of apps) await app.process.stop(1000);
    await bus?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
