/**
 * The "ours" column of `npm run bench:provision`: a host agent
 * (`gridlink up`) whose tree runs the AppManager beside an empty `apps`
 * supervisor, a local App Store in this process, and this process as a bus
 * peer that asks the AppManager to install bench-d with its three
 * dependencies (timed until the reply: downloaded, verified, extracted,
 * started in dependency order, each registered), then to upgrade bench-d with
 * state handoff (unavailability from the availability probe), then stops and
 * removes the four apps for the next cycle.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus, RecipientFailureError } from '../../../core/bus/index.js';
import { AppStoreServer } from '../../../core/provisioning/app-store/index.js';
import type { RequestType } from '../../../core/schema/message-type.js';
import { AppErrorReply, AppEvent, InstallApp, RemoveApp, StopApp, UpgradeApp } from '../../../schemas/generated/messages.js';
import { nowNs, ProgramProcess, sleep } from '../harness.js';
import { killLeftovers } from '../supervisor/ours.js';
import { AvailabilityProbe } from './availability-probe.js';
import { newDomain } from './bus-domain.js';
import { APP, buildChainPackages, CHAIN, FIRST_VERSION, UPGRADE_VERSION } from './chain-packages.js';
import { cycleLine, type ProvisionPlan, type ProvisionSamples } from './plan.js';

const CLI = fileURLToPath(new URL('../../../../bin/gridlink.js', import.meta.url));

async function ask<T, R>(bus: Bus, type: RequestType<T, R>, value: T): Promise<R> {
  try {
    return await bus.request('app-manager', type, value, type.reply, { timeoutMs: 60_000 });
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === AppErrorReply.name) {
      const reply = AppErrorReply.decode(error.replyBody);
      throw new Error(`app-manager refused ${type.name}: ${reply.code}: ${reply.message ?? ''}`);
    }
    throw error;
  }
}

async function appManagerRunning(bus: Bus, up: ProgramProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!bus.registry.list().some((record) => record.state === 'running' && record.roles.some((role) => role.name === 'app-manager'))) {
    if (!up.running) throw new Error(`gridlink up exited; last output:\n    ${up.lastOutput()}`);
    if (Date.now() > deadline) throw new Error(`no app-manager on the bus within ${timeoutMs} ms; last output of gridlink up:\n    ${up.lastOutput()}`);
    await sleep(20);
  }
}

export async function measureOurs(plan: ProvisionPlan, log: (message: string) => void): Promise<ProvisionSamples> {
  const dir = await mkdtemp(join(tmpdir(), 'gridlink-bench-provision-'));
  const domain = await newDomain('bench-prov');
  const sweep = (): void => {
    killLeftovers(domain.cluster);
  };
  process.once('exit', sweep);
  let up: ProgramProcess | undefined;
  let bus: Bus | undefined;
  try {
    const packages = await buildChainPackages(dir);
    const running = await AppStoreServer.start({ dir: packages.storeDir, log: () => undefined });
    try {
      const appManagerConfig = join(dir, 'app-manager.config.json');
      await writeFile(
        appManagerConfig,
        JSON.stringify({
          stateDir: join(dir, 'state', 'app-manager'),
          settings: { appsDir: join(dir, 'apps'), storeUrl: running.url, trustedKeys: packages.trustedKeyFile, healthWindowMs: plan.healthWindowMs, supervisor: 'root/apps', shutdownMs: 3000 },
        }),
      );
      const tree = join(dir, 'tree.json');
      await writeFile(
        tree,
        JSON.stringify({
          root: {
            name: 'root',
            strategy: 'one_for_one',
            children: [
              { name: 'app-manager', module: 'app-manager', config: appManagerConfig, restart: 'permanent' },
              { name: 'apps', strategy: 'one_for_one', intensity: 20, periodMs: 10_000, children: [] },
            ],
          },
          logs: { dir: join(dir, 'logs') },
        }),
      );
      bus = await Bus.start({ name: 'bench-provision', discovery: { port: domain.port, cluster: domain.cluster } }, {});
      log(`gridlink up ${tree} --port ${domain.port} --cluster ${domain.cluster}`);
      up = new ProgramProcess(process.execPath, [CLI, 'up', tree, '--port', String(domain.port), '--cluster', domain.cluster], 'gridlink-up');
      await appManagerRunning(bus, up, 30_000);
      // The AppManager's progress events, to show where an install's time goes.
      const stages: { atNs: number; name: string; stage: string; operationId: string }[] = [];
      bus.subscribe('app-manager/events', (delivery) => {
        const event = AppEvent.decode(delivery.body);
        stages.push({ atNs: nowNs(), name: event.name ?? '', stage: event.stage, operationId: event.operationId ?? '' });
      });

      const samples: ProvisionSamples = { installMs: [], upgradeGapMs: [] };
      for (let run = 1; run <= plan.runs; run++) {
        const started = nowNs();
        await ask(bus, InstallApp, { name: APP, versionRange: FIRST_VERSION, start: true, operationId: `install-${run}` });
        const installMs = (nowNs() - started) / 1e6;
        const timeline = stages
          .filter((event) => event.operationId === `install-${run}` && ['downloading', 'verified', 'extracted', 'starting', 'registered'].includes(event.stage))
          .map((event) => `${event.name.replace('bench-', '')}:${event.stage} ${((event.atNs - started) / 1e6).toFixed(0)}`);
        log(`ours ${run}/${plan.runs}: install timeline (ms from the request): ${timeline.join(', ')}`);

        const probe = new AvailabilityProbe(bus, APP);
        await probe.answered(10_000);
        await sleep(50);
        await ask(bus, UpgradeApp, { name: APP, versionRange: UPGRADE_VERSION, healthWindowMs: plan.healthWindowMs, operationId: `upgrade-${run}` });
        const result = await probe.stop();

        samples.installMs.push(installMs);
        samples.upgradeGapMs.push(result.longestGapMs);
        log(cycleLine('ours', run, plan.runs, installMs, result.longestGapMs, result));

        for (const name of [...CHAIN].reverse()) {
          await ask(bus, StopApp, { name, force: true, reason: 'bench cycle done' });
          await ask(bus, RemoveApp, { name, deleteData: true });
        }
      }
      return samples;
    } finally {
      await running.close();
    }
  } finally {
    await bus?.close();
    await up?.stop(8000);
    process.off('exit', sweep);
    const left = killLeftovers(domain.cluster);
    if (left > 0) log(`killed ${left} module process(es) that outlived gridlink up`);
    await rm(dir, { recursive: true, force: true });
  }
}
