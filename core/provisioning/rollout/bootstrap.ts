/**
 * Bootstraps a host agent on an inventory host over SSH:
 *
 * 1. connect (the host key must be pinned in the inventory);
 * 2. the runtime: unless `<installDir>/runtime-<digest>/` is there already, one tar stream of the
 *    runtime (dist/, bin/, package files, production node_modules) is piped into `tar -x` on an
 *    exec channel. One stream instead of SFTP file by file: node_modules holds thousands of small
 *    files, and SFTP pays a round trip or more per file, while the stream is as fast as the link.
 *    It is extracted beside the target and renamed at the end, so a broken copy never looks
 *    complete; `<installDir>/current` then points at it;
 * 3. artifacts (app packages) by SFTP into `<installDir>/packages/` (a few large files: SFTP is
 *    fine, and no remote tar is needed);
 * 4. the agent: `node bin/gridlink.js up` with an empty tree (or the root children given, e.g. an AppManager), detached by setsid/nohup, logging to
 *    `<installDir>/agent.log`, pid in `<installDir>/agent.pid`; an agent that already runs from
 *    the same runtime is kept unless a restart is asked for;
 * 5. verification: this bus peer must see the agent's HostStatus (with its pid) within a timeout;
 *    otherwise the error carries the tail of the remote log.
 */
import { basename } from 'node:path';
import { Transform } from 'node:stream';
import type { HostMonitor } from './host-monitor.js';
import type { InventoryHost } from './inventory.js';
import { describeRuntime, tarStream, type RuntimeBundle } from './runtime-bundle.js';
import { shellQuote as q, SshHost } from './ssh-host.js';

export interface BootstrapOptions {
  /** The local Gridlink installation to copy (the folder of package.json). */
  runtimeRoot: string;
  /** Reuse a described runtime across hosts (it is described once otherwise per call). */
  bundle?: RuntimeBundle;
  /** App packages (ZIP files) to copy into <installDir>/packages/. */
  packages?: readonly string[];
  /** Sees the agents' HostStatus reports; the bootstrap waits for the new agent's. */
  monitor: HostMonitor;
  /** How long the agent may take to show up on the bus (default 20 s). */
  joinTimeoutMs?: number;
  /** Restart an agent that already runs from the same runtime (default: keep it). */
  restart?: boolean;
  /** Extra environment of the agent, e.g. GRIDLINK_HOST_STATUS_MS. */
  env?: Readonly<Record<string, string>>;
  connectTimeoutMs?: number;
  /**
   * Children of the agent's root supervisor, as a tree file lists them (default none: modules are
   * placed later). E.g. an AppManager, so the host installs apps itself.
   */
  rootChildren?: readonly Record<string, unknown>[];
  /** Files written on the host before the agent starts (their configurations, trusted keys), by path relative to installDir. */
  files?: Readonly<Record<string, string>>;
  onProgress?: (step: string) => void;
}

export interface BootstrapResult {
  host: string;
  /** The runtime was sent ("copied") or the host had it ("present"). */
  runtime: 'copied' | 'present';
  digest: string;
  runtimeDir: string;
  /** Bytes of the tar stream, when copied. */
  copiedBytes: number;
  packages: string[];
  /** A new agent was started, or the one running was kept. */
  agent: 'started' | 'running';
  agentPid: number;
  agentId: string;
  logFile: string;
  elapsedMs: number;
}

export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
  constructor(
    readonly host: string,
    message: string,
    readonly logTail?: string,
  ) {
    super(`bootstrap of ${host}: ${message}${logTail ? `\n--- last lines of the agent's log on ${host}:\n${logTail}` : ''}`);
  }
}

export async function bootstrapHost(host: InventoryHost, options: BootstrapOptions): Promise<BootstrapResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const bundle = options.bundle ?? (await describeRuntime(options.runtimeRoot));
  const dir = host.installDir;
  const runtimeDir = `${dir}/runtime-${bundle.digest}`;
  const logFile = `${dir}/agent.log`;
  progress(`connecting to ${host.user}@${host.address}:${host.port}`);
  const ssh = await SshHost.connect(host, { connectTimeoutMs: options.connectTimeoutMs });
  try {
    const nodeVersion = await ssh.exec(`${q(host.node)} --version`);
    if (nodeVersion.code !== 0) {
      throw new BootstrapError(host.name, `Node.js is not available as "${host.node}" on the host (set "node" in the inventory): ${nodeVersion.stderr.trim()}`);
    }
    await ssh.run(`mkdir -p ${q(dir)}/packages ${q(dir)}/logs`);

    let runtime: BootstrapResult['runtime'] = 'present';
    let copiedBytes = 0;
    const present = (await ssh.run(`test -f ${q(runtimeDir)}/.gridlink-runtime && echo present || echo absent`)).trim() === 'present';
    if (!present) {
      progress(`copying the runtime ${bundle.version} (${bundle.digest}) to ${runtimeDir}`);
      const partial = `${runtimeDir}.partial`;
      const tar = tarStream(bundle);
      // Counts what passes without a 'data' listener, which would start the flow before the channel reads.
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          copiedBytes += chunk.length;
          callback(null, chunk);
        },
      });
      tar.stream.pipe(counter);
      const script = [
        `rm -rf ${q(partial)}`,
        `mkdir -p ${q(partial)}`,
        `tar -x -C ${q(partial)}`,
        `echo ${q(bundle.digest)} > ${q(partial)}/.gridlink-runtime`,
        `rm -rf ${q(runtimeDir)}`,
        `mv ${q(partial)} ${q(runtimeDir)}`,
      ].join(' && ');
      const [extracted, packed] = await Promise.allSettled([ssh.exec(script, counter), tar.done]);
      // The far side's failure explains a local "broken pipe" too: report it first.
      if (extracted.status === 'rejected') throw new BootstrapError(host.name, `copying the runtime failed: ${(extracted.reason as Error).message}`);
      if (extracted.value.code !== 0) throw new BootstrapError(host.name, `extracting the runtime failed (exit code ${extracted.value.code}): ${extracted.value.stderr.trim()}`);
      if (packed.status === 'rejected') throw new BootstrapError(host.name, `packing the runtime failed: ${(packed.reason as Error).message}`);
      runtime = 'copied';
    }
    await ssh.run(`ln -sfn ${q(`runtime-${bundle.digest}`)} ${q(dir)}/current`);

    const packages: string[] = [];
    for (const file of options.packages ?? []) {
      const target = `${dir}/packages/${basename(file)}`;
      progress(`copying ${file} to ${target} by SFTP`);
      await ssh.putFile(file, target);
      packages.push(target);
    }

    // An agent that runs from this runtime already is kept (bootstrap is idempotent).
    const running = (
      await ssh.run(
        `pid=$(cat ${q(dir)}/agent.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null && ` +
          `[ "$(readlink /proc/$pid/cwd)" = "$(readlink -f ${q(dir)}/current)" ] && echo "$pid" || true`,
      )
    ).trim();
    if (running !== '' && !options.restart) {
      const pid = Number(running);
      try {
        const seen = await options.monitor.waitFor(host.name, (h) => !h.lost && h.status.agentPid === pid, options.joinTimeoutMs ?? 20_000);
        return result('running', pid, seen.status.agentId ?? '');
      } catch {
        progress(`the agent (pid ${pid}) runs but is not seen on the bus: restarting it`);
      }
    }
    await stopAgent(ssh, dir);

    for (const [path, content] of Object.entries(options.files ?? {})) {
      if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) throw new BootstrapError(host.name, `file "${path}": a path relative to the install folder, without "..", is needed`);
      progress(`writing ${dir}/${path}`);
      await ssh.run(`mkdir -p "$(dirname ${q(`${dir}/${path}`)})" && cat > ${q(`${dir}/${path}`)}`, content);
    }
    const tree = {
      root: { name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 10_000, children: options.rootChildren ?? [] },
      logs: { dir: `${dir}/logs`, maxBytes: 1_048_576, keep: 3 },
    };
    await ssh.run(`cat > ${q(dir)}/agent-tree.json`, `${JSON.stringify(tree, null, 2)}\n`);
    const busArgs = [
      '--cluster',
      host.bus.cluster,
      '--port',
      String(host.bus.port),
      ...(host.bus.interface ? ['--interface', host.bus.interface] : []),
      ...host.bus.seeds.flatMap((seed) => ['--seed', seed]),
    ];
    const env = { GRIDLINK_HOST_NAME: host.name, ...options.env };
    const envText = Object.entries(env)
      .map(([key, value]) => {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new BootstrapError(host.name, `"${key}" is not an environment variable name`);
        return `${key}=${q(value)}`;
      })
      .join(' ');
    progress(`starting the host agent (log ${logFile})`);
    // setsid: the agent leaves the SSH session's process group and survives its end; stdin from
    // /dev/null and output to the log, so the exec channel closes at once.
    const pidText = await ssh.run(
      // `cd ... || exit` on its own: in `cd && cmd &` the `&` would background the whole list as a
      // subshell that holds the channel open and whose pid is not the agent's.
      `cd ${q(dir)}/current || exit 1; ${envText} setsid nohup ${q(host.node)} bin/gridlink.js up ${q(dir)}/agent-tree.json ${busArgs.map(q).join(' ')} ` +
        `> ${q(logFile)} 2>&1 < /dev/null & echo $! > ${q(dir)}/agent.pid; echo $!`,
    );
    const pid = Number(pidText.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new BootstrapError(host.name, `the agent start printed no pid: ${pidText}`);
    progress(`waiting for the agent (pid ${pid}) on the bus`);
    try {
      const seen = await options.monitor.waitFor(host.name, (h) => !h.lost && h.status.agentPid === pid, options.joinTimeoutMs ?? 20_000);
      return result('started', pid, seen.status.agentId ?? '');
    } catch (error) {
      const alive = (await ssh.exec(`kill -0 ${pid}`)).code === 0;
      const tail = (await ssh.exec(`tail -n 30 ${q(logFile)}`)).stdout;
      throw new BootstrapError(
        host.name,
        `the agent (pid ${pid}, ${alive ? 'still running' : 'exited'}) did not join the bus: ${(error as Error).message}. ` +
          `Check that this side and the host share the cluster "${host.bus.cluster}" and UDP port ${host.bus.port}, and that beacons or seeds reach across.`,
        tail.trim(),
      );
    }

    function result(agent: BootstrapResult['agent'], agentPid: number, agentId: string): BootstrapResult {
      return { host: host.name, runtime, digest: bundle.digest, runtimeDir, copiedBytes, packages, agent, agentPid, agentId, logFile, elapsedMs: Date.now() - started };
    }
  } finally {
    ssh.close();
  }
}

/** SIGTERM to the agent of the pid file (it stops its modules in reverse order), SIGKILL after 10 s. */
async function stopAgent(ssh: SshHost, dir: string): Promise<void> {
  await ssh.run(
    `pid=$(cat ${q(dir)}/agent.pid 2>/dev/null) || exit 0; kill -0 "$pid" 2>/dev/null || exit 0; kill -TERM "$pid"; ` +
      `i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL "$pid" 2>/dev/null; exit 0`,
  );
}
