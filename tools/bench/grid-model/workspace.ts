/**
 * The data every subject of one benchmark run shares, made on first use
 * and kept for the run: the simulated feeders by size (same seed, so ours
 * and the peers see the same network) and a temporary folder for the files
 * handed to the Python peers, removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFeeder, type SimulatedFeeder } from '../../simulate/feeder.js';
import { SEED } from './plan.js';

let folder: string | undefined;
const feeders = new Map<string, SimulatedFeeder>();

/** The run's temporary folder (created on first use). */
export function workDir(): string {
  folder ??= mkdtempSync(join(tmpdir(), 'gridlink-bench-grid-model-'));
  return folder;
}

/** Removes the temporary folder, if one was made. */
export function removeWorkDir(): void {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
}

/**
 * The simulated feeder of about `elements` elements with `switches`
 * switching devices (about a quarter of them normally open ring ties), and
 * a monitoring point per ~100 elements.
 */
export function feederOf(elements: number, switches: number): SimulatedFeeder {
  const key = `${elements}/${switches}`;
  let feeder = feeders.get(key);
  if (feeder === undefined) {
    feeder = generateFeeder({ seed: SEED, elements, switches, monitoringPoints: Math.max(4, Math.round(elements / 100)) });
    feeders.set(key, feeder);
  }
  return feeder;
}
