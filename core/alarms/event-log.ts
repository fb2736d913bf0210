// The raw event log: every raw event, appended to one file per period under a directory, kept for
// a retention period, queryable by time span, key prefix and group.
//
// Format: JSON lines, each prefixed with the CRC-32 of its JSON as 8 hex digits:
//   1a2b3c4d {"key":"dp:F1/mp-3/p:high","kind":"Raise",...,"atMs":1714567890123}\n
// Why text and not a binary record format: raw events are few compared with measurements (hundreds
// per second in a storm, usually a handful per hour), so parsing cost does not matter, while people
// read and grep these files when they reconstruct what happened in a substation. The checksum finds
// what JSON.parse would not (a flipped digit is still valid JSON); the newline lets a reader find
// the next record after a damaged one. Damaged and truncated lines are skipped, logged once with
// file and line number, and listed in `problems`.
//
// Files: raw-<period start, UTC, e.g. 2024-05-01T13-00-00-000Z>.jsonl; an event goes to the file
// of the period its atMs falls into (late events into older files), so a query reads only the files
// whose periods overlap its span. Writes are grouped: a flush every flushIntervalMs or flushEvents
// events, one write and one fdatasync per file per flush (group commit). Files whose period ended
// longer than retentionMs ago are deleted. The newest period is also kept in memory (bounded by
// maxMemoryEvents) so queries of the recent past read no file.

import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { EventLogApi, RawEvent, RawEventQuery } from './api.js';
import { AlarmRequestError } from './alarm-book.js';
import { createLogger, type Logger } from '../log/logger.js';
import { crc32 } from '../storacle/codec/crc32.js';

export interface EventLogOptions {
  /** Files whose period ended longer ago than this are deleted. */
  retentionMs: number;
  /** One file per this period (default 1 h). */
  periodMs?: number;
  /** Group commit: write at most this long after an append (default 200 ms)... */
  flushIntervalMs?: number;
  /** ...or as soon as this many events wait (default 1000). */
  flushEvents?: number;
  /** The newest period's events kept in memory, at most (default 100,000; beyond: read from its file). */
  maxMemoryEvents?: number;
  /** The clock for retention (default Date.now; tests simulate time). */
  now?: () => number;
  log?: Logger;
}

/** A damaged or truncated line that was skipped. */
export interface EventLogProblem {
  file: string;
  /** 1-based. */
  line: number;
  reason: string;
}

interface Entry {
  period: number;
  line: string;
  event: RawEvent;
  written: boolean;
}

const KINDS = new Set(['Raise', 'Clear', 'Occurrence']);
const SEVERITIES = new Set(['Info', 'Warning', 'Minor', 'Major', 'Critical']);
const AUDIENCES = new Set(['Administrator', 'FieldEngineer']);
const FILE_NAME = /^raw-(\d{4})-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z\.jsonl$/;
const NEWLINE = 0x0a;
const encoder = new TextEncoder();

export function eventLogFileName(periodStartMs: number): string {
  return `raw-${new Date(periodStartMs).toISOString().replace(/[:.]/g, '-')}.jsonl`;
}

function periodOfFileName(name: string): number | undefined {
  const m = FILE_NAME.exec(name);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]);
  return Number.isFinite(ms) ? ms : undefined;
}

/** One record: the CRC-32 of the JSON in hex, a space, the JSON, a newline. */
export function encodeRecord(event: RawEvent): string {
  const json = JSON.stringify({
    key: event.key,
    kind: event.kind,
    severity: event.severity,
    audience: event.audience,
    category: event.category ?? '',
    source: event.source ?? '',
    group: event.group ?? '',
    message: event.message ?? '',
    value: Number.isFinite(event.value) ? event.value : null,
    hasValue: event.hasValue,
    atMs: event.atMs,
  });
  return `${crc32(encoder.encode(json)).toString(16).padStart(8, '0')} ${json}\n`;
}

/** Decodes one record (without its newline); a string saying what is wrong when it is damaged. */
function decodeRecord(bytes: Buffer, start: number, end: number): RawEvent | string {
  if (end - start < 11) return 'too short for a record';
  if (bytes[start + 8] !== 0x20) return 'no space after the checksum';
  const hex = bytes.toString('latin1', start, start + 8);
  if (!/^[0-9a-f]{8}$/.test(hex)) return 'the checksum is not 8 hex digits';
  if (crc32(bytes, start + 9, end) !== parseInt(hex, 16)) return 'checksum mismatch';
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(bytes.toString('utf8', start + 9, end)) as Record<string, unknown>;
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof o !== 'object' || o === null) return 'not a JSON object';
  if (typeof o.key !== 'string' || !KINDS.has(o.kind as string) || !SEVERITIES.has(o.severity as string) || !AUDIENCES.has(o.audience as string))
    return 'key, kind, severity or audience missing or unknown';
  if (typeof o.atMs !== 'number' || typeof o.hasValue !== 'boolean' || (o.value !== null && typeof o.value !== 'number')) return 'atMs, value or hasValue missing';
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    key: o.key,
    kind: o.kind as RawEvent['kind'],
    severity: o.severity as RawEvent['severity'],
    audience: o.audience as RawEvent['audience'],
    category: text(o.category),
    source: text(o.source),
    group: text(o.group),
    message: text(o.message),
    value: o.value === null ? NaN : (o.value as number),
    hasValue: o.hasValue,
    atMs: o.atMs,
  };
}

function matches(event: RawEvent, q: RawEventQuery): boolean {
  return (
    event.atMs >= q.fromMs &&
    event.atMs < q.toMs &&
    (!q.keyPrefix || event.key.startsWith(q.keyPrefix)) &&
    (!q.group || (event.group ?? '') === q.group)
  );
}

export class EventLog implements EventLogApi {
  /** Damaged lines found so far (each reported once). */
  readonly problems: EventLogProblem[] = [];
  private readonly periodMs: number;
  private readonly flushIntervalMs: number;
  private readonly flushEvents: number;
  private readonly maxMemoryEvents: number;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  /** Periods that have a file (or will have one at the next flush), ascending when sorted. */
  private readonly periods = new Set<number>();
  private pending: Entry[] = [];
  private writing: Entry[] = [];
  private memoryPeriod = -Infinity;
  private memory: RawEvent[] = [];
  private memoryComplete = true;
  private readonly handles = new Map<number, FileHandle>();
  /** Bytes known to be whole records in the files this log writes (a query reads no further). */
  private readonly fileLength = new Map<number, number>();
  private readonly reported = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastRetentionMs = -Infinity;
  private closed = false;

  private constructor(
    readonly dir: string,
    options: EventLogOptions,
  ) {
    this.retentionMs = options.retentionMs;
    this.periodMs = options.periodMs ?? 3600_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.flushEvents = options.flushEvents ?? 1000;
    this.maxMemoryEvents = options.maxMemoryEvents ?? 100_000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? createLogger('alarms/event-log');
    const check = (name: string, value: number, min: number): void => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new RangeError(`event log: ${name} must be a number >= ${min}, got ${String(value)}`);
    };
    check('retentionMs', this.retentionMs, 0);
    check('periodMs', this.periodMs, 1000);
    check('flushIntervalMs', this.flushIntervalMs, 0);
    check('flushEvents', this.flushEvents, 1);
    check('maxMemoryEvents', this.maxMemoryEvents, 0);
  }

  /** Opens (creating) the log under `dir`: deletes expired files and reads the newest period into memory. */
  static async open(dir: string, options: EventLogOptions): Promise<EventLog> {
    const log = new EventLog(dir, options);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      const period = periodOfFileName(name);
      if (period !== undefined) log.periods.add(period);
    }
    await log.removeExpired();
    const newest = Math.max(...log.periods);
    if (Number.isFinite(newest)) {
      const events = log.readFile(newest, undefined);
      log.memoryPeriod = newest;
      log.memoryComplete = events.length <= log.maxMemoryEvents;
      log.memory = log.memoryComplete ? events : [];
    }
    return log;
  }

  append(event: RawEvent): void {
    if (this.closed) throw new Error(`event log ${this.dir} is closed`);
    // A source without a usable time still gets its event kept, at the time it arrived.
    const stored: RawEvent = Number.isFinite(event.atMs) ? { ...event } : { ...event, atMs: this.now() };
    const period = Math.floor(stored.atMs / this.periodMs) * this.periodMs;
    const hadFile = this.periods.has(period);
    this.periods.add(period);
    this.pending.push({ period, line: encodeRecord(stored), event: stored, written: false });
    if (period > this.memoryPeriod) {
      this.memoryPeriod = period;
      this.memory = [stored];
      this.memoryComplete = !hadFile;
    } else if (period === this.memoryPeriod && this.memoryComplete) {
      if (this.memory.length >= this.maxMemoryEvents) {
        this.memory = [];
        this.memoryComplete = false;
      } else this.memory.push(stored);
    }
    if (this.pending.length >= this.flushEvents) this.flushInBackground();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flushInBackground(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  query(query: RawEventQuery): { events: RawEvent[]; truncated: boolean } {
    const { fromMs, toMs, limit } = query;
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) throw new AlarmRequestError('InvalidArgument', `raw events: the span [${fromMs}, ${toMs}) is not a span`);
    if (!Number.isInteger(limit) || limit < 1) throw new AlarmRequestError('InvalidArgument', `raw events: limit must be an integer >= 1, got ${limit}`);
    const periods = [...this.periods].sort((a, b) => a - b);
    const events: RawEvent[] = [];
    for (let i = 0; i < periods.length; i++) {
      const period = periods[i];
      // A file covers its period, or up to the next file when the period setting was longer before.
      const end = i + 1 < periods.length ? Math.max(period + this.periodMs, periods[i + 1]) : Infinity;
      if (period >= toMs || end <= fromMs) continue;
      const found: RawEvent[] = [];
      for (const event of this.eventsOf(period)) if (matches(event, query)) found.push(event);
      found.sort((a, b) => a.atMs - b.atMs); // stable: equal times keep their order of arrival
      for (const event of found) {
        if (events.length === limit) return { events, truncated: true };
        events.push({ ...event });
      }
    }
    return { events, truncated: false };
  }

  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const next = this.chain.then(() => this.writePending());
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      for (const handle of this.handles.values()) await handle.close();
      this.handles.clear();
    }
  }

  private flushInBackground(): void {
    this.flush().catch((error: unknown) => this.log.error('event log: writing failed, will retry at the next flush', { dir: this.dir, error: (error as Error).message }));
  }

  private async writePending(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    this.writing = this.pending;
    this.pending = [];
    const byPeriod = new Map<number, Entry[]>();
    for (const entry of this.writing) {
      const list = byPeriod.get(entry.period);
      if (list) list.push(entry);
      else byPeriod.set(entry.period, [entry]);
    }
    try {
      for (const [period, entries] of byPeriod) {
        const handle = await this.handle(period);
        const text = entries.map((e) => e.line).join('');
        try {
          await handle.write(text);
          await handle.datasync();
        } catch (error) {
          // The file's tail is unknown now: reopen (which ends a partial line) before writing again.
          this.handles.delete(period);
          this.fileLength.delete(period);
          await handle.close().catch(() => undefined);
          throw error;
        }
        this.fileLength.set(period, (this.fileLength.get(period) ?? 0) + Buffer.byteLength(text));
        for (const entry of entries) entry.written = true;
      }
    } finally {
      const unwritten = this.writing.filter((e) => !e.written);
      this.writing = [];
      if (unwritten.length > 0) this.pending = unwritten.concat(this.pending);
    }
    // Only the newest period is appended to often; close the others.
    for (const [period, handle] of this.handles) {
      if (period < this.memoryPeriod) {
        this.handles.delete(period);
        await handle.close();
      }
    }
    if (this.now() - this.lastRetentionMs >= 60_000) await this.removeExpired();
  }

  private async handle(period: number): Promise<FileHandle> {
    const existing = this.handles.get(period);
    if (existing) return existing;
    const file = path.join(this.dir, eventLogFileName(period));
    const handle = await open(file, 'a+');
    const { size } = await handle.stat();
    let length = size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      // A line cut short (a crash mid-write) must stay a line of its own, not swallow the next record.
      if (last[0] !== NEWLINE) {
        await handle.write('\n');
        length++;
      }
    } else {
      syncDirectory(this.dir);
    }
    this.handles.set(period, handle);
    this.fileLength.set(period, length);
    return handle;
  }

  private eventsOf(period: number): RawEvent[] {
    if (period === this.memoryPeriod && this.memoryComplete) return this.memory;
    const events = this.readFile(period, this.fileLength.get(period));
    for (const entry of this.writing) if (entry.period === period && !entry.written) events.push(entry.event);
    for (const entry of this.pending) if (entry.period === period) events.push(entry.event);
    return events;
  }

  /** Reads a period's file up to `length` bytes (all when undefined); damaged lines are reported and skipped. */
  private readFile(period: number, length: number | undefined): RawEvent[] {
    const name = eventLogFileName(period);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(this.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const end = length === undefined ? bytes.length : Math.min(length, bytes.length);
    const events: RawEvent[] = [];
    let start = 0;
    let line = 0;
    while (start < end) {
      line++;
      const stop = bytes.indexOf(NEWLINE, start);
      if (stop === -1 || stop >= end) {
        this.report(name, line, 'truncated: the last line has no end');
        break;
      }
      const decoded = decodeRecord(bytes, start, stop);
      if (typeof decoded === 'string') {
        if (stop > start) this.report(name, line, decoded); // an empty line is the end of a line cut short earlier
      } else events.push(decoded);
      start = stop + 1;
    }
    return events;
  }

  private report(file: string, line: number, reason: string): void {
    const id = `${file}:${line}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.problems.push({ file, line, reason });
    this.log.warn('event log: skipped a damaged line', { file: path.join(this.dir, file), line, reason });
  }

  private async removeExpired(): Promise<void> {
    const now = this.now();
    this.lastRetentionMs = now;
    const cutoff = now - this.retentionMs;
    for (const period of [...this.periods]) {
      if (period + this.periodMs > cutoff) continue;
      if (this.pending.some((e) => e.period === period)) continue;
      const handle = this.handles.get(period);
      if (handle) {
        this.handles.delete(period);
        await handle.close();
      }
      this.fileLength.delete(period);
      this.periods.delete(period);
      await unlink(path.join(this.dir, eventLogFileName(period))).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      if (period === this.memoryPeriod) {
        this.memory = [];
        this.memoryComplete = true;
      }
    }
  }
}

/** A new file survives power loss only once its directory entry is on disk. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
