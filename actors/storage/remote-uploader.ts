// The storage module's remote tier: builds the RemoteTarget of the `remote` setting, drives
// RemoteTier runs every intervalMs and logs what each run did. A failed run or file is logged and
// retried on the next run; it never stops the module (the local store keeps every file it could
// not copy). The journal of verified copies lives beside the store: <dataDir>/remote-journal.jsonl.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/log/logger.js';
import type { RemoteTarget, RemoteTier, RemoteTierRunResult } from '../../core/storacle/remote/index.js';
import type { StoracleApi } from '../../core/storacle/store/api.js';
import type { RemoteSettings, RemoteTargetSettings } from './remote-settings.js';
import { StorageSettingsError } from './settings.js';

export const REMOTE_JOURNAL_FILE = 'remote-journal.jsonl';
/** Failed files logged one by one per run; the rest are counted in one line. */
const FAILURES_LOGGED_PER_RUN = 10;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The target modules are imported only when configured: ssh2 and the HTTP clients cost memory
 * in every storage process that does not archive.
 */
async function createTarget(settings: RemoteTargetSettings, store: StoracleApi): Promise<RemoteTarget> {
  switch (settings.type) {
    case 'directory': {
      const { DirectoryTarget } = await import('../../core/storacle/remote/directory-target.js');
      return new DirectoryTarget({ baseDir: settings.path });
    }
    case 'sftp': {
      let privateKey: Buffer;
      try {
        privateKey = readFileSync(settings.privateKeyFile);
      } catch (error) {
        throw new StorageSettingsError(`storage settings: "remote.target.privateKeyFile" cannot be read: ${describe(error)}`);
      }
      const { SftpTarget } = await import('../../core/storacle/remote/sftp-target.js');
      return new SftpTarget({
        host: settings.host,
        port: settings.port,
        username: settings.username,
        privateKey,
        hostKeyFingerprints: settings.hostKeyFingerprints,
        baseDir: settings.remoteDir,
      });
    }
    case 'victoriametrics': {
      const [{ LineProtocolTarget, storeEntryReader }, { VictoriaMetricsServer }] = await Promise.all([
        import('../../core/storacle/remote/line-protocol-target.js'),
        import('../../core/storacle/remote/victoria-metrics.js'),
      ]);
      return new LineProtocolTarget({ server: new VictoriaMetricsServer({ url: settings.url }), readEntries: storeEntryReader(store) });
    }
    case 'influxdb': {
      const [{ LineProtocolTarget, storeEntryReader }, { InfluxDbServer }] = await Promise.all([
        import('../../core/storacle/remote/line-protocol-target.js'),
        import('../../core/storacle/remote/influxdb.js'),
      ]);
      return new LineProtocolTarget({ server: new InfluxDbServer({ url: settings.url, database: settings.database }), readEntries: storeEntryReader(store) });
    }
  }
}

export class RemoteUploader {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private current: Promise<void> | undefined;

  private constructor(
    private readonly tier: RemoteTier,
    private readonly store: StoracleApi,
    private readonly target: string,
    private readonly settings: RemoteSettings,
    private readonly log: Logger,
  ) {}

  /**
   * Builds the target (reading the SFTP private key now, so a missing file stops the start with
   * a clear message) and starts the runs: the first at once, each next one intervalMs after the
   * previous ended.
   */
  static async start(settings: RemoteSettings, store: StoracleApi, dataDir: string, log: Logger): Promise<RemoteUploader> {
    const target = await createTarget(settings.target, store);
    const { RemoteTier } = await import('../../core/storacle/remote/remote-tier.js');
    const journalPath = join(dataDir, REMOTE_JOURNAL_FILE);
    const tier = new RemoteTier({ source: store, target, journalPath, deleteLocalAfterMs: settings.deleteLocalAfterMs, intervalMs: settings.intervalMs });
    const uploader = new RemoteUploader(tier, store, target.name, settings, log);
    log.info('remote tier started', { target: target.name, journal: journalPath, deleteLocalAfterMs: settings.deleteLocalAfterMs, intervalMs: settings.intervalMs });
    uploader.schedule(0);
    return uploader;
  }

  /** Sealed local files without a verified copy of their current size on the target (StorageStatus). */
  async backlogFiles(): Promise<number> {
    let backlog = 0;
    for (const file of this.store.sealedFiles()) {
      const copy = await this.tier.verifiedCopy(file.relativePath);
      if (copy === undefined || copy.sizeBytes !== file.sizeBytes) backlog++;
    }
    return backlog;
  }

  /** Stops the runs, waits for one in progress and closes the target; never throws. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
    try {
      await this.tier.stop();
    } catch (error) {
      this.log.warn('remote target did not close cleanly', { target: this.target, error: describe(error) });
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.current = this.run().finally(() => {
        this.current = undefined;
        this.schedule(this.settings.intervalMs);
      });
    }, delayMs);
  }

  private async run(): Promise<void> {
    let result: RemoteTierRunResult;
    try {
      result = await this.tier.runOnce();
    } catch (error) {
      // The journal could not be read or written, or the store went away: try again next time.
      this.log.warn('remote tier run failed', { target: this.target, error: describe(error) });
      return;
    }
    this.report(result);
  }

  private report(result: RemoteTierRunResult): void {
    const outcome = {
      target: this.target,
      copied: result.copied.length,
      alreadyRemote: result.alreadyRemote.length,
      released: result.released.length,
      keptLocal: result.keptLocal.length,
      failed: result.failures.length,
    };
    // A run that changed nothing is the normal case every intervalMs: not worth a line at info.
    if (result.copied.length + result.alreadyRemote.length + result.released.length + result.failures.length > 0) this.log.info('remote tier run', outcome);
    else this.log.debug('remote tier run', outcome);
    // An unreachable target fails every file of every run: a few lines per run say enough.
    for (const failure of result.failures.slice(0, FAILURES_LOGGED_PER_RUN)) {
      this.log.warn('remote copy failed; retried on the next run', { file: failure.relativePath, target: failure.target, stage: failure.stage, reason: failure.reason });
    }
    if (result.failures.length > FAILURES_LOGGED_PER_RUN) {
      this.log.warn('more remote copies failed in this run; retried on the next run', { target: this.target, notLogged: result.failures.length - FAILURES_LOGGED_PER_RUN });
    }
  }
}
