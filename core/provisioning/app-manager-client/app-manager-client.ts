// Carries out an AppCommand as a request to the AppManager over the bus (the gateway's only way to
// it), with a timeout, and turns every failure into a GatewayError: the AppManager's AppErrorReply
// keeps its code; an absent AppManager is 503, a timeout 504.

import { BusError, RecipientFailureError } from '../../core/bus/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import {
  AppErrorReply,
  ConfigureApp,
  GetApps,
  GetCatalogue,
  InstallApp,
  PlanInstall,
  RemoveApp,
  StartApp,
  StopApp,
  UpgradeApp,
} from '../../schemas/generated/messages.js';
import { isOperation, type AppCommand } from './app-command.js';
import { appsReplyJson, catalogueJson, planJson, type JsonObject } from './app-json.js';
import { GatewayError } from './gateway-error.js';

/** How the client reaches the bus: the module's requestOrThrow, bound to its role address. */
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

  /** Runs the command; lifecycle commands carry `operationId` so their AppEvents can be followed. */
  async run(command: AppCommand, operationId: string): Promise<JsonObject> {
    const app = 'name' in command ? command.name : undefined;
    const timeoutMs = isOperation(command) ? this.timeouts.operationTimeoutMs : this.timeouts.queryTimeoutMs;
    const ask = async <T, R>(type: RequestType<T, R>, value: T): Promise<R> => {
      try {
        return await this.call(type, value, timeoutMs);
      } catch (error) {
        throw asGatewayError(error, app);
      }
    };
    switch (command.kind) {
      case 'apps': {
        const reply = appsReplyJson(await ask(GetApps, { ...(command.name === undefined ? {} : { name: command.name }), ...onHost(command.host) }));
        const apps = reply.apps as JsonObject[];
        if (command.name !== undefined && apps.length === 0) throw new GatewayError('NotFound', `app "${command.name}" is not installed${command.host ? ` on host ${command.host}` : ''}`, command.name);
        return reply;
      }
      case 'catalogue':
        return catalogueJson(await ask(GetCatalogue, {}));
      case 'plan':
        return planJson(await ask(PlanInstall, { name: command.name, ...(command.versionRange ? { versionRange: command.versionRange } : {}) }));
      case 'install':
        return appsReplyJson(
          await ask(InstallApp, {
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
        return appsReplyJson(await ask(StartApp, { name: command.name, withDependencies: command.withDependencies, operationId, ...onHost(command.host) }));
      case 'stop':
        return appsReplyJson(await ask(StopApp, { name: command.name, force: command.force, operationId, ...(command.reason ? { reason: command.reason } : {}), ...onHost(command.host) }));
      case 'remove':
        return appsReplyJson(await ask(RemoveApp, { name: command.name, deleteData: command.deleteData, operationId, ...onHost(command.host) }));
      case 'upgrade':
        return appsReplyJson(
          await ask(UpgradeApp, {
            name: command.name,
            healthWindowMs: command.healthWindowMs,
            operationId,
            ...(command.versionRange ? { versionRange: command.versionRange } : {}),
            ...onHost(command.host),
          }),
        );
      case 'config':
        return appsReplyJson(await ask(ConfigureApp, { name: command.name, configJson: JSON.stringify(command.config), operationId, ...onHost(command.host) }));
    }
  }
}

/** `host` travels only when set: empty means this host to the AppManager anyway. */
function onHost(host: string | undefined): { host?: string } {
  return host ? { host } : {};
}

export function asGatewayError(error: unknown, app: string | undefined): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof RecipientFailureError && error.replyType === AppErrorReply.name) {
    let reply: AppErrorReply;
    try {
      reply = AppErrorReply.decode(error.replyBody);
    } catch {
      return new GatewayError('Internal', `the AppManager's error reply could not be decoded: ${error.message}`, app);
    }
    return new GatewayError(reply.code, reply.message ?? reply.code, reply.name || app);
  }
  if (error instanceof BusError) {
    switch (error.code) {
      case 'NoHandlers':
      case 'PeerGone':
      case 'Closed':
        return new GatewayError('Unavailable', `the AppManager is not reachable on the bus: ${error.message}`, app, 503);
      case 'Timeout':
        return new GatewayError('Timeout', `the AppManager did not answer in time: ${error.message}`, app);
      case 'Backpressure':
        return new GatewayError('Unavailable', `the AppManager does not keep up: ${error.message}`, app, 503);
      case 'RecipientFailure':
        return new GatewayError('Internal', `the AppManager failed: ${error.message}`, app);
    }
  }
  return new GatewayError('Internal', error instanceof Error ? error.message : String(error), app);
}
