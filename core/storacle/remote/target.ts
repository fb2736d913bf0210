// What the remote tier needs from a place that keeps copies of sealed files: an SFTP server, a
// mounted folder, a time-series database fed with line protocol. Every target verifies what the
// remote side really holds (read back, or queried back), never what it believes it sent.

import type { SealedFile } from '../store/api.js';

/** What a local sealed file was when it was hashed; the remote copy must match it. */
export interface FileFingerprint {
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  sizeBytes: number;
}

/** The outcome of comparing a remote copy with the local file. */
export type RemoteVerification =
  | { ok: true }
  | { ok: false; missing: boolean; reason: string };

/** The step of a remote operation that failed; part of every RemoteTargetError. */
export type RemoteStage = 'connect' | 'prepare' | 'upload' | 'verify' | 'rename' | 'query' | 'remove';

/**
 * Every failure of a target: which target, which file, which step, and why. The tier reports
 * it and tries again on its next run.
 */
export class RemoteTargetError extends Error {
  override readonly name = 'RemoteTargetError';
  constructor(
    readonly target: string,
    readonly relativePath: string,
    readonly stage: RemoteStage,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${target}: ${stage} of ${relativePath} failed: ${reason}`, options);
  }
}

/**
 * A place that keeps verified copies of sealed files. Methods take the whole SealedFile (not
 * only its paths) because a target that stores entries instead of bytes (line protocol) needs
 * the data point and the time span of the file.
 */
export interface RemoteTarget {
  /** Names the target in errors and in the journal, e.g. `sftp://root@10.0.0.5:22/srv/storacle`. */
  readonly name: string;
  /**
   * Copies the file under a temporary name, verifies the copy against `fingerprint`, and only
   * then gives it its final name. Resolves once the final copy is in place and verified; throws
   * RemoteTargetError otherwise. A temporary copy left by an earlier attempt is overwritten.
   */
  put(file: SealedFile, fingerprint: FileFingerprint): Promise<void>;
  /** Compares what the remote side holds under the file's final name with the fingerprint. */
  verify(file: SealedFile, fingerprint: FileFingerprint): Promise<RemoteVerification>;
  /** Whether anything is stored under the file's final name (verified or not). */
  exists(file: SealedFile): Promise<boolean>;
  /** Deletes the remote copy, when the target supports it. */
  remove?(file: SealedFile): Promise<void>;
  /** Releases connections; a later call reconnects. */
  close(): Promise<void>;
}

/** Refuses relative paths that could leave the target's base folder. */
export function checkRelativePath(target: string, relativePath: string): string[] {
  const parts = relativePath.split('/');
  if (relativePath === '' || relativePath.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new RemoteTargetError(target, relativePath, 'prepare', 'the relative path must be a plain path below the base folder (no "..", ".", empty or leading "/")');
  }
  return parts;
}

/** The message of an unknown thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(String(code)) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
