// The XMPP gateway: logs in as its own account, takes commands as chat messages from allow-listed
// bare JIDs (chat-commands.ts has the syntax), carries them out through the AppManagerClient,
// answers with the result and pushes the progress (AppEvents) of the operations it started to
// the full JID that asked. Anyone else gets an error reply, and is logged.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from '../../core/log/logger.js';
import { isOperation } from './app-command.js';
import type { AppManagerClient } from './app-manager-client.js';
import { CHAT_HELP, parseChatCommand, type ChatCommand } from './chat-commands.js';
import { errorText, progressText, resultText } from './chat-replies.js';
import { GatewayError } from './gateway-error.js';
import type { OperationLog } from './operation-log.js';
import type { XmppSettings } from './settings.js';
import { loadXmpp, type XmlElement, type XmppClient, type XmppModule } from './xmpp-client.js';

/** A longer chat message is refused unread: commands are one line, configurations small. */
const MAX_BODY_CHARS = 65_536;
const RETRY_MS = 5000;
/** Refusals logged per stranger JID, so a flood of messages does not flood the log. */
const MAX_REFUSALS_LOGGED = 5;
const TRAILING_EVENTS_MS = 2000;

export class XmppGateway {
  private client?: XmppClient;
  private xmpp?: XmppModule;
  private closed = false;
  private retry?: NodeJS.Timeout;
  private readonly allowed: Set<string>;
  private readonly refusals = new Map<string, number>();
  private readonly following = new Set<() => void>();

  constructor(
    private readonly settings: XmppSettings,
    private readonly apps: AppManagerClient,
    private readonly operations: OperationLog,
    private readonly log: Logger,
  ) {
    this.allowed = new Set(settings.allow);
  }

  /** Connects in the background; an unreachable server is retried every few seconds, never fatal. */
  async start(): Promise<void> {
    const password = readFileSync(this.settings.passwordFile, 'utf8').split('\n')[0]!.trim();
    if (password === '') throw new Error(`app-gateway: the XMPP password file ${this.settings.passwordFile} is empty`);
    this.xmpp = await loadXmpp();
    const client = this.xmpp.client({
      service: this.settings.service,
      domain: this.settings.domain,
      username: this.settings.username,
      password,
      resource: this.settings.resource,
    });
    this.client = client;
    client.on('error', (error) => this.log.warn('XMPP connection problem', { error: error.message }));
    client.on('offline', () => this.log.info('XMPP offline'));
    client.on('online', (jid) => {
      this.log.info('XMPP online', { jid: jid.toString(), allowed: [...this.allowed].join(',') });
      // Available presence: the server then routes chat messages for the bare JID to us.
      void client.send(this.xmpp!.xml('presence')).catch((error: unknown) => this.log.warn('XMPP presence not sent', { error: String(error) }));
    });
    client.on('stanza', (stanza) => {
      void this.onStanza(stanza).catch((error: unknown) => this.log.error('XMPP message handling failed', { error: error instanceof Error ? error.message : String(error) }));
    });
    this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    for (const stop of this.following) stop();
    this.following.clear();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.reconnect.stop();
    await Promise.race([client.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
  }

  private connect(): void {
    const client = this.client;
    if (!client || this.closed) return;
    client.start().catch(async (error: unknown) => {
      this.log.warn('XMPP login failed; retrying', { service: this.settings.service, error: error instanceof Error ? error.message : String(error), retryMs: RETRY_MS });
      await client.stop().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => this.connect(), RETRY_MS);
    });
  }

  private async onStanza(stanza: XmlElement): Promise<void> {
    if (!stanza.is('message')) return;
    const type = stanza.attrs.type ?? 'normal';
    if (type !== 'chat' && type !== 'normal') return;
    const body = stanza.getChildText('body');
    const from = stanza.attrs.from;
    if (body === null || from === undefined) return; // chat states, receipts: nothing to answer
    const bare = from.split('/')[0]!.toLowerCase();
    if (!this.allowed.has(bare)) {
      const seen = (this.refusals.get(bare) ?? 0) + 1;
      this.refusals.set(bare, seen);
      if (seen <= MAX_REFUSALS_LOGGED) this.log.warn('XMPP command refused: sender not allowed', { from, refusals: seen });
      await this.reply(from, errorText({ code: 'Forbidden', message: 'you are not allowed to command this gateway' }));
      return;
    }
    if (body.length > MAX_BODY_CHARS) {
      await this.reply(from, errorText({ code: 'InvalidArgument', message: `message longer than ${MAX_BODY_CHARS} characters` }));
      return;
    }
    let chat: ChatCommand;
    try {
      chat = parseChatCommand(body);
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError('InvalidArgument', String(error));
      await this.reply(from, body.trim().startsWith('{') ? JSON.stringify({ ok: false, error: failure.toJson() }) : errorText(failure.toJson()));
      return;
    }
    await this.carryOut(from, chat);
  }

  private async carryOut(from: string, chat: ChatCommand): Promise<void> {
    const json = chat.format === 'json';
    const command = chat.command;
    if (!command) {
      await this.reply(from, json ? JSON.stringify({ ok: true, help: CHAT_HELP }) : CHAT_HELP);
      return;
    }
    const operationId = isOperation(command) ? (chat.operationId ?? `x-${randomUUID().slice(0, 8)}`) : '';
    let stopFollowing = (): void => undefined;
    if (operationId) {
      this.log.info('XMPP command', { from, command: command.kind, name: 'name' in command ? command.name : '', operationId });
      const stop = this.operations.follow(operationId, (entry) => {
        if (entry.kind !== 'event') return;
        void this.reply(from, json ? JSON.stringify({ progress: entry.event }) : progressText(operationId, entry.event));
      });
      this.following.add(stop);
      // The AppManager's last events may arrive just after its reply (a publication and a reply
      // travel separately): they are still pushed for a moment after the result.
      stopFollowing = () => {
        const timer = setTimeout(() => {
          stop();
          this.following.delete(stop);
        }, TRAILING_EVENTS_MS);
        timer.unref();
      };
      await this.reply(from, json ? JSON.stringify({ accepted: command.kind, operation_id: operationId }) : `[${operationId}] ${command.kind} ${'name' in command ? command.name : ''}: started`);
    }
    try {
      const result = await this.apps.run(command, operationId);
      stopFollowing();
      if (operationId) this.operations.finish(operationId, { kind: 'result', result });
      await this.reply(from, json ? JSON.stringify({ ok: true, command: command.kind, operation_id: operationId, result }) : `${operationId ? `[${operationId}] ` : ''}${resultText(command, result)}`);
    } catch (error) {
      stopFollowing();
      const failure = error instanceof GatewayError ? error : new GatewayError('Internal', error instanceof Error ? error.message : String(error));
      if (operationId) this.operations.finish(operationId, { kind: 'error', error: failure.toJson() });
      await this.reply(from, json ? JSON.stringify({ ok: false, command: command.kind, operation_id: operationId, error: failure.toJson() }) : `${operationId ? `[${operationId}] ` : ''}${errorText(failure.toJson())}`);
    }
  }

  private async reply(to: string, text: string): Promise<void> {
    const client = this.client;
    const xmpp = this.xmpp;
    if (!client || !xmpp) return;
    try {
      await client.send(xmpp.xml('message', { to, type: 'chat' }, xmpp.xml('body', {}, text)));
    } catch (error) {
      this.log.warn('XMPP reply not sent', { to, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
