/**
 * Test support: a real OpenSSH server (/usr/sbin/sshd) on a free loopback port, with its own
 * host key, one authorized client key and the internal SFTP server, all in a temporary folder.
 * Tests run as root (as CI does), so the server logs in as root with the client key.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

/** Keys of a test server; keep them to restart a server that clients must recognise. */
export interface SshKeys {
  hostKeyPath: string;
  /** As `ssh-keygen -l -E sha256` prints it: `SHA256:<base64 without padding>`. */
  hostKeyFingerprint: string;
  clientKeyPath: string;
  clientPrivateKey: Buffer;
  authorizedKeysPath: string;
}

/** Generates an ed25519 host key and an ed25519 client key (authorized) in `dir`. */
export async function createSshKeys(dir: string): Promise<SshKeys> {
  await mkdir(dir, { recursive: true });
  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  const clientKeyPath = join(dir, 'client_ed25519');
  const authorizedKeysPath = join(dir, 'authorized_keys');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'storacle-test-host', '-f', hostKeyPath]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'storacle-test-client', '-f', clientKeyPath]);
  await writeFile(authorizedKeysPath, await readFile(`${clientKeyPath}.pub`));
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKeyPath}.pub`]);
  const hostKeyFingerprint = stdout.split(' ')[1];
  if (!hostKeyFingerprint?.startsWith('SHA256:')) throw new Error(`ssh-keygen -l printed no SHA256 fingerprint: ${stdout}`);
  return { hostKeyPath, hostKeyFingerprint, clientKeyPath, clientPrivateKey: await readFile(clientKeyPath), authorizedKeysPath };
}

/** A TCP port nobody on this host listens on now. */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** Every process below `root` (children of children included), read from /proc. */
async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name in parentheses may hold spaces: the parent pid is the 2nd field after ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = parents.get(ppid) ?? [];
    list.push(Number(entry));
    parents.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of parents.get(queue.pop()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const servers = new Set<TestSshServer>();
process.once('exit', () => {
  for (const server of servers) server.child.kill('SIGKILL');
});

export interface SshServerOptions {
  /** Folder for the configuration, pid file and (unless given) keys. */
  dir: string;
  /** Default: a free port. Give the port of a killed server to replace it. */
  port?: number;
  /** Default: new keys in `dir`. */
  keys?: SshKeys;
}

export class TestSshServer {
  readonly stderr: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly keys: SshKeys,
  ) {
    servers.add(this);
    this.exited = once(child, 'exit').then(() => {
      servers.delete(this);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[sshd] ${line}\n`);
    });
  }

  /** Starts sshd and resolves once it listens; rejects with sshd's stderr if it does not. */
  static async start(options: SshServerOptions): Promise<TestSshServer> {
    await mkdir(options.dir, { recursive: true });
    // Privilege separation needs this folder; Debian creates it only when the service starts.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const keys = options.keys ?? (await createSshKeys(options.dir));
    const port = options.port ?? (await freeTcpPort());
    const configPath = join(options.dir, 'sshd_config');
    await writeFile(
      configPath,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${keys.hostKeyPath}`,
        `PidFile ${join(options.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${keys.authorizedKeysPath}`,
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
    const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new TestSshServer(child, port, keys);
    await server.waitListening();
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private waitListening(timeoutMs = 10_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const failed = (why: string): void => {
        clearInterval(poll);
        clearTimeout(timer);
        this.child.kill('SIGKILL');
        reject(new Error(`sshd on 127.0.0.1:${this.port} ${why}; its stderr:\n${this.stderr.join('\n')}`));
      };
      const poll = setInterval(() => {
        if (this.stderr.some((l) => l.includes(`Server listening on 127.0.0.1 port ${this.port}`))) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 20);
      const timer = setTimeout(() => failed(`did not listen within ${timeoutMs} ms`), timeoutMs);
      // Let the stderr lines of a failed start arrive before the error is built.
      this.child.once('exit', (code, signal) => setTimeout(() => failed(`exited (code ${code}, signal ${signal}) before listening`), 50));
      this.child.once('error', (error) => failed(`could not be started: ${error.message}`));
    });
  }

  /** Sends `signal` to the listener and every connection process below it (SIGSTOP freezes the server). */
  async signal(signal: NodeJS.Signals): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const pids = [this.pid, ...(await descendants(this.pid))];
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch {
          // Already gone.
        }
      }
    }
  }

  /**
   * Kills the listener and every connection process below it (SIGKILL: the server vanishes
   * mid-transfer, its clients see their connections reset) and waits for the listener's exit.
   */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL of whatever is left below it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const below = await descendants(this.pid);
    this.child.kill('SIGTERM');
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    for (const pid of [this.pid, ...below]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await this.exited;
  }
}
