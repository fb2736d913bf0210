/**
 * Support for the AppManager suites: the example apps of spec/fixtures/apps
 * packed and signed in the test (other releases made by rewriting their
 * manifest), a real App Store over a temporary folder, a real host agent
 * (`gridlink up`) whose tree runs the AppManager (dist/actors/app-manager)
 * beside an empty `apps` supervisor, and a bus peer that talks to it.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecipientFailureError, type Bus } from '../../core/bus/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import { generateSigningKeyPair, loadSigningKey, packModule, type SigningKey } from '../../core/provisioning/package/index.js';
import { AppErrorReply, AppEvent, AppsReply, GetMostRecentEntry, MostRecentEntryReply, StopApp } from '../../schemas/generated/messages.js';
import { tempDir, writeConfig } from '../actor/helpers.js';
import { distPath, repoRoot } from '../support/processes.js';
import { newDomain, startAgent, type Agent } from '../supervisor/helpers.js';

export const FIXTURES = join(repoRoot, 'spec', 'fixtures', 'apps');

/** A signing key written to `dir`: its private key, and its public key as a trusted-keys file. */
export function makeKey(dir: string, label: string): { key: SigningKey; publicKeyFile: string } {
  const pair = generateSigningKeyPair();
  const privateFile = join(dir, `${label}.key`);
  const publicKeyFile = join(dir, `${label}.pem`);
  writeFileSync(privateFile, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(publicKeyFile, pair.publicKeyPem);
  return { key: loadSigningKey(privateFile), publicKeyFile };
}

let variants = 0;

/**
 * Packs the example app `fixture` (its compiled files) into `out`, with its
 * manifest changed by `change` (another version, name, defaults...). The
 * manifest goes, with the fixture's sources, into a temporary folder that
 * mirrors the project (package.json, spec/fixtures/apps/<fixture>), so the
 * package keeps the module's path and its relative imports.
 */
export async function packApp(fixture: string, key: SigningKey, out: string, change: Record<string, unknown> = {}): Promise<string> {
  const manifest = { ...(JSON.parse(readFileSync(join(FIXTURES, fixture, 'manifest.json'), 'utf8')) as Record<string, unknown>), ...change };
  const project = join(tempDir('app-src'), `v${++variants}`);
  const sourceDir = join(project, 'spec', 'fixtures', 'apps', fixture);
  mkdirSync(sourceDir, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{ "private": true }\n');
  for (const file of readdirSync(join(FIXTURES, fixture))) if (file.endsWith('.ts')) copyFileSync(join(FIXTURES, fixture, file), join(sourceDir, file));
  writeFileSync(join(sourceDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const packed = await packModule({ sourceDir, compiledDir: distPath(`spec/fixtures/apps/${fixture}`), key, out });
  return packed.file;
}

export interface Setup {
  readonly dir: string;
  readonly appsDir: string;
  readonly store: RunningAppStore;
  readonly agent: Agent;
  /** AppEvents seen on app-manager/events. */
  readonly events: AppEvent[];
  close(): Promise<void>;
}

/** A store over `storeDir`, an agent running the AppManager (apps under root/apps), and the test's peer listening to AppEvents. */
export async function startSetup(storeDir: string, trustedKeys: string, settings: Record<string, unknown> = {}): Promise<Setup> {
  const dir = tempDir('app-manager');
  const appsDir = join(dir, 'apps');
  const store = await AppStoreServer.start({ dir: storeDir, log: () => undefined });
  const config = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'app-manager'), settings: { appsDir, storeUrl: store.url, trustedKeys, healthWindowMs: 1500, supervisor: 'root/apps', shutdownMs: 3000, ...settings } },
    'app-manager.config.json',
  );
  const domain = await newDomain();
  const agent = await startAgent(domain, dir, {
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'app-manager', module: 'app-manager', config },
      { name: 'apps', strategy: 'one_for_one', intensity: 10, periodMs: 10_000, children: [] },
    ],
  });
  const events: AppEvent[] = [];
  agent.peer.bus.subscribe('app-manager/events', (delivery) => events.push(AppEvent.decode(delivery.body)));
  await agent.peer.module('app-manager', undefined, 20_000, agent.process);
  // Subscriptions travel after the connection is up: ask for something refused (it ends with an AppEvent "error") until one arrives.
  const deadline = Date.now() + 10_000;
  for (let n = 1; !events.some((e) => e.operationId?.startsWith('warm-up')); n++) {
    if (Date.now() > deadline) throw new Error('no AppEvent from the AppManager within 10 s');
    await agent.peer.bus.request('app-manager', StopApp, { name: 'app-manager', force: false, operationId: `warm-up-${n}` }, AppsReply, { timeoutMs: 5000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    dir,
    appsDir,
    store,
    agent,
    events,
    async close() {
      await agent.stop();
      await store.close();
    },
  };
}

/**
 * The stages of an operation's AppEvents once its last stage `last` has arrived (or after 5 s,
 * when the assertion that follows shows what did). Events travel by publication and the reply by
 * a direct message: the last events may arrive a moment after the reply.
 */
export async function operationStages(setup: Setup, operationId: string, last: string | ((stages: string[]) => boolean), timeoutMs = 5000): Promise<string[]> {
  const stages = (): string[] => setup.events.filter((e) => e.operationId === operationId).map((e) => e.stage);
  const complete = typeof last === 'string' ? (seen: string[]) => seen.includes(last) : last;
  const deadline = Date.now() + timeoutMs;
  while (!complete(stages()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return stages();
}

/** Asks the AppManager; resolves with the reply, or rejects with the AppErrorReply as an Error carrying `reply`. */
export function ask<T, R>(setup: Setup, type: RequestType<T, R>, value: T, timeoutMs = 60_000): Promise<R> {
  return askAt(setup.agent.peer.bus, 'app-manager', type, value, timeoutMs);
}

/** `ask` through any bus peer, to any address (e.g. `app-manager@<id>` when several hosts hold the role). */
export async function askAt<T, R>(bus: Bus, address: string, type: RequestType<T, R>, value: T, timeoutMs = 60_000): Promise<R> {
  try {
    return await bus.request(address, type, value, type.reply, { timeoutMs });
  } catch (error) {
    throw asAppError(error);
  }
}

export class AppErrorSeen extends Error {
  constructor(readonly reply: AppErrorReply) {
    super(`${reply.code}: ${reply.message ?? ''}`);
  }
}

function asAppError(error: unknown): unknown {
  if (error instanceof RecipientFailureError && error.replyType === AppErrorReply.name) return new AppErrorSeen(AppErrorReply.decode(error.replyBody));
  return error;
}

/** The AppErrorReply a request is answered with (fails when it succeeds). */
export function refusal<T, R>(setup: Setup, type: RequestType<T, R>, value: T, timeoutMs = 60_000): Promise<AppErrorReply> {
  return refusalOf(ask(setup, type, value, timeoutMs), type.name);
}

/** The AppErrorReply an `ask` or `askAt` was answered with (fails when it succeeded). */
export async function refusalOf(asked: Promise<unknown>, what: string): Promise<AppErrorReply> {
  try {
    await asked;
  } catch (error) {
    if (error instanceof AppErrorSeen) return error.reply;
    throw error;
  }
  throw new Error(`${what} succeeded; a refusal was expected`);
}

/** Asks an example app on its role (GetMostRecentEntry as a carrier) for the value of an action ("count", "step", "ping"). */
export async function appValue(setup: Setup, role: string, action: string): Promise<number> {
  const reply = await setup.agent.peer.bus.request(role, GetMostRecentEntry, { dataPoint: action }, MostRecentEntryReply, { timeoutMs: 5000 });
  return reply.entry?.value ?? Number.NaN;
}

export { newDomain };
