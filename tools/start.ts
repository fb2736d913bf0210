/**
 * `npm start`: the main job on embedded defaults. Until the host agent and
 * its supervision trees exist (issue 3), it starts the modules of the
 * introductory use case as separate processes with `gridlink run`, passes
 * their logs through, and stops them all on Ctrl-C or SIGTERM.
 *
 * The storage role is served by the real storage module once the project
 * has one (actors/storage), and by the in-memory example until then.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../bin/gridlink.js', import.meta.url));
const modules = ['storage', 'examples/generator', 'examples/monitor'];
const extra = process.argv.slice(2);

if (extra.includes('--help') || extra.includes('-h')) {
  process.stdout.write(`npm start [-- <bus options>]

Starts a substation on embedded defaults: ${modules.join(', ')},
each as its own process on the Gridlink bus (cluster "gridlink", UDP port 5670).
Bus options (e.g. --cluster lab --port 5680) are passed to every module.
Look at it from another terminal with:
  npx gridlink registry
  npx gridlink subscribe measurements
  npx gridlink request storage GetMostRecentEntry '{"data_point": "meterA.u1"}'
Ctrl-C stops every module.
`);
  process.exit(0);
}

process.stderr.write(`gridlink: starting ${modules.join(', ')} (Ctrl-C stops them)\n`);
const children = new Map<string, ChildProcess>();
let stopping = false;

for (const name of modules) {
  const child = spawn(process.execPath, [cli, 'run', name, ...extra], { stdio: 'inherit' });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      // No supervisor restarts it yet (the host agent comes with issue 3): say so, keep the others.
      const how = code === 0 ? 'stopped (exit code 0)' : `ended abnormally (${signal ?? `exit code ${code}`}); it is not restarted`;
      process.stderr.write(`gridlink: ${name} ${how}; ${children.size} module(s) still running\n`);
      if (code !== 0) process.exitCode = 1;
    }
    if (children.size === 0) process.exit(process.exitCode ?? 0);
  });
}

function stop(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) process.exit(exitCode);
  // A module that ignores SIGTERM does not keep the substation from stopping.
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 5000).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
