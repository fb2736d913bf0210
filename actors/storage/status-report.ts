// StorageStatus on `storage/status` every statusIntervalMs: how far behind the store is (entries
// not yet sealed, log not yet checkpointed, files not yet in the remote tier), how much disk is
// left, and how many entries were refused. The alarms module raises a storage-backlog alarm from
// it; a person reads it with `gridlink subscribe storage/status`.

import { readdir, stat, statfs } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { StoracleApi } from '../../core/storacle/store/api.js';
import type { StorageStatus } from '../../schemas/generated/messages.js';

export const STATUS_TOPIC = 'storage/status';

/** Where the report's figures come from; each is read when a report is made. */
export interface StatusSources {
  /** undefined while the store is not open (no report then). */
  store(): StoracleApi | undefined;
  /** undefined: in memory only. */
  dataDir: string | undefined;
  /** Sealed files without a verified remote copy; 0 without a remote tier. */
  remoteBacklogFiles(): Promise<number>;
  refusedEntries(): number;
  publish(status: StorageStatus): void;
  /** Told when a report could not be made (a file system error); never stops the timer. */
  failed(error: unknown): void;
}

/** Bytes of the files in `<dataDir>/wal` (the log is trimmed at each checkpoint). */
async function walBytes(dataDir: string): Promise<number> {
  const dir = join(dataDir, 'wal');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let bytes = 0;
  for (const name of names) {
    try {
      const info = await stat(join(dir, name));
      if (info.isFile()) bytes += info.size;
    } catch (error) {
      // A segment trimmed between readdir and stat is simply gone.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return bytes;
}

export async function storageStatus(sources: StatusSources, now: () => number = Date.now): Promise<StorageStatus | undefined> {
  const store = sources.store();
  if (store === undefined) return undefined;
  const status: StorageStatus = {
    host: hostname(),
    unsealedEntries: store.unsealedEntries(),
    walBytes: 0,
    remoteBacklogFiles: await sources.remoteBacklogFiles(),
    diskFreeBytes: -1,
    diskTotalBytes: -1,
    refusedEntries: sources.refusedEntries(),
    atMs: 0,
  };
  if (sources.dataDir !== undefined) {
    status.walBytes = await walBytes(sources.dataDir);
    const fsInfo = await statfs(sources.dataDir);
    // bavail: what this (unprivileged) process may still write, not the root reserve.
    status.diskFreeBytes = fsInfo.bavail * fsInfo.bsize;
    status.diskTotalBytes = fsInfo.blocks * fsInfo.bsize;
  }
  status.atMs = now();
  return status;
}

/** Publishes a report every intervalMs (0: none); one report at a time, a slow disk never stacks them. */
export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 0;
  private stopped = false;

  constructor(private readonly sources: StatusSources) {}

  /** (Re)starts the reports at this interval; the first comes one interval from now. */
  start(intervalMs: number): void {
    this.intervalMs = intervalMs;
    this.stopped = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped || this.intervalMs <= 0) return;
    const interval = this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      storageStatus(this.sources)
        .then((status) => {
          if (status !== undefined && !this.stopped) this.sources.publish(status);
        })
        .catch((error: unknown) => this.sources.failed(error))
        .finally(() => {
          // A restart during the report (start() with a new interval) has scheduled already.
          if (this.timer === undefined && this.intervalMs === interval) this.schedule();
        });
    }, interval);
    this.timer.unref();
  }
}
