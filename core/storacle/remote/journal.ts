// The remote tier's durable record of which files have a verified remote copy. A line is
// appended and fsync'ed only after the target verified the copy, and the tier releases a local
// file only when its line is on disk: a crash at any point leaves at worst a file uploaded twice,
// never a file deleted without a verified copy.

import { mkdir, open, readFile, rename, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { FileFingerprint } from './target.js';

/** One verified copy: what was copied, where to, and when it was verified. */
export interface JournalEntry extends FileFingerprint {
  relativePath: string;
  target: string;
  verifiedAtMs: number;
}

function isJournalEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.relativePath === 'string' &&
    typeof v.target === 'string' &&
    typeof v.sha256 === 'string' &&
    typeof v.sizeBytes === 'number' &&
    typeof v.verifiedAtMs === 'number'
  );
}

const key = (target: string, relativePath: string): string => `${target}\n${relativePath}`;

/** fsync of a folder, so a created or renamed entry in it survives power loss. */
async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A JSON-lines file; the newest line for a target and path wins. */
export class RemoteJournal {
  private readonly entries = new Map<string, JournalEntry>();
  private lines = 0;
  private loaded = false;

  constructor(readonly path: string) {}

  /**
   * Reads the journal. A torn last line (a crash while appending) is cut off so the next append
   * starts on a fresh line; any other unreadable line is an error, not something to skip quietly.
   */
  async load(): Promise<void> {
    if (this.loaded) return;
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) await truncate(this.path, Buffer.byteLength(text.slice(0, complete)));
    const lines = text.slice(0, complete).split('\n').filter((line) => line !== '');
    lines.forEach((line, index) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (!isJournalEntry(parsed)) throw new Error(`remote journal ${this.path}: line ${index + 1} is not a journal entry: ${line.slice(0, 200)}`);
      this.entries.set(key(parsed.target, parsed.relativePath), parsed);
    });
    this.lines = lines.length;
    this.loaded = true;
  }

  /** The verified copy of a path on a target, if the journal has one. */
  get(target: string, relativePath: string): JournalEntry | undefined {
    return this.entries.get(key(target, relativePath));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Appends one entry and returns once it is fsync'ed (with its folder, when the file is new). */
  async append(entry: JournalEntry): Promise<void> {
    await this.load();
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a');
    let created = false;
    try {
      created = (await handle.stat()).size === 0;
      await handle.write(`${JSON.stringify(entry)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await syncFolder(dirname(this.path));
    this.entries.set(key(entry.target, entry.relativePath), entry);
    this.lines += 1;
  }

  /** Superseded lines (a newer line for the same target and path), left by re-uploads. */
  get supersededLines(): number {
    return this.lines - this.entries.size;
  }

  /**
   * Drops the entries `keep` rejects (files released long ago) and superseded lines: writes a
   * new file, fsyncs it, renames it over the old one and fsyncs the folder, so a crash leaves
   * either journal whole.
   */
  async compact(keep: (entry: JournalEntry) => boolean): Promise<number> {
    await this.load();
    const kept = [...this.entries.values()].filter(keep);
    const dropped = this.lines - kept.length;
    if (dropped === 0) return 0;
    const temporary = `${this.path}.compact`;
    const handle = await open(temporary, 'w');
    try {
      await handle.write(kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
    await syncFolder(dirname(this.path));
    this.entries.clear();
    for (const e of kept) this.entries.set(key(e.target, e.relativePath), e);
    this.lines = kept.length;
    return dropped;
  }
}
