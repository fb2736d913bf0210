// The AppManager module: installs, starts, stops, removes, upgrades and reconfigures signed apps
// from an App Store, on role `app-manager` with the requests of schemas/provisioning.fbs, and
// publishes AppEvents on `app-manager/events`. The apps run as workers of the host agent (role
// `supervisor`). What it does and its settings: ./README.md.

import { Module, ReplyError, replyLater, type Declarations, type ReplyLater } from '../../core/actor/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import {
  ConfigureApp,
  GetApps,
  GetCatalogue,
  InstallApp,
  PlanInstall,
  RemoveApp,
  RevertApp,
  StartApp,
  StopApp,
  SupervisorEvent,
  UpgradeApp,
  type AppsReply,
} from '../../schemas/generated/messages.js';
import { toAppErrorReply } from './app-error.js';
import { AppManager } from './app-manager.js';
import { APP_EVENTS_TOPIC, AppEvent, appEvent } from './events.js';
import { OtherHosts, thisHost } from './other-hosts.js';
import { HostAgentClient } from './host-agent.js';
import { appManagerDefaults, parseAppManagerSettings, type AppManagerSettings } from './settings.js';

export const APP_MANAGER_ROLE = 'app-manager';
const SUPERVISOR_EVENTS_TOPIC = 'supervisor/events';
/** A forwarded install or upgrade downloads, verifies, starts and watches health over there. */
const FORWARD_CHANGE_MS = 180_000;
const FORWARD_READ_MS = 10_000;

export default class AppManagerModule extends Module {
  static override info = { name: 'app-manager', version: '1.0.0', description: 'installs, upgrades and configures signed apps on role app-manager' };
  static override defaults: Record<string, unknown> = { ...appManagerDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private readonly settings: AppManagerSettings = parseAppManagerSettings(this.config, this.stateDir);
  private manager?: AppManager;
  private hostsOfBus?: OtherHosts;
  private ownAgent?: string;

  override declare(on: Declarations): void {
    on.publishes(APP_EVENTS_TOPIC);
    const role = on.role(APP_MANAGER_ROLE);
    // Reads answer at once; changes queue behind each other, outside the mailbox (replyLater),
    // so GetApps and the lifecycle requests stay answered while an installation runs.
    const read = <T extends object, R>(type: RequestType<T, R>, handler: (request: T) => R | Promise<R>): void => {
      role.on(type, (request) => replyLater(this.guarded(request, undefined, () => Promise.resolve(handler(request)))));
    };
    const change = <T extends { name: string; operationId?: string; host?: string }>(type: RequestType<T, AppsReply>, handler: (manager: AppManager, request: T, op: { id: string }) => Promise<AppsReply>): void => {
      role.on(type, (request): ReplyLater<AppsReply> => {
        const op = this.apps().operation(request.operationId);
        const run = this.routed(type, request, op, () => this.apps().serial(() => handler(this.apps(), { ...request, host: '' }, op)));
        // Every operation that fails ends with an AppEvent "error", so a watcher of app-manager/events sees its end
        // (a refusal from another host's AppManager: that one published it).
        run.catch((error: unknown) => {
          if (!(error instanceof ReplyError)) this.apps().operationFailed(op, request.name, error);
        });
        return replyLater(this.guarded(request, op.id, () => run));
      });
    };
    read(GetApps, async (request) => {
      const { route } = await this.otherHosts().route(request.host, request.name ?? '');
      return route.kind === 'here' ? this.apps().apps(request.name) : this.otherHosts().forward(route, GetApps, request, FORWARD_READ_MS);
    });
    read(GetCatalogue, () => this.apps().catalogue());
    read(PlanInstall, (request) => this.apps().plan(request));
    change(InstallApp, (manager, request, op) => manager.install(request, op));
    change(StartApp, (manager, request, op) => manager.start(request, op));
    change(StopApp, (manager, request, op) => manager.stop(request, op));
    change(RemoveApp, (manager, request, op) => manager.remove(request, op));
    change(UpgradeApp, (manager, request, op) => manager.upgrade(request, op));
    change(RevertApp, (manager, request, op) => manager.revert(request, op));
    change(ConfigureApp, (manager, request, op) => manager.configure(request, op));
    on.topic(SUPERVISOR_EVENTS_TOPIC, SupervisorEvent, (event) => {
      // Every host's agent publishes here, with the same tree paths: only this host's events concern its apps.
      if (event.host && event.host !== thisHost()) return;
      this.apps().onSupervisorEvent(event);
    });
  }

  override start(): void {
    this.otherHosts().watch();
    this.log.info('app-manager ready', { appsDir: this.settings.appsDir, store: this.settings.storeUrl || '(none)', agent: this.settings.agent });
    void this.apps()
      .serial(() => this.apps().reconcile())
      .catch((error: unknown) => this.log.warn('could not look at the installed apps', { error: String(error) }));
  }

  /** Made on first use: handlers may run before start(), once the bus is up. */
  private apps(): AppManager {
    this.manager ??= new AppManager({
      bus: () => this.context.bus(),
      agent: new HostAgentClient((type, value, timeoutMs) => this.requestOrThrow(this.agentAddress(), type, value, { timeoutMs }), this.settings.supervisor),
      settings: this.settings,
      log: this.log,
      publish: (event) => this.publish(APP_EVENTS_TOPIC, AppEvent, event),
      selfName: AppManagerModule.info.name,
      ask: (address, type, value, timeoutMs) => this.requestOrThrow(address, type, value, { timeoutMs }),
    });
    return this.manager;
  }

  /**
   * The agent that runs this AppManager, by bus id: with several hosts on one bus the role
   * "supervisor" alone would reach any host's agent. It is the parent process (the agent
   * spawns its workers itself) on this host; an AppManager started otherwise uses the role.
   * A setting other than the plain role is taken as it is.
   */
  private agentAddress(): string {
    if (this.settings.agent !== 'supervisor') return this.settings.agent;
    if (this.ownAgent && this.context.bus().registry.get(this.ownAgent)) return `supervisor@${this.ownAgent}`;
    const bus = this.context.bus();
    const parent = bus.registry.holders('supervisor').find((record) => record.pid === process.ppid && record.hostKey === bus.record.hostKey);
    this.ownAgent = parent?.id;
    return parent ? `supervisor@${parent.id}` : 'supervisor';
  }

  private otherHosts(): OtherHosts {
    this.hostsOfBus ??= new OtherHosts(() => this.context.bus(), this.log);
    return this.hostsOfBus;
  }

  /**
   * A change for another host (named, or chosen by a placement policy) goes to that host's
   * AppManager; the rest runs here. A placement is announced (AppEvent "placed") and its
   * explanation heads the reply's message, and its apps carry the chosen host.
   */
  private async routed<T extends { name: string; host?: string }>(type: RequestType<T, AppsReply>, request: T, op: { id: string }, here: () => Promise<AppsReply>): Promise<AppsReply> {
    const { route, decision } = await this.otherHosts().route(request.host, request.name);
    if (decision) {
      this.publish(APP_EVENTS_TOPIC, AppEvent, appEvent({ operationId: op.id, name: request.name, stage: 'placed', state: 'Stopped', message: decision.explanation }));
    }
    const reply = route.kind === 'here' ? await here() : await this.otherHosts().forward(route, type, { ...request, operationId: op.id }, FORWARD_CHANGE_MS);
    if (!decision) return reply;
    // A placed app names its host even when the choice was this one.
    return { ...reply, apps: (reply.apps ?? []).map((app) => ({ ...app, host: decision.host })), message: `${decision.explanation}. ${reply.message ?? ''}` };
  }

  /** Every failure becomes an AppErrorReply; nothing a request carries ends the process. */
  private async guarded<R>(request: object, operationId: string | undefined, task: () => Promise<R>): Promise<R> {
    try {
      return await task();
    } catch (error) {
      if (!(error instanceof Error && error.name === 'AppError')) this.log.error('app-manager request failed unexpectedly', { error: String(error), stack: (error as Error)?.stack });
      const name = (request as { name?: unknown }).name;
      throw toAppErrorReply(error, operationId, typeof name === 'string' && name ? name : undefined);
    }
  }
}
