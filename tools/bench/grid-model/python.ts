/**
 * The Python peers: scripts next to this file (cim_peer.py, topology_peer.py,
 * residual_peer.py) run by /usr/bin/python3 as child processes of the
 * benchmark. Each reads its input from files written here, times itself
 * (interpreter start, imports and input reading excluded) and writes one
 * JSON object to a result file; its stdout and stderr go to our stderr.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findExecutable, ProgramProcess } from '../harness.js';
import { PYTHON_SCRIPTS } from './paths.js';

/** The Debian interpreter, where python3-numpy, -networkx and -lxml install; else python3 on PATH. */
export function pythonExecutable(): string | undefined {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : findExecutable('python3');
}

/** Why the modules cannot be imported (missing interpreter or package), or undefined when they can. */
export function pythonUnavailable(modules: readonly string[]): string | undefined {
  const python = pythonExecutable();
  if (python === undefined) return 'python3 not found (tools/setup/debian-packages.sh installs it)';
  try {
    execFileSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
    return `${python} cannot import ${modules.join(', ')}: ${stderr ?? String(error)} (tools/setup/debian-packages.sh installs python3-numpy python3-networkx python3-lxml)`;
  }
}

/** Whether lxml imports; the CIM peer falls back to xml.etree.ElementTree without it. */
export function hasLxml(): boolean {
  return pythonUnavailable(['lxml.etree']) === undefined;
}

/**
 * Runs `script` with `args` plus a spec file (the JSON `spec`, written to
 * `workDir`) and a result path, and returns the parsed result. Throws when
 * the script fails, naming its last output lines.
 */
export async function runPythonPeer(options: {
  script: string;
  label: string;
  workDir: string;
  spec: unknown;
  args?: readonly string[];
}): Promise<Record<string, unknown>> {
  const python = pythonExecutable();
  if (python === undefined) throw new Error('python3 not found');
  const specPath = join(options.workDir, `${options.label}-spec.json`);
  const resultPath = join(options.workDir, `${options.label}-result.json`);
  await writeFile(specPath, JSON.stringify(options.spec));
  const program = new ProgramProcess(python, [join(PYTHON_SCRIPTS, options.script), ...(options.args ?? []), specPath, resultPath], options.label);
  const status = await program.exited;
  if (status.code !== 0) {
    const output = program.lastOutput();
    throw new Error(`${options.script} ended with code ${status.code} signal ${status.signal}${output ? `; last output:\n    ${output}` : ''}`);
  }
  const parsed: unknown = JSON.parse(await readFile(resultPath, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${options.script}: result is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** A finite number field of a peer's result, or an error naming it. */
export function resultNumber(result: Record<string, unknown>, key: string, from: string): number {
  const value = result[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${from}: expected a number in "${key}", got ${JSON.stringify(value)}`);
  return value;
}
