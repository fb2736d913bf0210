// One SSH connection with its SFTP channel (ssh2), as promises with deadlines: the host key must
// be one of the known fingerprints, every request fails after operationTimeoutMs without an
// answer, keepalives notice a vanished server, and a lost connection fails every pending request
// at once instead of leaving it hanging.

import type * as Ssh2 from 'ssh2';
import { connectPinned } from '../../ssh/pinned-connection.js';

export { sshFingerprint } from '../../ssh/pinned-connection.js';

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

  static async connect(options: SftpConnectOptions): Promise<SftpSession> {
    const endpoint = `${options.host}:${options.port}`;
    let sftp: Ssh2.SFTPWrapper | undefined;
    // The deadline covers the handshake and opening the SFTP channel.
    const client = await connectPinned({
      ...options,
      timeoutMs: options.connectTimeoutMs,
      refusal: (presented) => new HostKeyMismatchError(endpoint, presented, options.hostKeyFingerprints),
      whenReady: (ready) =>
        new Promise<void>((resolve, reject) =>
          ready.sftp((error, channel) => {
            if (error) return reject(error);
            sftp = channel;
            resolve();
          }),
        ),
    });
    return new SftpSession(client, sftp!, options.operationTimeoutMs);
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
