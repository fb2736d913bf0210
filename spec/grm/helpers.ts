/**
 * Support for the spec/grm and spec/brm suites: the GRM and BRM modules (dist/actors/…/module.js)
 * as real `gridlink run` processes on a discovery domain of the test, questions to them from the
 * test's bus peer, their GridErrorReply decoded, and the simulator's files read back as the
 * expected answers.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RecipientFailureError } from '../../core/bus/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { GridErrorReply } from '../../schemas/generated/messages.js';
import { distPath, type LineProcess } from '../support/processes.js';
import { domainFlags, runGridlink, startGridlink, tempDir, TestPeer, writeConfig, type Domain } from '../actor/helpers.js';

export const GRM_MODULE = distPath('actors/grm/module.js');
export const BRM_MODULE = distPath('actors/brm/module.js');

export interface RunningModule {
  readonly process: LineProcess;
  /** Its module id on the bus: `grm@<id>` addresses exactly this one. */
  readonly id: string;
  readonly dir: string;
  readonly configPath: string;
}

/**
 * Starts `gridlink run <module>` with these settings (stateDir in `dir`); resolves once `peer`
 * sees it running, or rejects with its log if it ends first.
 */
export async function startGridModule(peer: TestPeer, domain: Domain, name: 'grm' | 'brm', settings: Record<string, unknown>, dir = tempDir(name)): Promise<RunningModule> {
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings });
  const running = startGridlink(['run', name === 'grm' ? GRM_MODULE : BRM_MODULE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: name });
  const record = await Promise.race([
    peer.module(name, running.pid, 30_000, running),
    running.exited.then(({ code, signal }) => {
      throw new Error(`${name} ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
  return { process: running, id: record.id, dir, configPath };
}

/** Asks a role; resolves with the reply. */
export function ask<T, R>(peer: TestPeer, role: string, type: RequestType<T, R>, value: T, timeoutMs = 10_000): Promise<R> {
  return peer.bus.request(role, type, value, type.reply, { timeoutMs });
}

/** Asks a role and expects a GridErrorReply; resolves with it decoded. */
export async function askError<T, R>(peer: TestPeer, role: string, type: RequestType<T, R>, value: T, timeoutMs = 10_000): Promise<GridErrorReply> {
  let reply: R;
  try {
    reply = await ask(peer, role, type, value, timeoutMs);
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === GridErrorReply.name) return GridErrorReply.decode(error.replyBody);
    throw error;
  }
  throw new Error(`expected a GridErrorReply to ${type.name}, got ${JSON.stringify(reply, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)).slice(0, 300)}`);
}

/** What feeder.json of `gridlink simulate` says, as far as the tests read it. */
export interface SimulatedTruth {
  readonly grid: { readonly startMs: number; readonly stepMs: number; readonly samples: number };
  readonly transformer: string;
  readonly buildings: readonly { readonly id: string; readonly name: string; readonly dataPoint: string; readonly monitoringPoint: string }[];
  readonly monitoringPoints: readonly { readonly id: string; readonly element: string; readonly dataPoint: string; readonly buildings: readonly string[] }[];
}

export interface Simulation {
  readonly dir: string;
  readonly truth: SimulatedTruth;
  /** The profiles by data point name, as the CSV files hold them (gaps are missing rows). */
  readonly profiles: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

/** Runs `gridlink simulate` to CSV files in a temporary folder and reads them back. */
export async function simulateToFiles(args: readonly string[]): Promise<Simulation> {
  const dir = tempDir('simulate');
  const out = join(dir, 'sim');
  const done = await runGridlink(['simulate', '--out', out, '--quiet', ...args], { cwd: dir, limitMs: 30_000 });
  if (done.code !== 0) throw new Error(`gridlink simulate failed (${done.code}):\n${done.stderr}`);
  const truth = JSON.parse(readFileSync(join(out, 'feeder.json'), 'utf8')) as SimulatedTruth;
  const profiles = new Map<string, Map<number, number>>();
  for (const file of readdirSync(join(out, 'profiles'))) {
    const rows = new Map<number, number>();
    for (const line of readFileSync(join(out, 'profiles', file), 'utf8').split('\n').slice(1)) {
      if (line === '') continue;
      const [t, v] = line.split(',');
      rows.set(Number(t), Number(v));
    }
    profiles.set(file.replace(/\.csv$/, ''), rows);
  }
  return { dir: out, truth, profiles };
}

/** Runs `gridlink simulate --storage` into the storage module of the domain. */
export async function simulateToStorage(domain: Domain, args: readonly string[]): Promise<string> {
  const dir = tempDir('simulate-storage');
  const out = join(dir, 'sim');
  const done = await runGridlink(['simulate', '--out', out, '--quiet', '--storage', ...domainFlags(domain), ...args], { cwd: dir, limitMs: 40_000 });
  if (done.code !== 0) throw new Error(`gridlink simulate --storage failed (${done.code}):\n${done.stderr}`);
  return out;
}

/**
 * The quality the profile rules (core/grid/profiles/align.ts) give slot k of a profile sampled
 * exactly on the grid: 0 when the sample is there; 1 when it is missing inside a run of at most
 * `maxMissing` missing samples with samples on both sides; 2 otherwise (longer runs, the edges).
 */
export function expectedQuality(samples: ReadonlyMap<number, number>, startMs: number, stepMs: number, slots: number, maxMissing: number): Uint8Array {
  const quality = new Uint8Array(slots);
  let k = 0;
  while (k < slots) {
    if (samples.has(startMs + k * stepMs)) {
      k++;
      continue;
    }
    let end = k;
    while (end < slots && !samples.has(startMs + end * stepMs)) end++;
    const inner = k > 0 && end < slots;
    quality.fill(inner && end - k <= maxMissing ? 1 : 2, k, end);
    k = end;
  }
  return quality;
}
