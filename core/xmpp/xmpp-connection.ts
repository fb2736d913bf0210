// One XMPP account's connection, as the modules that talk XMPP share it (the app gateway takes
// commands, the alarms module sends notifications): the password read from a file, login in the
// background with a retry every few seconds while the server is unreachable or refuses, available
// presence once online (the server then routes chat for the bare JID here), @xmpp/client's own
// reconnect after a lost connection, chat messages out, stanzas in. Never fatal to the module.

import { readFileSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import { loadXmpp, type XmlElement, type XmppClient, type XmppModule } from './xmpp-client.js';

export interface XmppAccount {
  /** e.g. `xmpp://127.0.0.1:5222`. */
  readonly service: string;
  readonly domain: string;
  readonly username: string;
  /** File holding the account's password (first line). */
  readonly passwordFile: string;
  readonly resource: string;
}

const DEFAULT_RETRY_MS = 5000;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class XmppConnection {
  private client?: XmppClient;
  private xmpp?: XmppModule;
  private closed = false;
  private retry?: NodeJS.Timeout;
  private isOnline = false;
  private readonly stanzaListeners: ((stanza: XmlElement) => void)[] = [];
  private readonly onlineListeners: ((jid: string) => void)[] = [];

  /** `owner` names the module in error messages ("app-gateway", "alarms"). */
  constructor(
    private readonly account: XmppAccount,
    private readonly log: Logger,
    private readonly owner: string,
    private readonly retryMs = DEFAULT_RETRY_MS,
  ) {}

  /** Every stanza received (messages, presences...). */
  onStanza(listener: (stanza: XmlElement) => void): void {
    this.stanzaListeners.push(listener);
  }

  /** Each time the account is online (after a login, and after every reconnect). */
  onOnline(listener: (jid: string) => void): void {
    this.onlineListeners.push(listener);
  }

  get online(): boolean {
    return this.isOnline;
  }

  /**
   * Reads the password and connects in the background; only a missing or empty password file
   * throws (a configuration mistake), an unreachable server is retried.
   */
  async start(): Promise<void> {
    const password = readFileSync(this.account.passwordFile, 'utf8').split('\n')[0]!.trim();
    if (password === '') throw new Error(`${this.owner}: the XMPP password file ${this.account.passwordFile} is empty`);
    const xmpp = await loadXmpp();
    this.xmpp = xmpp;
    const client = xmpp.client({ service: this.account.service, domain: this.account.domain, username: this.account.username, password, resource: this.account.resource });
    this.client = client;
    client.on('error', (error) => this.log.warn('XMPP connection problem', { error: error.message }));
    client.on('offline', () => {
      this.isOnline = false;
      this.log.info('XMPP offline');
    });
    client.on('disconnect', () => {
      this.isOnline = false;
    });
    client.on('online', (jid) => {
      this.isOnline = true;
      this.log.info('XMPP online', { jid: jid.toString() });
      // Available presence: the server then routes chat messages for the bare JID to us.
      void client.send(xmpp.xml('presence')).catch((error: unknown) => this.log.warn('XMPP presence not sent', { error: describe(error) }));
      for (const listener of this.onlineListeners) listener(jid.toString());
    });
    client.on('stanza', (stanza) => {
      for (const listener of this.stanzaListeners) listener(stanza);
    });
    this.connect();
  }

  /** Sends a chat message; rejects when offline or when the connection fails under it. */
  async sendChat(to: string, text: string): Promise<void> {
    const client = this.client;
    const xmpp = this.xmpp;
    if (!client || !xmpp || !this.isOnline) throw new Error('XMPP is not connected');
    await client.send(xmpp.xml('message', { to, type: 'chat' }, xmpp.xml('body', {}, text)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.isOnline = false;
    clearTimeout(this.retry);
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
      this.log.warn('XMPP login failed; retrying', { service: this.account.service, error: describe(error), retryMs: this.retryMs });
      await client.stop().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => this.connect(), this.retryMs);
    });
  }
}
