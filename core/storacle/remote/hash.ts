// SHA-256 of a local file, streamed so a large sealed file never has to fit in memory.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

import type { FileFingerprint } from './target.js';

const READ_SIZE = 256 * 1024;

/** Hashes the file and counts its bytes in one pass (the size is what was hashed). */
export async function fingerprintFile(path: string): Promise<FileFingerprint> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    let sizeBytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      sizeBytes += bytesRead;
    }
    return { sha256: hash.digest('hex'), sizeBytes };
  } finally {
    await handle.close();
  }
}

/** Why a copy does not match the expected fingerprint, or undefined when it does. */
export function fingerprintMismatch(copy: FileFingerprint, expected: FileFingerprint): string | undefined {
  if (copy.sizeBytes !== expected.sizeBytes) return `has ${copy.sizeBytes} bytes, expected ${expected.sizeBytes}`;
  if (copy.sha256 !== expected.sha256) return `has SHA-256 ${copy.sha256}, expected ${expected.sha256}`;
  return undefined;
}
