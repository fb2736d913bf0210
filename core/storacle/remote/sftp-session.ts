// One SSH connection with its SFTP channel (ssh2), as promises with deadlines: the host key must
// be one of the known fingerprints, every request fails after operationTimeoutMs without an
// answer, keepalives notice a vanished server, and a lost connection fails every pending request
// at once instead of leaving it hanging.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

// ssh2 is CommonJS: loaded with require() so Node does not run its CommonJS export scanner.
const ssh2 = createRequire(import.meta.url)('ssh2') as typeof Ssh2;

export interface SftpConnectOptions {
  host: string;
  port: number;
  username: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Path of an ssh-agent socket, e.g. process.env.SSH_AUTH_SOCK. */
  agent?: string;
  /** Accepted host keys as `ssh-keygen -l -E sha256` prints them: `SHA256:<base64>`. */
  hostKeyFingerprints: readonly string[];
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  keepaliveIntervalMs: number;
}

/** A refused host key: unknown, or changed since it was recorded. */
export class HostKeyMismatchError extends Error {
  override readonly name = 'HostKeyMismatchError';
  constructor(
    readonly endpoint: string,
    readonly presented: string,
    readonly expected: readonly string[],
  ) {
    super(`host key ${presented} of ${endpoint} is not a known key (expected ${expected.join(' or ')}): unknown or changed host key, connection refused`);
  }
}

/** The SHA-256 fingerprint of an SSH public key blob, as OpenSSH prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** SFTP status code for a missing file (draft-ietf-secsh-filexfer-02). */
const NO_SUCH_FILE = 2;

export function isNoSuchFile(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === NO_SUCH_FILE;
}

export class SftpSession {
  private readonly pending = new Set<(error: Error) => void>();
  private lost: Error | undefined;

  private constructor(
    private readonly client: Ssh2.Client,
    readonly sftp: Ssh2.SFTPWrapper,
    private readonly operationTimeoutMs: number,
  ) {
    const loseWith = (error: Error): void => {
      this.lost ??= error;
      for (const reject of this.pending) reject(this.lost);
      this.pending.clear();
    };
    client.on('error', (error: Error) => loseWith(error));
    client.on('close', () => loseWith(new Error('the SSH connection closed')));
    sftp.on('close', () => loseWith(new Error('the SFTP channel closed')));
  }

  /** Whether the connection is gone (a new session is needed). */
  get closed(): boolean {
    return this.lost !== undefined;
  }

  static connect(options: SftpConnectOptions): Promise<SftpSession> {
    const endpoint = `${options.host}:${options.port}`;
    return new Promise<SftpSession>((resolve, reject) => {
      const client = new ssh2.Client();
      let refused: HostKeyMismatchError | undefined;
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.end();
        client.destroy();
        reject(refused ?? error);
      };
      // readyTimeout covers the handshake; this also covers opening the SFTP channel.
      const timer = setTimeout(() => fail(new Error(`no SFTP session with ${endpoint} within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
      // `on`, not `once`: ssh2 can emit a second error after a failed handshake (say "Connection
      // lost before handshake" after a timeout), and an error event nobody listens to kills the process.
      client.on('error', fail);
      client.once('close', () => fail(new Error(`the connection to ${endpoint} closed during the handshake`)));
      client.once('ready', () => {
        client.sftp((error, sftp) => {
          if (error) return fail(error);
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          client.removeListener('error', fail);
          resolve(new SftpSession(client, sftp, options.operationTimeoutMs));
        });
      });
      client.connect({
        host: options.host,
        port: options.port,
        username: options.username,
        privateKey: options.privateKey,
        passphrase: options.passphrase,
        agent: options.agent,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer): boolean => {
          const presented = sshFingerprint(key);
          if (options.hostKeyFingerprints.includes(presented)) return true;
          refused = new HostKeyMismatchError(endpoint, presented, options.hostKeyFingerprints);
          return false;
        },
      });
    });
  }

  /**
   * Runs one SFTP request. It fails when the server does not answer within the operation
   * timeout (the connection is then dropped: its state is unknown) or when the connection is lost.
   */
  call<T>(what: string, start: (done: (error: Error | undefined | null, value?: T) => void) => void): Promise<T> {
    if (this.lost !== undefined) return Promise.reject(this.lost);
    return new Promise<T>((resolve, reject) => {
      let finished = false;
      const finish = (error: Error | undefined, value?: T): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.pending.delete(onLost);
        if (error) reject(error);
        else resolve(value as T);
      };
      const onLost = (error: Error): void => finish(error);
      const timer = setTimeout(() => {
        finish(new Error(`${what}: no answer from the server within ${this.operationTimeoutMs} ms`));
        this.close();
      }, this.operationTimeoutMs);
      this.pending.add(onLost);
      try {
        start((error, value) => finish(error ?? undefined, value));
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Ends the connection; pending requests fail. */
  close(): void {
    this.client.end();
    this.client.destroy();
  }
}
