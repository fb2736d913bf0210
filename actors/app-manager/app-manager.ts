// The AppManager's operations: plan, install, start, stop, remove, upgrade (with rollback),
// configure, and what it reports. The module (module.ts) turns requests into calls of this class;
// every operation that changes apps runs one at a time (a queue), so two never interleave.
// What is installed is recorded in <appsDir>/apps.json; what runs is the host agent's.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log/logger.js';
import { AppStoreClient, AppStoreError, type CatalogueItem } from '../../core/provisioning/app-store/index.js';
import { loadTrustedKeys, PackageError, verifyPackage, type Manifest, type TrustedKeys } from '../../core/provisioning/package/index.js';
import { byNewest, rangeProblem, resolve, satisfies, type Candidate, type InstalledCandidate, type PlannedStep } from '../../core/provisioning/resolve/index.js';
import {
  ConfigApplied,
  ConfigChanged,
  type AppInfo,
  type AppManifest,
  type AppsReply,
  type AppState,
  type CatalogueReply,
  type ConfigureApp,
  type InstallApp,
  type InstallPlan,
  type PlanInstall,
  type RemoveApp,
  type StartApp,
  type StopApp,
  type SupervisorEvent,
  type RevertApp,
  type UpgradeApp,
} from '../../schemas/generated/messages.js';
import { AppError, describe } from './app-error.js';
import { configFileOf, effectiveSettings, moduleConfig, parseConfigJson, parseConfiguration, stateDirOf, type Settings } from './app-config.js';
import { placeVersion, pruneAppDir, removeVersionDir } from './app-folder.js';
import { appEvent, type PublishEvent } from './events.js';
import { childNameOf, type HostAgentClient } from './host-agent.js';
import { InstalledApps, versionOf, writeFileAtomic, type InstalledApp, type InstalledVersion } from './installed-apps.js';
import { PlanBook, stepKey } from './plans.js';
import { waitForRegistration, watchHealth } from './registration.js';
import type { AppManagerSettings } from './settings.js';

/** Lower-case letters, digits and '-', segments separated by '/' (as package names). */
const APP_NAME = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;
/** Versions kept per app: the current one and one for rollback. */
const KEEP_VERSIONS = 2;

export interface AppManagerDeps {
  readonly bus: () => Bus;
  readonly agent: HostAgentClient;
  readonly settings: AppManagerSettings;
  readonly log: Logger;
  readonly publish: PublishEvent;
  /** The AppManager's own app name: it never stops or removes itself. */
  readonly selfName: string;
  /** Asks a module over the bus (ConfigChanged to config@<id>); rejects with the BusError. */
  readonly ask: <T, R>(address: string, type: import('../../core/schema/message-type.js').RequestType<T, R>, value: T, timeoutMs: number) => Promise<R>;
}

interface Operation {
  readonly id: string;
}

export class AppManager {
  private readonly installed: InstalledApps;
  private readonly plans = new PlanBook();
  private queue: Promise<unknown> = Promise.resolve();
  private operations = 0;
  private configRevision = 0;
  /** Who waits for the next exit of a worker (by tree path), reported by the agent on supervisor/events. */
  private readonly exitWaiters = new Map<string, Set<(why: string) => void>>();

  constructor(private readonly deps: AppManagerDeps) {
    this.installed = new InstalledApps(deps.settings.appsDir);
    this.installed.load();
    this.sweepLeftovers();
  }

  /**
   * What an AppManager that died mid-operation may have left: downloads,
   * extractions under way (`.<version>.partial-*`), and version folders of
   * recorded apps that the record does not list (extracted, never recorded).
   */
  private sweepLeftovers(): void {
    const appsDir = this.settings.appsDir;
    rmSync(join(appsDir, '.downloads'), { recursive: true, force: true });
    for (const app of this.installed.list()) {
      const dir = join(appsDir, app.name);
      if (!existsSync(dir)) continue;
      for (const item of readdirSync(dir)) {
        const orphan = satisfies(item, '') && !app.versions.some((v) => v.version === item);
        if (item.includes('.partial-') || orphan) {
          this.deps.log.warn('removing what an interrupted operation left', { path: join(dir, item) });
          rmSync(join(dir, item), { recursive: true, force: true });
        }
      }
    }
  }

  private get settings(): AppManagerSettings {
    return this.deps.settings;
  }

  /** The operation id of a request: the caller's, or a new one. */
  operation(given: string | undefined): Operation {
    return { id: given || `op-${Date.now().toString(36)}-${++this.operations}` };
  }

  /** The last AppEvent of a failed operation: stage "error", the code and the reason. */
  operationFailed(op: Operation, name: string, error: unknown): void {
    const code = error instanceof AppError ? error.code : 'Internal';
    this.event(op, name, this.installed.get(name)?.current ?? '', 'error', this.installed.get(name)?.state ?? 'Stopped', `${code}: ${describe(error)}`);
  }

  /** Runs operations that change apps one after the other. */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  // ------------------------------------------------------------------ information

  apps(name?: string): AppsReply {
    if (name) {
      const app = this.installed.get(name);
      if (!app) throw new AppError('NotFound', `${name} is not installed`, name);
      return { apps: [this.info(app)], message: `${name} ${app.current}: ${app.state}` };
    }
    const apps = this.installed.list().map((app) => this.info(app));
    return { apps, message: `${apps.length} app(s) installed` };
  }

  async catalogue(): Promise<CatalogueReply> {
    const items = await this.storeCatalogue();
    return {
      storeUrl: this.settings.storeUrl,
      entries: items.map((item) => ({ manifest: toAppManifest(item.manifest), sha256: item.sha256, sizeBytes: BigInt(item.sizeBytes), keyId: item.keyId })),
    };
  }

  private info(app: InstalledApp): AppInfo {
    const current = versionOf(app);
    return {
      name: app.name,
      version: app.current,
      otherVersions: app.versions.filter((v) => v.version !== app.current).map((v) => v.version),
      state: app.state,
      host: '',
      moduleId: app.moduleId,
      configJson: JSON.stringify({ ...current.manifest.config, ...app.overrides }),
      manifest: toAppManifest(current.manifest),
      detail: app.detail,
      installedMs: app.installedMs,
      sinceMs: app.sinceMs,
    };
  }

  // ------------------------------------------------------------------ plan and install

  async plan(request: PlanInstall): Promise<InstallPlan> {
    checkName(request.name);
    const { steps, problems, digests } = await this.resolveFresh(request.name, request.versionRange, true);
    if (problems.length > 0) return { steps: steps.map(toPlanStep), problems: [...problems] };
    const plan = this.plans.add(request.name, steps, digests);
    return { steps: steps.map(toPlanStep), planId: plan.id, problems: [] };
  }

  private async resolveFresh(name: string, range: string | undefined, start: boolean): Promise<{ steps: readonly PlannedStep[]; problems: readonly string[]; digests: Map<string, string> }> {
    const problem = rangeProblem(range);
    if (problem) throw new AppError('InvalidArgument', `version_range of ${name}: ${problem}`, name);
    const items = await this.storeCatalogue();
    const resolution = resolve({ name, range, start }, items.map((item) => candidateOf(item.manifest)), this.installedCandidates());
    const digests = new Map(items.map((item) => [stepKey(item.manifest.name, item.manifest.version), item.sha256]));
    return { steps: resolution.steps, problems: resolution.problems, digests };
  }

  private installedCandidates(): InstalledCandidate[] {
    return this.installed.list().map((app) => ({ ...candidateOf(versionOf(app).manifest), running: app.state === 'Running' || app.state === 'Starting' }));
  }

  /**
   * Installs the app asked for and what it needs, in dependency order:
   * download, verify against the trusted keys, extract, configure; then,
   * with `start`, starts them providers first. On any failure what this
   * operation installed or started is taken away again.
   */
  async install(request: InstallApp, op: Operation): Promise<AppsReply> {
    const name = request.name;
    checkName(name);
    if (request.host && request.host !== thisHost()) {
      throw new AppError('InvalidArgument', `host "${request.host}": this AppManager installs on ${thisHost()} only; ask the AppManager of that host`, name);
    }
    let steps: readonly PlannedStep[];
    let digests: ReadonlyMap<string, string>;
    if (request.planId) {
      const plan = this.plans.take(request.planId);
      if (!plan) throw new AppError('NotFound', `no plan ${request.planId} (plans are used once and expire after an hour; plan again)`, name);
      if (plan.name !== name) throw new AppError('InvalidArgument', `plan ${request.planId} installs ${plan.name}, not ${name}`, name);
      steps = plan.steps;
      digests = plan.digests;
      this.checkPlanStillHolds(steps);
    } else {
      const fresh = await this.resolveFresh(name, request.versionRange, request.start);
      if (fresh.problems.length > 0) throw new AppError('Unresolvable', `${name} cannot be installed: ${fresh.problems.join('; ')}`, name);
      steps = fresh.steps;
      digests = fresh.digests;
    }
    const target = steps.find((step) => step.name === name);
    if (!target) throw new AppError('Internal', `the plan has no step for ${name}`, name);
    if (target.action === 'keep') throw new AppError('Conflict', `${name} ${target.version} is installed already`, name);
    if (target.action === 'upgrade') throw new AppError('Conflict', `${name} ${this.installed.get(name)?.current ?? ''} is installed; UpgradeApp moves it to ${target.version}`, name);
    const upgrade = steps.find((step) => step.action === 'upgrade');
    if (upgrade) throw new AppError('Unresolvable', `${name} needs ${upgrade.name} ${upgrade.version} (${upgrade.reason}): upgrade ${upgrade.name} first`, name);

    const toInstall = steps.filter((step) => step.action === 'install');
    const items = toInstall.length > 0 ? await this.storeCatalogue() : [];
    const manifests = new Map<string, Manifest>();
    for (const step of toInstall) {
      const item = items.find((i) => i.manifest.name === step.name && i.manifest.version === step.version);
      if (!item) throw new AppError('Conflict', `${step.name} ${step.version} is no longer in the catalogue; plan again`, step.name);
      manifests.set(step.name, item.manifest);
    }
    const requested = parseConfigJson(request.configJson, name) ?? {};
    // A configuration that fails the app's schema is refused before anything is downloaded.
    const targetManifest = manifests.get(name);
    if (targetManifest) effectiveSettings(targetManifest, requested);

    const placed: { name: string; version: string; newApp: boolean; hadState: boolean }[] = [];
    const started: string[] = [];
    try {
      for (const step of toInstall) {
        const overrides = step.name === name ? requested : {};
        const hadState = existsSync(stateDirOf(this.settings.appsDir, step.name));
        const newApp = !this.installed.get(step.name);
        await this.installVersion(step, digests.get(stepKey(step.name, step.version)), overrides, op);
        placed.push({ name: step.name, version: step.version, newApp, hadState });
      }
      if (request.start) {
        for (const step of steps) {
          if (step.action === 'keep') continue;
          const app = this.installed.get(step.name);
          if (!app || app.state === 'Running') continue;
          await this.startApp(app, op);
          started.push(step.name);
        }
      }
    } catch (error) {
      await this.undoInstall(placed, started, op, error);
      throw error;
    }
    const apps = steps.map((step) => this.installed.get(step.name)).filter((app): app is InstalledApp => app !== undefined);
    const what = steps.map((step) => `${step.action} ${step.name} ${step.version}`).join(', ');
    return { apps: apps.map((app) => this.info(app)), operationId: op.id, message: `${what}${request.start ? '' : ' (not started)'}` };
  }

  /** A plan confirmed later must still fit: what it keeps or starts is still installed at that version. */
  private checkPlanStillHolds(steps: readonly PlannedStep[]): void {
    for (const step of steps) {
      const app = this.installed.get(step.name);
      if ((step.action === 'keep' || step.action === 'start') && app?.current !== step.version) {
        throw new AppError('Conflict', `the plan expected ${step.name} ${step.version} installed; things changed since: plan again`, step.name);
      }
      if (step.action === 'install' && app?.versions.some((v) => v.version === step.version)) {
        throw new AppError('Conflict', `${step.name} ${step.version} is installed already; plan again`, step.name);
      }
    }
  }

  /** Download, verification and extraction of one version, its config.json, and its record (Stopped). */
  private async installVersion(step: { name: string; version: string }, digest: string | undefined, overrides: Settings, op: Operation): Promise<InstalledVersion> {
    const { name, version } = step;
    this.event(op, name, version, 'downloading', 'Stopped', `from ${this.settings.storeUrl}`);
    const trusted = this.trustedKeys();
    const downloads = join(this.settings.appsDir, '.downloads');
    mkdirSync(downloads, { recursive: true });
    const file = join(downloads, `${name.replaceAll('/', '.')}-${version}-${op.id}.zip`);
    let entryFile: string;
    let manifest: Manifest;
    try {
      try {
        await this.store().download(name, version, file);
      } catch (error) {
        throw storeFailure(error, name);
      }
      let verified;
      try {
        verified = await verifyPackage(file, trusted, this.settings.limits);
      } catch (error) {
        throw packageFailure(error, name);
      }
      if (verified.manifest.name !== name || verified.manifest.version !== version) {
        throw new AppError('BadPackage', `the store's ${name} ${version} holds ${verified.manifest.name} ${verified.manifest.version}`, name);
      }
      if (digest !== undefined && verified.sha256 !== digest) {
        throw new AppError('Conflict', `${name} ${version} changed in the store since it was planned (SHA-256 ${verified.sha256}, planned ${digest}); plan again`, name);
      }
      this.event(op, name, version, 'verified', 'Stopped', `signed by ${verified.keyId}, SHA-256 ${verified.sha256}`);
      manifest = verified.manifest;
      const settings = effectiveSettings(manifest, overrides);
      try {
        entryFile = await placeVersion(verified, this.settings.appsDir, this.settings.limits);
      } catch (error) {
        throw packageFailure(error, name);
      }
      this.event(op, name, version, 'extracted', 'Stopped', entryFile);
      const existing = this.installed.get(name);
      if (!existing) writeFileAtomic(configFileOf(this.settings.appsDir, name), JSON.stringify(moduleConfig(this.settings.appsDir, name, settings), null, 2) + '\n');
    } finally {
      rmSync(file, { force: true });
    }
    const now = Date.now();
    const installedVersion: InstalledVersion = { version, manifest, entryFile, childName: childNameOf(name, version), installedMs: now };
    const existing = this.installed.get(name);
    if (existing) {
      existing.versions = [installedVersion, ...existing.versions].sort(byNewest);
      this.installed.set(existing);
    } else {
      this.installed.set({ name, current: version, versions: [installedVersion], overrides, state: 'Stopped', detail: 'installed', moduleId: '', installedMs: now, sinceMs: now });
      this.event(op, name, version, 'installed', 'Stopped');
    }
    return installedVersion;
  }

  private async undoInstall(placed: { name: string; version: string; newApp: boolean; hadState: boolean }[], started: string[], op: Operation, cause: unknown): Promise<void> {
    for (const name of [...started].reverse()) {
      const app = this.installed.get(name);
      if (!app) continue;
      try {
        await this.deps.agent.stop(versionOf(app).childName, true, `installation failed: ${describe(cause)}`);
      } catch (error) {
        this.deps.log.warn('could not stop an app while undoing an installation', { app: name, error: describe(error) });
      }
    }
    for (const item of [...placed].reverse()) {
      removeVersionDir(this.settings.appsDir, item.name, item.version);
      const app = this.installed.get(item.name);
      if (item.newApp) {
        rmSync(configFileOf(this.settings.appsDir, item.name), { force: true });
        if (!item.hadState) rmSync(stateDirOf(this.settings.appsDir, item.name), { recursive: true, force: true });
        if (app) this.installed.delete(item.name);
        pruneAppDir(this.settings.appsDir, item.name);
      } else if (app) {
        app.versions = app.versions.filter((v) => v.version !== item.version);
        this.installed.set(app);
      }
      this.event(op, item.name, item.version, 'failed', 'Stopped', `installation undone: ${describe(cause)}`);
    }
    this.deps.log.warn('installation failed and was undone', { operation: op.id, error: describe(cause) });
  }

  // ------------------------------------------------------------------ start and stop

  async start(request: StartApp, op: Operation): Promise<AppsReply> {
    const app = this.require(request.name);
    const order = request.withDependencies ? this.installedProvidersOf(app) : [app];
    const touched: InstalledApp[] = [];
    for (const member of order) {
      if (member.state === 'Running') continue;
      await this.startApp(member, op);
      touched.push(member);
    }
    return { apps: order.map((a) => this.info(a)), operationId: op.id, message: touched.length === 0 ? `${app.name} runs already` : `started ${touched.map((a) => a.name).join(', ')}` };
  }

  /** The installed apps `app` needs (transitively), providers first, and the app itself last. */
  private installedProvidersOf(app: InstalledApp): InstalledApp[] {
    const resolution = resolve({ name: app.name, start: true }, [], this.installedCandidates());
    if (resolution.problems.length > 0) throw new AppError('Unresolvable', `${app.name} cannot start: ${resolution.problems.join('; ')}`, app.name);
    return resolution.steps.map((step) => this.installed.get(step.name)).filter((a): a is InstalledApp => a !== undefined);
  }

  /** Starts the current version through the host agent; resolves once its process runs registered on the bus. */
  private async startApp(app: InstalledApp, op: Operation): Promise<void> {
    const version = versionOf(app);
    this.setState(app, 'Starting', op, 'starting', `as ${this.deps.agent.pathOf(version.childName)}`);
    try {
      const { id } = await this.launch(app, version);
      app.moduleId = id;
      this.setState(app, 'Running', op, 'registered', `module ${id}`);
    } catch (error) {
      this.setState(app, 'Failed', op, 'failed', describe(error));
      throw error;
    }
  }

  /** The agent starts the worker; resolves with the bus id and pid of its registered process, or throws (and stops it) if it does not register in time. */
  private async launch(app: InstalledApp, version: InstalledVersion): Promise<{ id: string; pid: number }> {
    const agent = this.deps.agent;
    const fail = async (why: string): Promise<never> => {
      // A worker that keeps crashing would otherwise be restarted by its supervisor again and again.
      await this.agentCall(() => agent.stop(version.childName, true, `app-manager: ${why}`)).catch(() => undefined);
      throw new AppError('Unavailable', `${app.name} ${version.version} ${why}`, app.name);
    };
    // Watched from before the start: a process that dies before it registers fails the start at its
    // first exit, even when its supervisor has restarted it by the time the agent answers.
    const exit = this.nextExit(agent.pathOf(version.childName));
    let exitReason: string | undefined;
    const exited = exit.promise.then((why) => (exitReason = why));
    try {
      const reply = await this.agentCall(() => agent.start(version.childName, version.entryFile, configFileOf(this.settings.appsDir, app.name), this.settings.shutdownMs));
      const deadline = Date.now() + this.settings.startTimeoutMs;
      if (!reply.ok && !(reply.message ?? '').startsWith('state')) return await fail(`could not be started by the host agent: ${reply.message}`);
      const child = await this.agentCall(() => agent.child(version.childName));
      if (!child) return await fail("is not in the host agent's tree after its start");
      if (exitReason === undefined && child.state !== 'Running' && child.state !== 'Starting') exitReason = child.lastExit || child.state;
      if (exitReason === undefined) {
        const record = await waitForRegistration(this.deps.bus(), child.pid, Math.max(0, deadline - Date.now()), exited);
        if (record) return { id: record.id, pid: record.pid };
      }
    } finally {
      exit.cancel();
    }
    return fail(exitReason !== undefined ? `exited before registering on the bus (${exitReason})` : `did not register on the bus within ${this.settings.startTimeoutMs} ms`);
  }

  async stop(request: StopApp, op: Operation): Promise<AppsReply> {
    this.refuseSelf(request.name, 'stop');
    const app = this.require(request.name);
    await this.stopApp(app, request.force, request.reason || 'stopped on request', op);
    return { apps: [this.info(app)], operationId: op.id, message: `${app.name} stopped` };
  }

  private async stopApp(app: InstalledApp, force: boolean, reason: string, op: Operation, version = versionOf(app)): Promise<void> {
    const previous = app.state;
    this.setState(app, 'Stopping', op, 'stopping', reason);
    const reply = await this.agentCall(() => this.deps.agent.stop(version.childName, force, reason)).catch((error: unknown) => {
      this.setState(app, previous, op, 'failed', describe(error));
      throw error;
    });
    if (reply.refused) {
      this.setState(app, previous, op, 'refused', reply.message);
      throw new AppError('Refused', `${app.name} refused to stop: ${reply.message} (ask again with force to stop it anyway)`, app.name);
    }
    if (!reply.ok) {
      this.setState(app, previous, op, 'failed', reply.message);
      throw new AppError('Unavailable', `the host agent could not stop ${app.name}: ${reply.message}`, app.name);
    }
    app.moduleId = '';
    this.setState(app, 'Stopped', op, 'stopped', force ? `${reason} (forced)` : reason);
  }

  async remove(request: RemoveApp, op: Operation): Promise<AppsReply> {
    this.refuseSelf(request.name, 'remove');
    const app = this.require(request.name);
    if (app.state !== 'Stopped' && app.state !== 'Failed') throw new AppError('Conflict', `${app.name} is ${app.state}: stop it before removing it`, app.name);
    const child = await this.agentCall(() => this.deps.agent.child(versionOf(app).childName));
    if (child && (child.state === 'Running' || child.state === 'Starting' || child.state === 'BackingOff')) {
      throw new AppError('Conflict', `${app.name} runs (host agent: ${child.state}): stop it before removing it`, app.name);
    }
    for (const version of app.versions) removeVersionDir(this.settings.appsDir, app.name, version.version);
    rmSync(configFileOf(this.settings.appsDir, app.name), { force: true });
    if (request.deleteData) rmSync(stateDirOf(this.settings.appsDir, app.name), { recursive: true, force: true });
    this.installed.delete(app.name);
    pruneAppDir(this.settings.appsDir, app.name);
    const info = { ...this.info(app), state: 'Stopped' as AppState, detail: 'removed' };
    this.event(op, app.name, app.current, 'removed', 'Stopped', request.deleteData ? 'with its data' : `data kept in ${stateDirOf(this.settings.appsDir, app.name)}`);
    return { apps: [info], operationId: op.id, message: `${app.name} removed${request.deleteData ? ' with its data' : ', data kept'}` };
  }

  // ------------------------------------------------------------------ upgrade

  /**
   * Installs the newest fitting version beside the current one, stops the old
   * (its state is saved), starts the new with the same config file and state
   * folder (it restores the state), and watches it for the health window; if
   * it does not register, or leaves the bus in the window, the new one is
   * stopped, the state and configuration are put back, and the old version
   * started again (RolledBack).
   */
  async upgrade(request: UpgradeApp, op: Operation): Promise<AppsReply> {
    this.refuseSelf(request.name, 'upgrade');
    const app = this.require(request.name);
    const problem = rangeProblem(request.versionRange);
    if (problem) throw new AppError('InvalidArgument', `version_range of ${app.name}: ${problem}`, app.name);
    const items = await this.storeCatalogue();
    const newer = items
      .filter((item) => item.manifest.name === app.name && satisfies(item.manifest.version, request.versionRange) && byNewest(item.manifest, { version: app.current }) < 0)
      .sort((a, b) => byNewest(a.manifest, b.manifest));
    const next = newer[0];
    if (!next) throw new AppError('Conflict', `no version of ${app.name} newer than ${app.current}${request.versionRange ? ` within "${request.versionRange}"` : ''} in the catalogue`, app.name);
    const resolution = resolve({ name: app.name, range: next.manifest.version }, items.map((i) => candidateOf(i.manifest)), this.installedCandidates().filter((c) => c.name !== app.name));
    if (resolution.problems.length > 0) throw new AppError('Unresolvable', `${app.name} ${next.manifest.version}: ${resolution.problems.join('; ')}`, app.name);
    const missing = resolution.steps.filter((step) => step.name !== app.name && step.action !== 'keep');
    if (missing.length > 0) {
      throw new AppError('Unresolvable', `${app.name} ${next.manifest.version} needs ${missing.map((s) => `${s.action} ${s.name} ${s.version}`).join(', ')} first`, app.name);
    }
    const settings = effectiveSettings(next.manifest, app.overrides);
    if (app.state === 'Failed') {
      // A crashed app may be restarting in a loop: it is stopped for good before the versions change.
      await this.agentCall(() => this.deps.agent.stop(versionOf(app).childName, true, `upgrade of a failed app to ${next.manifest.version}`));
    }
    const newVersion = await this.installVersion({ name: app.name, version: next.manifest.version }, next.sha256, app.overrides, op);
    return this.switchVersion(app, newVersion, settings, request.healthWindowMs, op, { verb: 'upgrade', stage: 'upgrading', done: 'upgraded' });
  }

  /**
   * The opposite of upgrade: the version kept beside the current one (the one before the last
   * upgrade) runs again, with the same overrides, state folder and health window; no download.
   */
  async revert(request: RevertApp, op: Operation): Promise<AppsReply> {
    this.refuseSelf(request.name, 'revert');
    const app = this.require(request.name);
    const kept = app.versions.filter((v) => v.version !== app.current).sort(byNewest)[0];
    if (!kept) throw new AppError('Conflict', `${app.name} ${app.current} has no other version kept to go back to`, app.name);
    const settings = effectiveSettings(kept.manifest, app.overrides);
    if (app.state === 'Failed') {
      await this.agentCall(() => this.deps.agent.stop(versionOf(app).childName, true, `revert of a failed app to ${kept.version}`));
    }
    return this.switchVersion(app, kept, settings, request.healthWindowMs, op, { verb: 'revert', stage: 'reverting', done: 'reverted' });
  }

  /**
   * Moves a running (or stopped) app from its current version to `target`, which is installed:
   * stops the current one (its state saved), writes the configuration, starts `target` with the
   * same state folder and watches it for the health window; on failure the current version runs
   * again (RolledBack). Shared by upgrade and revert.
   */
  private async switchVersion(
    app: InstalledApp,
    newVersion: InstalledVersion,
    settings: Settings,
    healthWindowMs: number,
    op: Operation,
    words: { verb: string; stage: string; done: string },
  ): Promise<AppsReply> {
    const old = versionOf(app);
    const wasRunning = app.state === 'Running';
    const previousState = app.state;
    const configFile = configFileOf(this.settings.appsDir, app.name);
    const oldConfig = readFileSync(configFile, 'utf8');
    this.setState(app, 'Upgrading', op, words.stage, `${old.version} → ${newVersion.version}`);

    if (wasRunning) {
      try {
        await this.stopApp(app, false, `${words.verb} to ${newVersion.version}`, op, old);
      } catch (error) {
        if (words.verb === 'upgrade') this.dropVersion(app, newVersion.version);
        this.setState(app, previousState, op, 'failed', `${words.verb} abandoned: ${describe(error)}`);
        throw error;
      }
    }
    const savedState = snapshotState(stateDirOf(this.settings.appsDir, app.name));
    writeFileAtomic(configFile, JSON.stringify(moduleConfig(this.settings.appsDir, app.name, settings, app.proxies), null, 2) + '\n');
    app.current = newVersion.version;
    this.installed.set(app);
    if (!wasRunning) {
      this.pruneVersions(app);
      this.setState(app, 'Stopped', op, words.done, `${old.version} → ${newVersion.version} (not started: it was not running)`);
      return { apps: [this.info(app)], operationId: op.id, message: `${app.name} ${words.done} to ${newVersion.version}` };
    }

    const windowMs = healthWindowMs > 0 ? healthWindowMs : this.settings.healthWindowMs;
    let failure: string | undefined;
    try {
      this.event(op, app.name, newVersion.version, 'starting', 'Upgrading');
      const { id, pid } = await this.launch(app, newVersion);
      this.event(op, app.name, newVersion.version, 'registered', 'Upgrading', `module ${id}; health window ${windowMs} ms`);
      failure = await watchHealth(this.deps.bus(), id, windowMs);
      if (!failure) {
        // The same process must still run: a crash and a quick restart by the supervisor is no health.
        const child = await this.agentCall(() => this.deps.agent.child(newVersion.childName));
        if (child?.state !== 'Running' || child.pid !== pid) failure = `the host agent reports it ${child?.state ?? 'gone'}${child?.lastExit ? ` (${child.lastExit})` : ''}`;
      }
      if (!failure) {
        app.moduleId = id;
        this.pruneVersions(app);
        this.setState(app, 'Running', op, 'health-ok', `${newVersion.version} healthy for ${windowMs} ms`);
        return { apps: [this.info(app)], operationId: op.id, message: `${app.name} ${words.done} ${old.version} → ${newVersion.version}` };
      }
    } catch (error) {
      failure = describe(error);
    }
    // A revert's target was installed before this operation: it stays (undo only what the operation did).
    return this.rollBack(app, old, newVersion, oldConfig, savedState, failure, op, words.verb === 'revert');
  }

  private async rollBack(app: InstalledApp, old: InstalledVersion, failed: InstalledVersion, oldConfig: string, savedState: Map<string, string>, why: string, op: Operation, keepFailed = false): Promise<never> {
    this.event(op, app.name, failed.version, 'rolling-back', 'Upgrading', why);
    await this.agentCall(() => this.deps.agent.stop(failed.childName, true, `rollback: ${why}`)).catch((error: unknown) => {
      this.deps.log.warn('could not stop the failed version', { app: app.name, error: describe(error) });
    });
    writeFileAtomic(configFileOf(this.settings.appsDir, app.name), oldConfig);
    restoreState(stateDirOf(this.settings.appsDir, app.name), savedState);
    app.current = old.version;
    if (!keepFailed) this.dropVersion(app, failed.version);
    else this.installed.set(app);
    let restarted = '';
    try {
      app.moduleId = (await this.launch(app, old)).id;
      this.setState(app, 'Running', op, 'rolled-back', `${old.version} runs again; ${failed.version} failed: ${why}`);
      restarted = `${old.version} runs again`;
    } catch (error) {
      this.setState(app, 'Failed', op, 'failed', `rollback to ${old.version} could not start it: ${describe(error)}`);
      restarted = `${old.version} could not be started again: ${describe(error)}`;
    }
    throw new AppError('RolledBack', `${app.name} ${failed.version} failed in its health window (${why}); rolled back: ${restarted}`, app.name);
  }

  private dropVersion(app: InstalledApp, version: string): void {
    removeVersionDir(this.settings.appsDir, app.name, version);
    app.versions = app.versions.filter((v) => v.version !== version);
    this.installed.set(app);
  }

  /** Keeps the current version and the newest other one (for rollback); older folders go. */
  private pruneVersions(app: InstalledApp): void {
    const others = app.versions.filter((v) => v.version !== app.current).sort(byNewest);
    for (const old of others.slice(KEEP_VERSIONS - 1)) removeVersionDir(this.settings.appsDir, app.name, old.version);
    const keep = new Set([app.current, ...others.slice(0, KEEP_VERSIONS - 1).map((v) => v.version)]);
    app.versions = app.versions.filter((v) => keep.has(v.version));
    this.installed.set(app);
  }

  // ------------------------------------------------------------------ configure

  /**
   * Replaces an app's settings: checked against its schema, announced to the
   * running module (ConfigChanged to config@<its id>, answered with
   * ConfigApplied), and written to its config.json only once the module took
   * them. A module that rejects them is handed its previous configuration
   * back and the file keeps it.
   */
  async configure(request: ConfigureApp, op: Operation): Promise<AppsReply> {
    const app = this.require(request.name);
    const version = versionOf(app);
    const change = parseConfiguration(request.configJson, version.manifest);
    const overrides = change.settings ?? app.overrides;
    const proxies = change.proxies ?? app.proxies;
    const settings = effectiveSettings(version.manifest, overrides);
    const configFile = configFileOf(this.settings.appsDir, app.name);
    const previousText = existsSync(configFile)
      ? readFileSync(configFile, 'utf8')
      : JSON.stringify(moduleConfig(this.settings.appsDir, app.name, { ...version.manifest.config, ...app.overrides }, app.proxies));
    const nextText = JSON.stringify(moduleConfig(this.settings.appsDir, app.name, settings, proxies), null, 2) + '\n';
    if (app.state === 'Running' && app.moduleId) {
      const address = `config@${app.moduleId}`;
      const outcome = await this.announceConfig(address, nextText);
      if (!outcome.applied) {
        // The runtime takes the values before the module's configChanged() can object: hand it the previous ones again.
        const restored = await this.announceConfig(address, previousText);
        if (!restored.applied) this.deps.log.warn('the module did not take its previous configuration back either', { app: app.name, message: restored.message });
        this.event(op, app.name, app.current, 'config-rejected', app.state, outcome.message);
        throw new AppError('Refused', `${app.name} rejected the configuration: ${outcome.message}; it keeps the previous one`, app.name);
      }
    }
    writeFileAtomic(configFile, nextText);
    app.overrides = overrides;
    if (proxies === undefined) delete app.proxies;
    else app.proxies = proxies;
    this.installed.set(app);
    const what = [change.settings ? 'settings' : '', change.proxies ? 'proxies' : ''].filter(Boolean).join(' and ');
    this.event(op, app.name, app.current, 'configured', app.state, `${what}: ${app.state === 'Running' ? 'applied by the running module' : 'written; applies at the next start'}`);
    return { apps: [this.info(app)], operationId: op.id, message: `${app.name}: ${what} changed` };
  }

  private async announceConfig(address: string, configJson: string): Promise<{ applied: boolean; message: string }> {
    try {
      const reply = await this.deps.ask(address, ConfigChanged, { module: address, configJson, revision: ++this.configRevision }, 10_000);
      return { applied: reply.applied, message: reply.message ?? '' };
    } catch (error) {
      return { applied: false, message: describe(error) };
    }
  }

  // ------------------------------------------------------------------ life of the AppManager

  /**
   * After a restart of the AppManager: each app's state from the host agent;
   * apps that were running and are not (the host restarted) are started again.
   */
  async reconcile(): Promise<void> {
    const op = this.operation('reconcile');
    for (const app of this.installed.list()) {
      let child;
      try {
        child = await this.deps.agent.child(versionOf(app).childName);
      } catch (error) {
        this.deps.log.warn('host agent not reachable while looking at installed apps', { error: describe(error) });
        return;
      }
      const wanted = app.state === 'Running' || app.state === 'Starting' || app.state === 'Upgrading';
      if (child?.state === 'Running' && child.moduleId) {
        app.moduleId = child.moduleId;
        this.setState(app, 'Running', op, 'running', 'found running after a restart of the AppManager');
      } else if (wanted) {
        try {
          await this.startApp(app, op);
        } catch (error) {
          this.deps.log.warn('could not start an app that was running before', { app: app.name, error: describe(error) });
        }
      } else if (app.state !== 'Stopped') {
        this.setState(app, 'Stopped', op, 'stopped', 'not running after a restart of the AppManager');
      }
    }
  }

  /** Resolves with the exit's description at the next exit of the worker at `path`. */
  private nextExit(path: string): { promise: Promise<string>; cancel: () => void } {
    let waiter!: (why: string) => void;
    const promise = new Promise<string>((resolve) => (waiter = resolve));
    const set = this.exitWaiters.get(path) ?? new Set();
    this.exitWaiters.set(path, set.add(waiter));
    return {
      promise,
      cancel: () => {
        set.delete(waiter);
        if (set.size === 0) this.exitWaiters.delete(path);
      },
    };
  }

  /** Exits of workers (for starts under way), and crashes and restarts of a running app's worker outside of operations. */
  onSupervisorEvent(event: SupervisorEvent): void {
    if (event.kind === 'Exited') for (const waiter of [...(this.exitWaiters.get(event.child ?? '') ?? [])]) waiter(event.message || `exit code ${event.exitCode}`);
    for (const app of this.installed.list()) {
      if (event.child !== this.deps.agent.pathOf(versionOf(app).childName)) continue;
      const op = this.operation('');
      if (event.kind === 'Exited' && app.state === 'Running') {
        app.moduleId = '';
        this.setState(app, 'Failed', op, 'failed', `exited: ${event.message ?? ''}`);
      } else if (event.kind === 'Restarted' && app.state === 'Failed') {
        this.setState(app, 'Running', op, 'restarted', event.message ?? '');
        void waitForRegistration(this.deps.bus(), event.pid, this.settings.startTimeoutMs).then((record) => {
          if (record && app.state === 'Running') app.moduleId = record.id;
        });
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private require(name: string): InstalledApp {
    checkName(name);
    const app = this.installed.get(name);
    if (!app) throw new AppError('NotFound', `${name} is not installed`, name);
    return app;
  }

  private refuseSelf(name: string, what: string): void {
    if (name === this.deps.selfName) throw new AppError('Forbidden', `the AppManager does not ${what} itself through its own API`, name);
  }

  private setState(app: InstalledApp, state: AppState, op: Operation, stage: string, detail = ''): void {
    app.state = state;
    app.detail = detail || stage;
    app.sinceMs = Date.now();
    if (this.installed.get(app.name)) this.installed.set(app);
    this.event(op, app.name, app.current, stage, state, detail);
  }

  private event(op: Operation, name: string, version: string, stage: string, state: AppState, message = ''): void {
    try {
      this.deps.publish(appEvent({ operationId: op.id, name, version, stage, state, message }));
    } catch (error) {
      this.deps.log.warn('could not publish an AppEvent', { error: describe(error) });
    }
  }

  private store(): AppStoreClient {
    if (!this.settings.storeUrl) throw new AppError('Unavailable', 'no App Store configured (setting storeUrl)');
    return new AppStoreClient(this.settings.storeUrl);
  }

  private async storeCatalogue(): Promise<CatalogueItem[]> {
    try {
      return await this.store().catalogue();
    } catch (error) {
      throw storeFailure(error);
    }
  }

  private trustedKeys(): TrustedKeys {
    if (!this.settings.trustedKeys) throw new AppError('BadPackage', 'no trusted keys configured (setting trustedKeys): no package can be verified');
    try {
      return loadTrustedKeys(this.settings.trustedKeys);
    } catch (error) {
      throw new AppError('BadPackage', `trusted keys: ${describe(error)}`);
    }
  }

  private async agentCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('Unavailable', `host agent (${this.settings.agent}): ${describe(error)}`);
    }
  }
}

/** The host name the agents report (GRIDLINK_HOST_NAME overrides the machine's). */
function thisHost(): string {
  return process.env.GRIDLINK_HOST_NAME || hostname();
}

function checkName(name: string): void {
  if (!APP_NAME.test(name)) throw new AppError('InvalidArgument', `"${name}" is not an app name (lower-case letters, digits, '-', segments separated by '/')`, name);
}

function candidateOf(manifest: Manifest): Candidate {
  return { name: manifest.name, version: manifest.version, provides: manifest.provides, requires: manifest.requires };
}

function toPlanStep(step: PlannedStep): { action: string; name: string; version: string; reason: string } {
  return { action: step.action, name: step.name, version: step.version, reason: step.reason };
}

export function toAppManifest(manifest: Manifest): AppManifest {
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description ?? '',
    entry: manifest.entry,
    provides: manifest.provides.map((p) => ({ role: p.role, version: p.version })),
    requires: manifest.requires.map((r) => ({ role: r.role, range: r.range })),
    defaultConfigJson: JSON.stringify(manifest.config),
    configSchemaJson: JSON.stringify(manifest.configSchema),
  };
}

function storeFailure(error: unknown, app?: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof AppStoreError && error.status === 404) return new AppError('NotFound', describe(error), app);
  if (error instanceof AppStoreError && /SHA-256/.test(error.message)) return new AppError('BadPackage', describe(error), app);
  return new AppError('Unavailable', `App Store: ${describe(error)}`, app);
}

function packageFailure(error: unknown, app: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof PackageError) return new AppError(error.code === 'BadPackage' ? 'BadPackage' : 'InvalidArgument', error.message, app);
  return new AppError('Internal', describe(error), app);
}

/** The state files (`*.state.json`) of an app's state folder, to put back when an upgrade is rolled back. */
function snapshotState(dir: string): Map<string, string> {
  const saved = new Map<string, string>();
  if (!existsSync(dir)) return saved;
  for (const file of readdirSync(dir)) if (file.endsWith('.state.json')) saved.set(file, readFileSync(join(dir, file), 'utf8'));
  return saved;
}

function restoreState(dir: string, saved: Map<string, string>): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file.endsWith('.state.json') && !saved.has(file)) rmSync(join(dir, file), { force: true });
  for (const [file, content] of saved) writeFileAtomic(join(dir, file), content);
}
