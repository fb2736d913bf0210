/**
 * The "ours" column of `npm run bench:supervisor`, black-box: a tree file
 * with one permanent worker (examples/memory-storage) under a one_for_one
 * root, run by `node bin/gridlink.js up <tree> --port <udp> --cluster <name>`
 * in a discovery domain of its own, and a bus peer (./workers/observer.ts)
 * in the same domain that SIGKILLs the module process and watches its
 * registry replica. Nothing here imports the supervisor's code.
 */
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProgram, startWorker, type ProgramProcess, type WorkerProcess } from '../harness.js';
import { measurementTimeoutMs, millisecondsList, type KillPlan, type KillSamples } from './plan.js';

/** The supervised module and its name on the bus (its Module.info.name). */
export const MODULE = 'examples/memory-storage';
export const MODULE_BUS_NAME = 'memory-storage';

/** bin/gridlink.js, from dist/tools/bench/supervisor/. */
const CLI = fileURLToPath(new URL('../../../../bin/gridlink.js', import.meta.url));

/** A discovery domain of the run's own: a free UDP port and a unique cluster name. */
async function domain(): Promise<{ port: number; cluster: string }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { port, cluster: `bench-sup-${process.pid}-${Math.random().toString(36).slice(2, 8)}` };
}

/**
 * The tree: one permanent worker. Every kill comes after the module has run
 * for the settle time, longer than `resetAfterMs`, so each restart is a first
 * crash after a stable run (immediate, no backoff); the intensity is above
 * the number of kills, so the supervisor never gives up during the run.
 */
export function treeFile(plan: KillPlan, logDir: string): object {
  return {
    root: {
      strategy: 'one_for_one',
      intensity: plan.kills + 10,
      periodMs: 5000,
      backoff: { resetAfterMs: Math.floor(plan.settleMs / 2) },
      children: [{ name: MODULE_BUS_NAME, module: MODULE, restart: 'permanent' }],
    },
    logs: { dir: logDir },
  };
}

/**
 * SIGKILLs every process whose command line has `--cluster <cluster>`: the
 * module processes of our `up`. They run in process groups of their own
 * (the agent starts them detached), so when `up` itself is SIGKILLed (the
 * harness does that on a timeout or Ctrl-C) nothing else would stop them.
 * Reads /proc; elsewhere it does nothing. Synchronous, for an 'exit' hook.
 */
export function killLeftovers(cluster: string): number {
  let killed = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args.some((arg, i) => arg === cluster && args[i - 1] === '--cluster')) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}

/** Rejects when `up` exits before the observer has reported. */
function exitedEarly(up: ProgramProcess): Promise<never> {
  return up.exited.then(({ code, signal }) => {
    const output = up.lastOutput();
    throw new Error(`gridlink up exited (code ${code}, signal ${signal}) during the run${output ? `; last output:\n    ${output}` : ''}`);
  });
}

export async function measureOurs(plan: KillPlan, log: (message: string) => void): Promise<KillSamples> {
  const where = await domain();
  const dir = await mkdtemp(join(tmpdir(), 'gridlink-bench-supervisor-'));
  let observer: WorkerProcess | undefined;
  let up: ProgramProcess | undefined;
  const sweep = (): void => {
    killLeftovers(where.cluster);
  };
  process.once('exit', sweep);
  try {
    const tree = join(dir, 'tree.json');
    await writeFile(tree, `${JSON.stringify(treeFile(plan, join(dir, 'logs')), null, 2)}\n`);
    observer = await startWorker({
      script: new URL('./workers/observer.js', import.meta.url),
      label: 'observer',
      // Its bus log (a join and a leave per kill) only on request.
      env: { GRIDLINK_LOG: process.env.GRIDLINK_LOG ?? 'warn' },
      args: {
        'discovery-port': where.port,
        cluster: where.cluster,
        module: MODULE_BUS_NAME,
        kills: plan.kills,
        'settle-ms': plan.settleMs,
        'per-kill-timeout-ms': plan.perKillTimeoutMs,
        'start-timeout-ms': plan.startTimeoutMs,
      },
    });
    log(`gridlink up ${tree} --port ${where.port} --cluster ${where.cluster}`);
    up = await startProgram({
      command: process.execPath,
      args: [CLI, 'up', tree, '--port', String(where.port), '--cluster', where.cluster],
      label: 'gridlink-up',
      isReady: async () => true,
    });
    observer.go();
    // Below the harness's limit, so a slow run still stops the tree in order here (SIGTERM) instead of being SIGKILLed.
    const limit = measurementTimeoutMs(plan) - 12_000;
    const result = await Promise.race([observer.result(limit), exitedEarly(up)]);
    return {
      crashKnownMs: millisecondsList(result.crashKnownMs, 'crashKnownMs', 'observer'),
      restartVisibleMs: millisecondsList(result.restartVisibleMs, 'restartVisibleMs', 'observer'),
    };
  } finally {
    await observer?.stop();
    // SIGTERM: the tree stops in order; killed after the grace period.
    await up?.stop(8000);
    process.off('exit', sweep);
    const left = killLeftovers(where.cluster);
    if (left > 0) log(`killed ${left} module process(es) that outlived gridlink up`);
    await rm(dir, { recursive: true, force: true });
  }
}
