/**
 * The CIM files of the row "CIM parse": the public SimBench (CGMES 2.4.15
 * and 3.0) and cimpy sample sets from the shared data folder (never copied
 * into the project), and a simulated feeder written as EQ + SSH files to a
 * temporary folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GridNetwork } from '../../../core/grid/network.js';
import { writeCim } from '../../simulate/cim-writer.js';
import { sharedDataDir } from './paths.js';

/** One model: the files read together into one merged dictionary. */
export interface CimSet {
  readonly name: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

const PUBLIC_SETS: readonly { name: string; folder: readonly string[] }[] = [
  { name: 'SimBench LV1.101 CGMES 2.4.15', folder: ['simbench_lv_rural1_cim', 'cgmes2_4_15'] },
  { name: 'SimBench LV1.101 CGMES 3.0', folder: ['simbench_lv_rural1_cim', 'cgmes3_0'] },
  { name: 'cimpy Sample_Grid_Switches node-breaker', folder: ['cimpy_sample_grid_switches', 'node_breaker'] },
  { name: 'cimpy Sample_Grid_Switches bus-branch', folder: ['cimpy_sample_grid_switches', 'bus_branch'] },
];

function setOf(name: string, files: readonly string[]): CimSet {
  return { name, files, bytes: files.reduce((sum, file) => sum + statSync(file).size, 0) };
}

/** The public sets found, and a line on each one missing. */
export function publicCimSets(): { sets: CimSet[]; missing: string[] } {
  const root = sharedDataDir();
  const sets: CimSet[] = [];
  const missing: string[] = [];
  for (const { name, folder } of PUBLIC_SETS) {
    const dir = join(root, ...folder);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.xml')).sort().map((f) => join(dir, f)) : [];
    if (files.length === 0) missing.push(`${name}: no *.xml in ${dir} (set GRIDLINK_SHARED_DATA)`);
    else sets.push(setOf(name, files));
  }
  return { sets, missing };
}

/** Writes `network` as EQ + SSH into `dir` and returns it as a set. */
export async function simulatedCimSet(name: string, network: GridNetwork, dir: string, seed: number): Promise<CimSet> {
  const written = await writeCim(network, {
    eqPath: join(dir, 'simulated_EQ.xml'),
    sshPath: join(dir, 'simulated_SSH.xml'),
    seed,
    scenarioTimeMs: Date.UTC(2026, 0, 5),
  });
  return setOf(name, [written.eqPath, written.sshPath]);
}
