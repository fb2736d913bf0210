/**
 * Support for the spec/storage suites: the storage module (dist/actors/storage/module.js) as a
 * real `gridlink run` process on a discovery domain of the test, a bus peer in the test process
 * that asks it, and the decoding of its ErrorReply.
 */
import { join } from 'node:path';
import { RecipientFailureError } from '../../core/bus/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { ErrorReply } from '../../schemas/generated/messages.js';
import { distPath, freeUdpPort, uniqueCluster, type LineProcess } from '../support/processes.js';
import { domainFlags, startGridlink, tempDir, TestPeer, writeConfig, type Domain } from '../actor/helpers.js';

export const STORAGE_MODULE = distPath('actors/storage/module.js');

export async function newDomain(label: string): Promise<Domain> {
  return { port: await freeUdpPort(), cluster: uniqueCluster(label) };
}

export interface RunningStorage {
  readonly process: LineProcess;
  readonly dir: string;
  readonly configPath: string;
}

/**
 * Starts the storage module with these settings (stateDir in `dir`); resolves once `peer` sees it
 * running, or rejects with its log if it ends first.
 */
export async function startStorage(peer: TestPeer, domain: Domain, settings: Record<string, unknown>, dir = tempDir('storage')): Promise<RunningStorage> {
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings });
  const running = startGridlink(['run', STORAGE_MODULE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'storage' });
  await Promise.race([
    peer.module('storage', running.pid, 20_000, running),
    running.exited.then(({ code, signal }) => {
      throw new Error(`storage ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
  return { process: running, dir, configPath };
}

/** Asks role storage; resolves with the reply. */
export function ask<T, R>(peer: TestPeer, type: RequestType<T, R>, value: T, timeoutMs = 5000): Promise<R> {
  return peer.bus.request('storage', type, value, type.reply, { timeoutMs });
}

/** Asks role storage and expects an ErrorReply; resolves with it decoded. */
export async function askError<T, R>(peer: TestPeer, type: RequestType<T, R>, value: T, timeoutMs = 5000): Promise<ErrorReply> {
  let reply: R;
  try {
    reply = await ask(peer, type, value, timeoutMs);
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name) return ErrorReply.decode(error.replyBody);
    throw error;
  }
  throw new Error(`expected an ErrorReply to ${type.name}, got ${JSON.stringify(reply, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}`);
}
