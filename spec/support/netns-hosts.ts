/**
 * N test hosts on one machine, on one Ethernet segment: a network namespace per host, each joined
 * by a veth pair to a bridge that lives in its own "switch" namespace, plus a veth from the test
 * process's own namespace (this side) to the same bridge, so the test process itself reaches the
 * hosts (SSH) and hears their beacons. Each host can run its own OpenSSH server. Root and
 * iproute2 needed (as CI runs). destroy() kills every process left in the namespaces and
 * deletes them (which removes the veths and the bridge too).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { requireRootAndIp } from './netns.js';
import { createSshKeys, type SshKeys } from './sshd.js';

export interface BridgedHost {
  name: string;
  namespace: string;
  /** The host's interface on the segment (inside its namespace). */
  device: string;
  address: string;
  /** Prefix for spawning a process inside the namespace. */
  wrap: string[];
}

export interface BridgedHosts {
  hosts: BridgedHost[];
  /** This side: the test process's interface on the segment. */
  local: { device: string; address: string };
  /** Kills every process still in a host's namespace (a power loss of that host). */
  killAllIn(host: BridgedHost): void;
  destroy(): void;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

const live = new Set<() => void>();
process.once('exit', () => {
  for (const destroy of live) destroy();
});

export function createBridgedHosts(names: readonly string[]): BridgedHosts {
  requireRootAndIp();
  const tag = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  const subnet = `10.201.${Math.floor(Math.random() * 250) + 1}`;
  const switchNs = `glSw${tag}`;
  const localDevice = `gl0_${tag}`;
  const hosts: BridgedHost[] = names.map((name, i) => ({
    name,
    namespace: `glH${i}_${tag}`,
    device: `eth${i}_${tag}`.slice(0, 15),
    address: `${subnet}.${i + 2}`,
    wrap: ['ip', 'netns', 'exec', `glH${i}_${tag}`],
  }));
  const killAllIn = (host: BridgedHost): void => {
    let pids: string[] = [];
    try {
      pids = ip('netns', 'pids', host.namespace).split('\n').filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  const destroy = (): void => {
    for (const host of hosts) killAllIn(host);
    for (const ns of [...hosts.map((h) => h.namespace), switchNs]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Not created, or already gone.
      }
    }
    try {
      ip('link', 'del', localDevice);
    } catch {
      // Went with the switch namespace.
    }
    live.delete(destroy);
  };
  live.add(destroy);
  try {
    ip('netns', 'add', switchNs);
    ip('-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', switchNs, 'link', 'set', 'br0', 'up');
    const plug = (device: string, port: string): void => {
      ip('link', 'add', device, 'type', 'veth', 'peer', 'name', port);
      ip('link', 'set', port, 'netns', switchNs);
      ip('-n', switchNs, 'link', 'set', port, 'master', 'br0');
      ip('-n', switchNs, 'link', 'set', port, 'up');
    };
    plug(localDevice, `p0_${tag}`);
    ip('addr', 'add', `${subnet}.1/24`, 'brd', '+', 'dev', localDevice);
    ip('link', 'set', localDevice, 'up');
    hosts.forEach((host, i) => {
      ip('netns', 'add', host.namespace);
      plug(host.device, `p${i + 1}_${tag}`);
      ip('link', 'set', host.device, 'netns', host.namespace);
      ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'brd', '+', 'dev', host.device);
      ip('-n', host.namespace, 'link', 'set', host.device, 'up');
      ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
    });
  } catch (error) {
    destroy();
    throw error;
  }
  return { hosts, local: { device: localDevice, address: `${subnet}.1` }, killAllIn, destroy };
}

/** An OpenSSH server inside a host's namespace, on the host's address, port 22. */
export class NamespaceSshServer {
  readonly stderr: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly host: BridgedHost,
    readonly keys: SshKeys,
  ) {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[sshd ${host.name}] ${line}\n`);
    });
  }

  /** Starts sshd in the namespace with its own config (root logs in with the client key); resolves once it listens. */
  static async start(host: BridgedHost, dir: string, keys?: SshKeys): Promise<NamespaceSshServer> {
    await mkdir(dir, { recursive: true });
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const own = keys ?? (await createSshKeys(dir));
    const configPath = join(dir, 'sshd_config');
    await writeFile(
      configPath,
      [
        'Port 22',
        `ListenAddress ${host.address}`,
        `HostKey ${own.hostKeyPath}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${own.authorizedKeysPath}`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'UsePAM no',
        'UseDNS no',
        'PrintMotd no',
        'LogLevel INFO',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    // `ip netns exec` execs sshd, so the child's pid is sshd's.
    const child = spawn(host.wrap[0], [...host.wrap.slice(1), '/usr/sbin/sshd', '-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new NamespaceSshServer(child, host, own);
    const deadline = Date.now() + 10_000;
    while (!server.stderr.some((line) => line.includes(`Server listening on ${host.address} port 22`))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`sshd in ${host.namespace} did not listen on ${host.address}:22; its stderr:\n${server.stderr.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}
