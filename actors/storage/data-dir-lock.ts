// One storage process per data folder. Two stores appending to the same write-ahead log would
// corrupt each other (two `npm start` in one working folder, or a restarted module whose old
// process still hangs on), so the module holds a lock file beside the folder, `<dataDir>.lock`,
// naming its process. A lock left by a process that no longer runs (kill -9, power loss: the
// boot id differs) is taken over.

import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { StoreError } from '../../core/storacle/store/api.js';

interface LockOwner {
  pid: number;
  host: string;
  bootId: string;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string' || typeof owner.bootId !== 'string') return undefined;
    return owner as LockOwner;
  } catch {
    return undefined;
  }
}

export class DataDirLock {
  private constructor(readonly path: string, private readonly owner: LockOwner) {}

  /** Takes the lock of `dataDir` or throws StoreError Unavailable naming the process that holds it. */
  static acquire(dataDir: string): DataDirLock {
    const path = `${dataDir}.lock`;
    mkdirSync(dirname(path), { recursive: true });
    const owner: LockOwner = { pid: process.pid, host: hostname(), bootId: bootId() };
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readOwner(path);
        const alive = holder !== undefined && holder.host === owner.host && holder.bootId === owner.bootId && holder.pid !== process.pid && running(holder.pid);
        if (alive) throw new StoreError('Unavailable', `the data folder ${dataDir} is in use by process ${holder.pid} (lock file ${path}); one storage module per data folder`);
        // Stale (its process is gone, or the machine rebooted) or unreadable: take it over.
        unlinkSync(path);
        continue;
      }
      try {
        writeSync(fd, JSON.stringify(owner));
      } finally {
        closeSync(fd);
      }
      return new DataDirLock(path, owner);
    }
    throw new StoreError('Unavailable', `could not take the lock file ${path}: another process took it meanwhile`);
  }

  /** Removes the lock file if it is still this process's. */
  release(): void {
    const holder = readOwner(this.path);
    if (holder?.pid !== this.owner.pid || holder.bootId !== this.owner.bootId) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Gone already: nothing to release.
    }
  }
}
