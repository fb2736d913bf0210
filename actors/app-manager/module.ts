// The AppManager module: installs, starts, stops, removes, upgrades and reconfigures signed apps
// from an App Store, on role `app-manager` with the requests of schemas/provisioning.fbs, and
// publishes AppEvents on `app-manager/events`. The apps run as workers of the host agent (role
// `supervisor`). What it does and its settings: ./README.md.

import { Module, replyLater, type Declarations, type ReplyLater } from '../../core/actor/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import {
  ConfigureApp,
  GetApps,
  GetCatalogue,
  InstallApp,
  PlanInstall,
  RemoveApp,
  StartApp,
  StopApp,
  SupervisorEvent,
  UpgradeApp,
} from '../../schemas/generated/messages.js';
import { toAppErrorReply } from './app-error.js';
import { AppManager } from './app-manager.js';
import { APP_EVENTS_TOPIC, AppEvent } from './events.js';
import { HostAgentClient } from './host-agent.js';
import { appManagerDefaults, parseAppManagerSettings, type AppManagerSettings } from './settings.js';

export const APP_MANAGER_ROLE = 'app-manager';
const SUPERVISOR_EVENTS_TOPIC = 'supervisor/events';

export default class AppManagerModule extends Module {
  static override info = { name: 'app-manager', version: '1.0.0', description: 'installs, upgrades and configures signed apps on role app-manager' };
  static override defaults: Record<string, unknown> = { ...appManagerDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private readonly settings: AppManagerSettings = parseAppManagerSettings(this.config, this.stateDir);
  private manager?: AppManager;

  override declare(on: Declarations): void {
    on.publishes(APP_EVENTS_TOPIC);
    const role = on.role(APP_MANAGER_ROLE);
    // Reads answer at once; changes queue behind each other, outside the mailbox (replyLater),
    // so GetApps and the lifecycle requests stay answered while an installation runs.
    const read = <T extends object, R>(type: RequestType<T, R>, handler: (request: T) => R | Promise<R>): void => {
      role.on(type, (request) => replyLater(this.guarded(request, undefined, () => Promise.resolve(handler(request)))));
    };
    const change = <T extends { name: string; operationId?: string }, R>(type: RequestType<T, R>, handler: (manager: AppManager, request: T, op: { id: string }) => Promise<R>): void => {
      role.on(type, (request): ReplyLater<R> => {
        const op = this.apps().operation(request.operationId);
        const run = this.apps().serial(() => handler(this.apps(), request, op));
        // Every operation that fails ends with an AppEvent "error", so a watcher of app-manager/events sees its end.
        run.catch((error: unknown) => this.apps().operationFailed(op, request.name, error));
        return replyLater(this.guarded(request, op.id, () => run));
      });
    };
    read(GetApps, (request) => this.apps().apps(request.name));
    read(GetCatalogue, () => this.apps().catalogue());
    read(PlanInstall, (request) => this.apps().plan(request));
    change(InstallApp, (manager, request, op) => manager.install(request, op));
    change(StartApp, (manager, request, op) => manager.start(request, op));
    change(StopApp, (manager, request, op) => manager.stop(request, op));
    change(RemoveApp, (manager, request, op) => manager.remove(request, op));
    change(UpgradeApp, (manager, request, op) => manager.upgrade(request, op));
    change(ConfigureApp, (manager, request, op) => manager.configure(request, op));
    on.topic(SUPERVISOR_EVENTS_TOPIC, SupervisorEvent, (event) => this.apps().onSupervisorEvent(event));
  }

  override start(): void {
    this.log.info('app-manager ready', { appsDir: this.settings.appsDir, store: this.settings.storeUrl || '(none)', agent: this.settings.agent });
    void this.apps()
      .serial(() => this.apps().reconcile())
      .catch((error: unknown) => this.log.warn('could not look at the installed apps', { error: String(error) }));
  }

  /** Made on first use: handlers may run before start(), once the bus is up. */
  private apps(): AppManager {
    this.manager ??= new AppManager({
      bus: () => this.context.bus(),
      agent: new HostAgentClient((type, value, timeoutMs) => this.requestOrThrow(this.settings.agent, type, value, { timeoutMs }), this.settings.supervisor),
      settings: this.settings,
      log: this.log,
      publish: (event) => this.publish(APP_EVENTS_TOPIC, AppEvent, event),
      selfName: AppManagerModule.info.name,
      ask: (address, type, value, timeoutMs) => this.requestOrThrow(address, type, value, { timeoutMs }),
    });
    return this.manager;
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
