// One SSH connection (ssh2) to a server whose host key must be one of the pinned fingerprints,
// with a deadline on the whole handshake. Shared by Storacle's SFTP target and the multi-host
// rollout: both refuse an unknown or changed host key instead of trusting it on first use.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

// ssh2 is CommonJS: loaded with require() so Node does not run its CommonJS export scanner.
export const ssh2 = createRequire(import.meta.url)('ssh2') as typeof Ssh2;

/** The SHA-256 fingerprint of an SSH public key blob, as `ssh-keygen -l -E sha256` prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export interface PinnedConnectOptions {
  host: string;
  port: number;
  username: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Path of an ssh-agent socket, e.g. process.env.SSH_AUTH_SOCK. */
  agent?: string;
  /** Accepted host keys: `SHA256:<base64>`. */
  hostKeyFingerprints: readonly string[];
  /** Deadline of the handshake (and of `whenReady`, if given). */
  timeoutMs: number;
  keepaliveIntervalMs: number;
  /** The error a refused host key is reported with. */
  refusal: (presented: string) => Error;
  /** The error any other failure is reported with (default: the failure itself). */
  failure?: (error: Error) => Error;
  /** Runs once authenticated, within the deadline (e.g. opening the SFTP channel). */
  whenReady?: (client: Ssh2.Client) => Promise<void>;
}

/**
 * Connects and authenticates; resolves with the client once it (and `whenReady`) succeeded.
 * The client keeps an error listener for good: ssh2 can emit a second error after a failed
 * handshake, and an error event nobody listens to would end the process.
 */
export function connectPinned(options: PinnedConnectOptions): Promise<Ssh2.Client> {
  return new Promise<Ssh2.Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let refused: Error | undefined;
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      client.destroy();
      reject(refused ?? (options.failure ? options.failure(error) : error));
    };
    const timer = setTimeout(() => fail(new Error(`no SSH session with ${options.host}:${options.port} within ${options.timeoutMs} ms`)), options.timeoutMs);
    client.on('error', fail);
    client.once('close', () => fail(new Error(`the connection to ${options.host}:${options.port} closed during the handshake`)));
    client.once('ready', () => {
      (options.whenReady ? options.whenReady(client) : Promise.resolve()).then(
        () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(client);
        },
        (error: Error) => fail(error),
      );
    });
    client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      privateKey: options.privateKey,
      passphrase: options.passphrase,
      agent: options.agent,
      readyTimeout: options.timeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer): boolean => {
        const presented = sshFingerprint(key);
        if (options.hostKeyFingerprints.includes(presented)) return true;
        refused = options.refusal(presented);
        return false;
      },
    });
  });
}
