// The XMPP gateway: logs in as its own account, takes commands as chat messages from allow-listed
// bare JIDs (chat-commands.ts has the syntax), carries them out through the AppManagerClient,
// answers with the result and pushes the progress (AppEvents) of the operations it started to
// the full JID that asked. Anyone else gets an error reply, and is logged.

import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/log/logger.js';
import type { XmlElement } from '../../core/xmpp/xmpp-client.js';
import { XmppConnection } from '../../core/xmpp/xmpp-connection.js';
import { isOperation, type AppManagerClient } from '../../core/provisioning/app-manager-client/index.js';
import { CHAT_HELP, parseChatCommand, type ChatCommand } from './chat-commands.js';
import { errorText, progressText, resultText } from './chat-replies.js';
import { GatewayError, toGatewayError } from './gateway-error.js';
import type { OperationLog } from './operation-log.js';
import type { XmppSettings } from './settings.js';

/** A longer chat message is refused unread: commands are one line, configurations small. */
const MAX_BODY_CHARS = 65_536;
/** Refusals logged per stranger JID, so a flood of messages does not flood the log. */
const MAX_REFUSALS_LOGGED = 5;
const TRAILING_EVENTS_MS = 2000;

export class XmppGateway {
  private readonly connection: XmppConnection;
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
    this.connection = new XmppConnection(settings, log, 'app-gateway');
    this.connection.onOnline(() => this.log.info('XMPP commands accepted', { allowed: [...this.allowed].join(',') }));
    this.connection.onStanza((stanza) => {
      void this.onStanza(stanza).catch((error: unknown) => this.log.error('XMPP message handling failed', { error: error instanceof Error ? error.message : String(error) }));
    });
  }

  /** Connects in the background; an unreachable server is retried every few seconds, never fatal. */
  start(): Promise<void> {
    return this.connection.start();
  }

  async close(): Promise<void> {
    for (const stop of this.following) stop();
    this.following.clear();
    await this.connection.close();
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
      const failure = toGatewayError(error);
      if (operationId) this.operations.finish(operationId, { kind: 'error', error: failure.toJson() });
      await this.reply(from, json ? JSON.stringify({ ok: false, command: command.kind, operation_id: operationId, error: failure.toJson() }) : `${operationId ? `[${operationId}] ` : ''}${errorText(failure.toJson())}`);
    }
  }

  private async reply(to: string, text: string): Promise<void> {
    try {
      await this.connection.sendChat(to, text);
    } catch (error) {
      this.log.warn('XMPP reply not sent', { to, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
