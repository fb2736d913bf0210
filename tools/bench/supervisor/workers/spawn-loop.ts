/**
 * The floor of `npm run bench:supervisor`: the least a supervisor can do. It
 * spawns a bare `node -e` child that prints one line and stays alive, and
 * when the child exits spawns the next one at once; nothing else (no tree, no
 * bus, no backoff, no logs). The benchmark process kills the children.
 *
 * It reports, as results, on the monotonic clock (process.hrtime, which on
 * Linux is CLOCK_MONOTONIC and so comparable with the parent's):
 *   {event: "visible", pid, atNs}  a child's first stdout line arrived
 *   {event: "exit", pid, atNs}     the 'exit' event of a child (the crash is known)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { nowNs } from '../../stats.js';
import { runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';

/** The supervised program: one line on stdout, then idle until killed. */
const CHILD = "process.stdout.write('up\\n'); setInterval(() => {}, 1 << 30);";

runWorker(async () => {
  let stopping = false;
  let child: ChildProcess | undefined;

  const start = (): void => {
    const c = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = c;
    const pid = c.pid ?? -1;
    let seen = false;
    c.stdout?.on('data', () => {
      if (seen) return;
      seen = true;
      void sendResult({ event: 'visible', pid, atNs: nowNs() });
    });
    c.once('exit', () => {
      const atNs = nowNs();
      // Respawn first: reporting must not delay the restart.
      if (!stopping) start();
      void sendResult({ event: 'exit', pid, atNs });
    });
    c.once('error', (error) => process.stderr.write(`spawn-loop: ${error.message}\n`));
  };

  start();
  await sendReady();
  await stopRequested();
  stopping = true;
  child?.kill('SIGKILL');
});
