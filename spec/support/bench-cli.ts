/**
 * Runs a compiled benchmark (`dist/tools/bench/<name>/main.js`, built by `npm test` before
 * vitest runs) as `npm run bench:<name>` would, and collects its output: the spec/bench tests
 * run every benchmark in --quick --json mode so none of them can rot.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The compiled entry of benchmark `name`. */
export function benchEntry(name: string): string {
  return fileURLToPath(new URL(`../../dist/tools/bench/${name}/main.js`, import.meta.url));
}

export function runBench(name: string, args: string[]): Promise<BenchRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [benchEntry(name), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
