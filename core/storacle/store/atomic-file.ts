/**
 * Replacing a small file so that a crash leaves either the old or the new content, never a mix:
 * write a temporary file beside it, fsync it, rename it over the target, fsync the directory
 * (the rename itself is only durable once the directory entry is).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** fsyncs a directory (so a created, renamed or removed entry in it survives power loss). */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `content` to `file` atomically and durably (tmp → fsync → rename → fsync dir). */
export async function writeFileAtomic(file: string, content: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  await fsyncDirectory(dir);
}
