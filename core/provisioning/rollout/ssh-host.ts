/**
 * One SSH connection to an inventory host (ssh2): the host key must be one of the pinned
 * fingerprints (an unpinned or changed key is refused, never trusted on first use), commands run
 * on exec channels with their output collected, files go over SFTP.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type * as Ssh2 from 'ssh2';
import { connectPinned, ssh2, sshFingerprint } from '../../ssh/pinned-connection.js';
import type { InventoryHost } from './inventory.js';


/** A host key that is not pinned in the inventory: unknown (nothing pinned) or changed. */
export class HostKeyRefusedError extends Error {
  override readonly name = 'HostKeyRefusedError';
  constructor(
    readonly host: string,
    readonly endpoint: string,
    readonly presented: string,
    readonly pinned: readonly string[],
  ) {
    super(
      pinned.length === 0
        ? `host ${host} (${endpoint}) presented host key ${presented}, and the inventory pins no key for it: refused (never trusted on first use). ` +
            `Confirm the fingerprint with the host's administrator (\`ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub\` on it), then add it to hostKeys.`
        : `host ${host} (${endpoint}) presented host key ${presented}, but the inventory pins ${pinned.join(' or ')}: ` +
            `the host key CHANGED (a reinstalled host, or someone in between); connection refused. Update hostKeys only once you know why.`,
    );
  }
}

export class RemoteCommandError extends Error {
  override readonly name = 'RemoteCommandError';
  constructor(
    readonly host: string,
    readonly command: string,
    readonly result: ExecResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-10).join('\n');
    super(`on ${host}: \`${command.length > 120 ? `${command.slice(0, 117)}...` : command}\` ended with ${result.signal ? `signal ${result.signal}` : `exit code ${result.code}`}${detail ? `:\n${detail}` : ''}`);
  }
}

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface SshConnectOptions {
  connectTimeoutMs?: number;
}

/** Quotes a value for the remote POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export class SshHost {
  private lost: Error | undefined;

  private constructor(
    readonly host: InventoryHost,
    private readonly client: Ssh2.Client,
  ) {
    client.on('error', (error: Error) => (this.lost ??= error));
    client.on('close', () => (this.lost ??= new Error(`the SSH connection to ${host.name} closed`)));
  }

  /** Connects and authenticates with the host's private key; refuses a host key that is not pinned. */
  static async connect(host: InventoryHost, options: SshConnectOptions = {}): Promise<SshHost> {
    let privateKey: Buffer;
    try {
      privateKey = await readFile(host.privateKeyFile);
    } catch (error) {
      throw new Error(`host ${host.name}: cannot read the private key ${host.privateKeyFile}: ${(error as Error).message}`);
    }
    const endpoint = `${host.address}:${host.port}`;
    const client = await connectPinned({
      host: host.address,
      port: host.port,
      username: host.user,
      privateKey,
      hostKeyFingerprints: host.hostKeys,
      timeoutMs: options.connectTimeoutMs ?? 10_000,
      keepaliveIntervalMs: 5000,
      refusal: (presented) => new HostKeyRefusedError(host.name, endpoint, presented, host.hostKeys),
      failure: (error) => new Error(`cannot connect to host ${host.name} (${host.user}@${endpoint}): ${error.message}`),
    });
    return new SshHost(host, client);
  }


  /**
   * Runs a command through the remote shell; `stdin` (a string or a stream, e.g. a tar stream) is
   * written to it and closed. Resolves with its exit code and output (each capped at 1 MB).
   */
  exec(command: string, stdin?: string | Readable): Promise<ExecResult> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise<ExecResult>((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(new Error(`on ${this.host.name}: cannot run a command: ${error.message}`));
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let outBytes = 0;
        let errBytes = 0;
        let code: number | null = null;
        let signal: string | undefined;
        channel.on('data', (chunk: Buffer) => {
          if ((outBytes += chunk.length) <= 1 << 20) stdout.push(chunk);
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          if ((errBytes += chunk.length) <= 1 << 20) stderr.push(chunk);
        });
        channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
          code = exitCode;
          signal = exitSignal ?? undefined;
        });
        // A channel torn down mid-transfer (the far side died) reports here; without a listener it would end the process.
        channel.on('error', (channelError: Error) => reject(new Error(`on ${this.host.name}: \`${command}\` lost its channel: ${channelError.message}`)));
        channel.on('close', () => resolve({ code, signal, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }));
        if (stdin === undefined) channel.end();
        else if (typeof stdin === 'string') channel.end(stdin);
        else {
          stdin.on('error', (streamError: Error) => {
            channel.close();
            reject(new Error(`on ${this.host.name}: the input of \`${command}\` failed: ${streamError.message}`));
          });
          stdin.pipe(channel);
        }
      });
    });
  }

  /** Like exec, but a non-zero exit is a RemoteCommandError. Resolves with stdout. */
  async run(command: string, stdin?: string | Readable): Promise<string> {
    const result = await this.exec(command, stdin);
    if (result.code !== 0) throw new RemoteCommandError(this.host.name, command, result);
    return result.stdout;
  }

  /** Copies a local file over SFTP to `remotePath` (through a temporary name, renamed at the end). */
  async putFile(localPath: string, remotePath: string): Promise<void> {
    const sftp = await new Promise<Ssh2.SFTPWrapper>((resolve, reject) =>
      this.client.sftp((error, channel) => (error ? reject(new Error(`on ${this.host.name}: no SFTP channel: ${error.message}`)) : resolve(channel))),
    );
    try {
      const partial = `${remotePath}.part`;
      await new Promise<void>((resolve, reject) => {
        const out = sftp.createWriteStream(partial);
        out.on('error', reject);
        out.on('close', () => resolve());
        const input = createReadStream(localPath);
        input.on('error', reject);
        input.pipe(out);
      });
      // posix-rename@openssh.com replaces an existing file; plain SFTP rename would refuse.
      await new Promise<void>((resolve, reject) => sftp.ext_openssh_rename(partial, remotePath, (error) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw new Error(`on ${this.host.name}: copying ${localPath} to ${remotePath} by SFTP failed: ${(error as Error).message}`);
    } finally {
      sftp.end();
    }
  }

  close(): void {
    this.client.end();
  }
}

/**
 * The host key fingerprint a server presents, without logging in: for an administrator to
 * confirm out of band before pinning it in the inventory.
 */
export function scanHostKey(address: string, port: number, timeoutMs = 10_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const client = new ssh2.Client();
    let presented: string | undefined;
    const timer = setTimeout(() => finish(new Error(`no SSH handshake with ${address}:${port} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      client.removeAllListeners('close');
      client.end();
      if (presented) resolve(presented);
      else reject(error ?? new Error(`${address}:${port} presented no host key`));
    };
    client.on('error', (error: Error) => finish(error));
    client.on('close', () => finish());
    client.connect({
      host: address,
      port,
      username: 'gridlink-host-key-scan',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer): boolean => {
        presented = sshFingerprint(key);
        // Refusing ends the handshake before any authentication is tried.
        return false;
      },
    });
  });
}
