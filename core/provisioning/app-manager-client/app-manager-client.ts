// The AppManager's requests over the bus (role `app-manager`, or an address the caller resolves),
// each with its timeout: queries (apps, catalogue, plan) the short one, operations (install,
// start, stop, remove, upgrade, revert, configure) the long one. Every failure is an AppManagerError. Used
// by the app gateway (REST, XMPP: `run`, answering snake_case JSON) and the dashboard (the typed
// methods, answering the schema's replies).

import type { RequestType } from '../../schema/message-type.js';
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
  UpgradeApp,
  type AppsReply,
  type CatalogueReply,
  type InstallPlan,
} from '../../../schemas/generated/messages.js';
import type { AppCommand } from './app-command.js';
import { AppManagerError, asAppManagerError } from './app-manager-error.js';
import { appsReplyJson, catalogueJson, planJson, type JsonObject } from './app-json.js';

/** How the client reaches the bus: a module's requestOrThrow, bound to the AppManager's address. */
export type BusCall = <T, R>(type: RequestType<T, R>, value: T, timeoutMs: number) => Promise<R>;

export interface ClientTimeouts {
  queryTimeoutMs: number;
  operationTimeoutMs: number;
}

export class AppManagerClient {
  constructor(
    private readonly call: BusCall,
    private readonly timeouts: ClientTimeouts,
  ) {}

  apps(request: GetApps = {}): Promise<AppsReply> {
    return this.ask(GetApps, request, false, request.name);
  }

  catalogue(): Promise<CatalogueReply> {
    return this.ask(GetCatalogue, {}, false, undefined);
  }

  plan(request: PlanInstall): Promise<InstallPlan> {
    return this.ask(PlanInstall, request, false, request.name);
  }

  install(request: InstallApp): Promise<AppsReply> {
    return this.ask(InstallApp, request, true, request.name);
  }

  start(request: StartApp): Promise<AppsReply> {
    return this.ask(StartApp, request, true, request.name);
  }

  stop(request: StopApp): Promise<AppsReply> {
    return this.ask(StopApp, request, true, request.name);
  }

  remove(request: RemoveApp): Promise<AppsReply> {
    return this.ask(RemoveApp, request, true, request.name);
  }

  upgrade(request: UpgradeApp): Promise<AppsReply> {
    return this.ask(UpgradeApp, request, true, request.name);
  }

  /** Back to the version kept beside the current one (the one before the last upgrade). */
  revert(request: RevertApp): Promise<AppsReply> {
    return this.ask(RevertApp, request, true, request.name);
  }

  configure(request: ConfigureApp): Promise<AppsReply> {
    return this.ask(ConfigureApp, request, true, request.name);
  }

  /**
   * Runs a command and answers the gateways' JSON (./app-json.ts); lifecycle commands carry
   * `operationId` so their AppEvents can be followed.
   */
  async run(command: AppCommand, operationId: string): Promise<JsonObject> {
    switch (command.kind) {
      case 'apps': {
        const reply = appsReplyJson(await this.apps({ ...(command.name === undefined ? {} : { name: command.name }), ...onHost(command.host) }));
        const apps = reply.apps as JsonObject[];
        if (command.name !== undefined && apps.length === 0) throw new AppManagerError('NotFound', `app "${command.name}" is not installed${command.host ? ` on host ${command.host}` : ''}`, command.name);
        return reply;
      }
      case 'catalogue':
        return catalogueJson(await this.catalogue());
      case 'plan':
        return planJson(await this.plan({ name: command.name, ...(command.versionRange ? { versionRange: command.versionRange } : {}) }));
      case 'install':
        return appsReplyJson(
          await this.install({
            name: command.name,
            start: command.start,
            operationId,
            ...(command.versionRange ? { versionRange: command.versionRange } : {}),
            ...(command.planId ? { planId: command.planId } : {}),
            ...(command.config ? { configJson: JSON.stringify(command.config) } : {}),
            ...onHost(command.host),
          }),
        );
      case 'start':
        return appsReplyJson(await this.start({ name: command.name, withDependencies: command.withDependencies, operationId, ...onHost(command.host) }));
      case 'stop':
        return appsReplyJson(await this.stop({ name: command.name, force: command.force, operationId, ...(command.reason ? { reason: command.reason } : {}), ...onHost(command.host) }));
      case 'remove':
        return appsReplyJson(await this.remove({ name: command.name, deleteData: command.deleteData, operationId, ...onHost(command.host) }));
      case 'upgrade':
        return appsReplyJson(
          await this.upgrade({
            name: command.name,
            healthWindowMs: command.healthWindowMs,
            operationId,
            ...(command.versionRange ? { versionRange: command.versionRange } : {}),
            ...onHost(command.host),
          }),
        );
      case 'revert':
        return appsReplyJson(await this.revert({ name: command.name, healthWindowMs: command.healthWindowMs, operationId, ...onHost(command.host) }));
      case 'config':
        return appsReplyJson(await this.configure({ name: command.name, configJson: JSON.stringify(command.config), operationId, ...onHost(command.host) }));
    }
  }

  private async ask<T, R>(type: RequestType<T, R>, value: T, operation: boolean, app: string | undefined): Promise<R> {
    try {
      return await this.call(type, value, operation ? this.timeouts.operationTimeoutMs : this.timeouts.queryTimeoutMs);
    } catch (error) {
      throw asAppManagerError(error, app);
    }
  }
}

/** `host` travels only when set: empty means this host to the AppManager anyway. */
function onHost(host: string | undefined): { host?: string } {
  return host ? { host } : {};
}
