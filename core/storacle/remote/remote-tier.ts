// The uploader of Storacle's remote tier: copies every sealed local file to a RemoteTarget,
// records each verified copy in a durable journal, and only then (and only once the file's
// newest entry is older than deleteLocalAfterMs) asks the store to release the local file.

import type { SealedFile, SealedFileSource } from '../store/api.js';
import { fingerprintFile } from './hash.js';
import { RemoteJournal, type JournalEntry } from './journal.js';
import { describeError, RemoteTargetError, type FileFingerprint, type RemoteStage, type RemoteTarget } from './target.js';

export interface RemoteTierOptions {
  source: SealedFileSource;
  target: RemoteTarget;
  /** The JSON-lines journal of verified copies; keep it on the same disk as the store. */
  journalPath: string;
  /**
   * A file is released locally once its copy is verified and now − lastTimestampMs exceeds this;
   * absent: files are copied but never released.
   */
  deleteLocalAfterMs?: number;
  /** Pause between the end of one periodic run and the start of the next (default 60 s). */
  intervalMs?: number;
  /** The clock that ages files (default Date.now). */
  now?: () => number;
  /** Told of every copy, release and failure as it happens. */
  onEvent?: (event: RemoteTierEvent) => void;
}

export type RemoteTierEvent =
  | { type: 'copied'; relativePath: string; target: string; sizeBytes: number; sha256: string }
  | { type: 'alreadyRemote'; relativePath: string; target: string }
  | { type: 'released'; relativePath: string; ageMs: number }
  | { type: 'failed'; failure: RemoteTierFailure }
  | { type: 'runFailed'; reason: string };

/** A file the run could not copy or release; it is tried again on the next run. */
export interface RemoteTierFailure {
  relativePath: string;
  target: string;
  stage: RemoteStage | 'hash' | 'journal' | 'release';
  reason: string;
}

/** What one run did. */
export interface RemoteTierRunResult {
  /** Files copied and verified in this run. */
  copied: string[];
  /** Files found already copied and verified on the target (a crash before the journal line). */
  alreadyRemote: string[];
  /** Files released locally in this run. */
  released: string[];
  /** Files with a verified copy kept locally because they are younger than deleteLocalAfterMs. */
  keptLocal: string[];
  failures: RemoteTierFailure[];
}

/** The failure of one file, with the target's own step and reason when it gave them. */
function failureOf(file: SealedFile, target: string, stage: RemoteTierFailure['stage'], error: unknown): RemoteTierFailure {
  return {
    relativePath: file.relativePath,
    target,
    stage: error instanceof RemoteTargetError ? error.stage : stage,
    reason: error instanceof RemoteTargetError ? error.reason : describeError(error),
  };
}

/** Compacts the journal when superseded or released lines outnumber this many. */
const COMPACT_AFTER_OBSOLETE_LINES = 1000;

export class RemoteTier {
  private readonly journal: RemoteJournal;
  private readonly now: () => number;
  private running: Promise<RemoteTierRunResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly options: RemoteTierOptions) {
    this.journal = new RemoteJournal(options.journalPath);
    this.now = options.now ?? Date.now;
  }

  /** The journal's verified copy of a file on this tier's target, if any. */
  async verifiedCopy(relativePath: string): Promise<JournalEntry | undefined> {
    await this.journal.load();
    return this.journal.get(this.options.target.name, relativePath);
  }

  /**
   * One pass over the store's sealed files. Never runs twice at once: a call during a run
   * returns that run's result. Failures of single files are in the result, not thrown.
   */
  runOnce(): Promise<RemoteTierRunResult> {
    if (this.running === undefined) {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** Runs now and then every intervalMs after the previous run ended. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const loop = (): void => {
      this.runOnce()
        .catch((error: unknown) => this.options.onEvent?.({ type: 'runFailed', reason: describeError(error) }))
        .finally(() => {
          if (this.started) this.timer = setTimeout(loop, this.options.intervalMs ?? 60_000);
        });
    };
    loop();
  }

  /** Stops the periodic runs and waits for a run in progress; closes the target. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.options.target.close();
  }

  private async run(): Promise<RemoteTierRunResult> {
    const { source, target } = this.options;
    await this.journal.load();
    const result: RemoteTierRunResult = { copied: [], alreadyRemote: [], released: [], keptLocal: [], failures: [] };
    const files = source.sealedFiles();
    for (const file of files) {
      const failure = await this.handle(file, result);
      if (failure !== undefined) {
        result.failures.push(failure);
        this.options.onEvent?.({ type: 'failed', failure });
      }
    }
    if (this.journal.size - files.length + this.journal.supersededLines > COMPACT_AFTER_OBSOLETE_LINES) {
      const live = new Set(files.map((f) => f.relativePath));
      await this.journal.compact((e) => e.target !== target.name || live.has(e.relativePath));
    }
    return result;
  }

  /** Copies, records and releases one file; returns why it failed, if it did. */
  private async handle(file: SealedFile, result: RemoteTierRunResult): Promise<RemoteTierFailure | undefined> {
    const target = this.options.target;
    const fail = (stage: RemoteTierFailure['stage'], error: unknown): RemoteTierFailure => failureOf(file, target.name, stage, error);

    const known = this.journal.get(target.name, file.relativePath);
    const limit = this.options.deleteLocalAfterMs;
    const ageMs = this.now() - file.lastTimestampMs;
    const due = limit !== undefined && ageMs > limit;
    // A copied file that stays local is not hashed again every run; it is before its release.
    if (known !== undefined && known.sizeBytes === file.sizeBytes && !due) {
      result.keptLocal.push(file.relativePath);
      return undefined;
    }
    let fingerprint: FileFingerprint;
    try {
      fingerprint = await fingerprintFile(file.absolutePath);
    } catch (error) {
      return fail('hash', error);
    }
    // A journal line for another content under the same path (the path was reused) does not count.
    const journaled = known !== undefined && known.sha256 === fingerprint.sha256 && known.sizeBytes === fingerprint.sizeBytes;
    if (!journaled) {
      const failure = await this.copy(file, fingerprint, result, true);
      if (failure !== undefined) return failure;
    }
    if (!due) {
      result.keptLocal.push(file.relativePath);
      return undefined;
    }
    if (journaled) {
      // Verified in an earlier run: the copy may have been lost since. Look again before the
      // local file, perhaps the only other copy, goes.
      const failure = await this.copy(file, fingerprint, result, false);
      if (failure !== undefined) return failure;
    }
    try {
      await this.options.source.releaseLocal(file.relativePath);
    } catch (error) {
      return fail('release', error);
    }
    result.released.push(file.relativePath);
    this.options.onEvent?.({ type: 'released', relativePath: file.relativePath, ageMs });
    return undefined;
  }
  /**
   * Makes sure the target holds a verified copy: verifies what is there, uploads if that fails,
   * verifies again, and journals a copy that was not journaled yet (`journal`).
   */
  private async copy(file: SealedFile, fingerprint: FileFingerprint, result: RemoteTierRunResult, journal: boolean): Promise<RemoteTierFailure | undefined> {
    const target = this.options.target;
    const fail = (stage: RemoteTierFailure['stage'], error: unknown): RemoteTierFailure => failureOf(file, target.name, stage, error);
    let uploaded = false;
    try {
      const existing = await target.verify(file, fingerprint);
      if (!existing.ok) {
        await target.put(file, fingerprint);
        const after = await target.verify(file, fingerprint);
        if (!after.ok) throw new RemoteTargetError(target.name, file.relativePath, 'verify', `the copy in its final place does not match: ${after.reason}`);
        uploaded = true;
      }
    } catch (error) {
      return fail('upload', error);
    }
    if (uploaded) {
      result.copied.push(file.relativePath);
      this.options.onEvent?.({ type: 'copied', relativePath: file.relativePath, target: target.name, ...fingerprint });
    } else if (journal) {
      result.alreadyRemote.push(file.relativePath);
      this.options.onEvent?.({ type: 'alreadyRemote', relativePath: file.relativePath, target: target.name });
    }
    if (!journal && !uploaded) return undefined;
    try {
      await this.journal.append({ relativePath: file.relativePath, target: target.name, ...fingerprint, verifiedAtMs: this.now() });
    } catch (error) {
      return fail('journal', error);
    }
    return undefined;
  }
}
