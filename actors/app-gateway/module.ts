// The app gateway: one bus module serving the AppManager's commands over REST (node:http) and
// XMPP (@xmpp/client). One module for both because they share everything but the wire: the
// AppManagerClient, the operation log fed by app-manager/events, and the settings; either can be
// left out. It talks to the AppManager only over the bus: this host's (role `app-manager`, by bus id). See ./README.md.

import { writeFileSync } from 'node:fs';
import { Module, type Declarations } from '../../core/actor/index.js';
import { AppEvent } from '../../schemas/generated/messages.js';
import { AppManagerClient, AppManagerError, eventJson } from '../../core/provisioning/app-manager-client/index.js';
import { GatewayError } from './gateway-error.js';
import { OperationLog } from './operation-log.js';
import { OwnAppManager } from './own-app-manager.js';
import { RestServer } from './rest-server.js';
import { TokenFile } from './rest-tokens.js';
import { gatewayDefaults, parseGatewaySettings, type GatewaySettings } from './settings.js';
import { XmppGateway } from './xmpp-gateway.js';

export const APP_EVENTS_TOPIC = 'app-manager/events';

export default class AppGateway extends Module {
  static override info = { name: 'app-gateway', version: '1.0.0', description: 'REST and XMPP control of the AppManager' };
  static override defaults: Record<string, unknown> = { ...gatewayDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private readonly settings: GatewaySettings = parseGatewaySettings(this.config);
  private readonly operations = new OperationLog(this.settings.keepOperationsMs);
  // This host's AppManager by bus id (several hosts may share the bus); see own-app-manager.ts.
  private readonly appManager = new OwnAppManager(this.settings.appManager, () => {
    const bus = this.context.bus();
    return { holders: (role) => bus.registry.holders(role), get: (id) => bus.registry.get(id), ownHostKey: bus.record.hostKey };
  });
  private readonly client = new AppManagerClient(async (type, value, timeoutMs) => this.requestOrThrow(await this.appManagerAddress(), type, value, { timeoutMs }), this.settings);
  private rest?: RestServer;
  private xmpp?: XmppGateway;

  override declare(on: Declarations): void {
    on.topic(APP_EVENTS_TOPIC, AppEvent, (event) => {
      if (event.operationId) this.operations.add(event.operationId, { kind: 'event', event: eventJson(event) });
    });
  }

  override async start(): Promise<void> {
    if (!this.settings.rest && !this.settings.xmpp) this.log.warn('neither "rest" nor "xmpp" is configured: the gateway serves nothing');
    const rest = this.settings.rest;
    if (rest) {
      this.rest = await RestServer.start({
        host: rest.host,
        port: rest.port,
        maxBodyBytes: rest.maxBodyBytes,
        tokens: new TokenFile(rest.tokensFile),
        client: this.client,
        operations: this.operations,
        log: this.log.child('rest'),
      });
      if (rest.portFile) writeFileSync(rest.portFile, `${this.rest.port}\n`);
      this.log.info('REST gateway listening', { url: this.rest.url });
    }
    if (this.settings.xmpp) {
      this.xmpp = new XmppGateway(this.settings.xmpp, this.client, this.operations, this.log.child('xmpp'));
      await this.xmpp.start();
    }
  }

  /** This host's AppManager; none beside the gateway is the AppManager absent (503), as when it is off the bus. */
  private async appManagerAddress(): Promise<string> {
    try {
      return await this.appManager.resolve(this.settings.appManagerWaitMs);
    } catch (error) {
      if (error instanceof GatewayError) throw new AppManagerError(error.code === 'Unavailable' ? 'Unavailable' : 'Internal', error.message, undefined, true);
      throw error;
    }
  }

  override async release(): Promise<void> {
    await super.release();
    await Promise.all([this.rest?.close(), this.xmpp?.close()]);
    this.rest = undefined;
    this.xmpp = undefined;
  }
}
