/**
 * Runs assign_peer.py (next to this file in the source tree; tsc copies no
 * .py into dist) with /usr/bin/python3, and reads its per-case results.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProgramProcess } from '../harness.js';
import { REPO_ROOT } from '../grid-model/paths.js';
import { pythonExecutable, resultNumber } from '../grid-model/python.js';
import type { PeerCaseResult, PeerSpec } from './export.js';
import { workDir } from './workspace.js';

export const PEER_SCRIPT = join(REPO_ROOT, 'tools', 'bench', 'grid-apps', 'assign_peer.py');

export async function runAssignPeer(method: 'pearson' | 'lstsq', spec: PeerSpec, log: (m: string) => void): Promise<PeerCaseResult[]> {
  const python = pythonExecutable();
  if (python === undefined) throw new Error('python3 not found');
  const specPath = join(workDir(), `${method}-spec.json`);
  const resultPath = join(workDir(), `${method}-result.json`);
  await writeFile(specPath, JSON.stringify(spec));
  const program = new ProgramProcess(python, [PEER_SCRIPT, method, specPath, resultPath], `numpy-${method}`);
  const status = await program.exited;
  if (status.code !== 0) {
    const output = program.lastOutput();
    throw new Error(`assign_peer.py ${method} ended with code ${status.code} signal ${status.signal}${output ? `; last output:\n    ${output}` : ''}`);
  }
  const parsed = JSON.parse(await readFile(resultPath, 'utf8')) as { numpy?: unknown; cases?: unknown };
  if (!Array.isArray(parsed.cases)) throw new Error(`assign_peer.py ${method}: no "cases" in its result`);
  log(`numpy ${String(parsed.numpy)}`);
  return parsed.cases.map((entry: Record<string, unknown>, i: number) => {
    const from = `assign_peer.py ${method}, case ${i}`;
    return {
      label: String(entry.label),
      correct: resultNumber(entry, 'correct', from),
      buildings: resultNumber(entry, 'buildings', from),
      ms: resultNumber(entry, 'ms', from),
    };
  });
}
