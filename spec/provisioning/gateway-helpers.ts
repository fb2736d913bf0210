/**
 * Support for the gateway suites: a real App Store holding the example apps (chain-a ← chain-b ←
 * chain-c, packed and signed in the test; later releases published to it), a real host agent (`gridlink up`)
 * whose tree runs the AppManager and the app gateway (dist/actors/app-gateway) beside an empty
 * `apps` supervisor, a tokens file, and a small HTTP client for the REST gateway.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import { AppEvent } from '../../schemas/generated/messages.js';
import { tempDir, until, writeConfig } from '../actor/helpers.js';
import { distPath } from '../support/processes.js';
import { newDomain, startAgent, type Agent } from '../supervisor/helpers.js';
import type { SigningKey } from '../../core/provisioning/package/index.js';
import { loadXmpp, type XmppClient, type XmppModule } from '../../actors/app-gateway/xmpp-client.js';
import { makeKey, packApp } from './app-manager-helpers.js';

export const GATEWAY_MODULE = distPath('actors/app-gateway/module.js');
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';

export interface GatewaySetup {
  readonly dir: string;
  readonly appsDir: string;
  readonly store: RunningAppStore;
  readonly agent: Agent;
  /** The REST gateway, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly events: AppEvent[];
  /** The key the store's packages are signed with (trusted by the AppManager). */
  readonly key: SigningKey;
  close(): Promise<void>;
}

export const STORE_TOKEN = 'store-token-0123456789abcdef';

/** Packs chain-a, chain-b, chain-c (1.0.0) into a new store folder; returns it, the signing key and the trusted key file. */
export async function packChain(): Promise<{ storeDir: string; key: SigningKey; trustedKeys: string }> {
  const keys = tempDir('gw-keys');
  const trusted = makeKey(keys, 'publisher');
  const storeDir = tempDir('gw-store');
  await packApp('chain-a', trusted.key, storeDir);
  await packApp('chain-b', trusted.key, storeDir);
  await packApp('chain-c', trusted.key, storeDir);
  return { storeDir, key: trusted.key, trustedKeys: trusted.publicKeyFile };
}

/** Packs another release of an example app and publishes it to the running store (POST /packages). */
export async function publishRelease(setup: GatewaySetup, fixture: string, change: Record<string, unknown>): Promise<void> {
  const file = await packApp(fixture, setup.key, tempDir('gw-release'), change);
  const response = await fetch(`${setup.store.url}/packages`, { method: 'POST', headers: { Authorization: `Bearer ${STORE_TOKEN}` }, body: readFileSync(file) });
  if (!response.ok) throw new Error(`publishing ${file} answered ${response.status}: ${await response.text()}`);
}

/** Starts the store, the agent with AppManager and gateway; `xmpp` settings are passed to the gateway as they are. */
export async function startGatewaySetup(options: { xmpp?: Record<string, unknown>; rest?: boolean } = {}): Promise<GatewaySetup> {
  const { storeDir, key, trustedKeys } = await packChain();
  const dir = tempDir('gateway');
  const appsDir = join(dir, 'apps');
  const store = await AppStoreServer.start({ dir: storeDir, publishToken: STORE_TOKEN, log: () => undefined });
  const managerConfig = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'app-manager'), settings: { appsDir, storeUrl: store.url, trustedKeys, healthWindowMs: 1000, supervisor: 'root/apps', shutdownMs: 3000 } },
    'app-manager.config.json',
  );
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(
    tokensFile,
    JSON.stringify({ tokens: [{ name: 'admin', token: ADMIN_TOKEN, scopes: ['admin'] }, { name: 'dashboard-viewer', token: READ_TOKEN, scopes: ['read'] }] }),
  );
  const portFile = join(dir, 'gateway.port');
  const gatewaySettings: Record<string, unknown> = { queryTimeoutMs: 10_000, operationTimeoutMs: 60_000 };
  if (options.rest !== false) gatewaySettings.rest = { host: '127.0.0.1', port: 0, tokensFile, portFile, maxBodyBytes: 4096 };
  if (options.xmpp) gatewaySettings.xmpp = options.xmpp;
  const gatewayConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'app-gateway'), settings: gatewaySettings }, 'app-gateway.config.json');
  const domain = await newDomain();
  const agent = await startAgent(domain, dir, {
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'app-manager', module: 'app-manager', config: managerConfig },
      { name: 'app-gateway', module: GATEWAY_MODULE, config: gatewayConfig },
      { name: 'apps', strategy: 'one_for_one', intensity: 10, periodMs: 10_000, children: [] },
    ],
  });
  const events: AppEvent[] = [];
  agent.peer.bus.subscribe('app-manager/events', (delivery) => events.push(AppEvent.decode(delivery.body)));
  await agent.peer.module('app-manager', undefined, 20_000, agent.process);
  await agent.peer.module('app-gateway', undefined, 20_000, agent.process);
  let url = '';
  if (options.rest !== false) {
    const port = await until(() => {
      try {
        return readFileSync(portFile, 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    }, 'the gateway port file', 10_000);
    url = `http://127.0.0.1:${port}`;
  }
  return {
    dir,
    appsDir,
    store,
    agent,
    url,
    events,
    key,
    async close() {
      await agent.stop();
      await store.close();
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

/** One HTTP request to the gateway; the body is sent as given (a string: raw). */
export async function http(url: string, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Reads an SSE stream to its end (or until `limitMs`); resolves with its events. */
export async function readEvents(url: string, operationId: string, token: string, limitMs = 60_000): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limitMs);
  const events: { event: string; data: Record<string, unknown> }[] = [];
  try {
    const response = await fetch(`${url}/operations/${operationId}/events`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: abort.signal });
    if (response.status !== 200 || !response.body) throw new Error(`event stream answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return events;
}

/** A person at an XMPP client (@xmpp/client), keeping every chat message it receives. */
export class ChatUser {
  readonly received: { from: string; body: string }[] = [];
  private constructor(
    private readonly client: XmppClient,
    private readonly xmpp: XmppModule,
    readonly jid: string,
  ) {}

  static async login(service: string, domain: string, username: string, password: string): Promise<ChatUser> {
    const xmpp = await loadXmpp();
    const client = xmpp.client({ service, domain, username, password, resource: 'test' });
    client.reconnect.stop();
    const user = new ChatUser(client, xmpp, `${username}@${domain}`);
    client.on('error', () => undefined);
    client.on('stanza', (stanza) => {
      const body = stanza.is('message') ? stanza.getChildText('body') : null;
      if (body !== null) user.received.push({ from: stanza.attrs.from ?? '', body });
    });
    await client.start();
    await client.send(xmpp.xml('presence'));
    return user;
  }

  async say(to: string, body: string): Promise<void> {
    await this.client.send(this.xmpp.xml('message', { to, type: 'chat' }, this.xmpp.xml('body', {}, body)));
  }

  /** The first message received after `since` (an index into `received`) that matches. */
  waitFor(match: (body: string) => boolean, since = 0, timeoutMs = 30_000, what = 'a matching message'): Promise<string> {
    return until(() => this.received.slice(since).find((m) => match(m.body))?.body, `${this.jid}: ${what} (received: ${JSON.stringify(this.received.slice(since).map((m) => m.body))})`, timeoutMs);
  }

  /** Says `body` and waits for the first reply that matches. */
  async ask(to: string, body: string, match: (reply: string) => boolean = () => true, timeoutMs = 30_000): Promise<string> {
    const since = this.received.length;
    await this.say(to, body);
    return this.waitFor(match, since, timeoutMs, `reply to "${body}"`);
  }

  async close(): Promise<void> {
    await Promise.race([this.client.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
  }
}
