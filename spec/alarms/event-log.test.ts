import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog, eventLogFileName, type EventLogOptions } from '../../core/alarms/event-log.js';
import { AlarmRequestError } from '../../core/alarms/alarm-book.js';
import type { RawEvent } from '../../core/alarms/api.js';
import { createLogger } from '../../core/log/logger.js';

const HOUR = 3600_000;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gridlink-event-log-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function raw(i: number, atMs: number, group = 'feeder:F1'): RawEvent {
  return { key: `dp:F1/mp-${i % 10}/u:high`, kind: i % 2 ? 'Clear' : 'Raise', severity: 'Major', audience: 'FieldEngineer', category: 'grid', source: `F1/mp-${i % 10}/u`, group, message: `event ${i} – ünïcode`, value: i + 0.5, hasValue: true, atMs };
}

/** A log whose warnings are captured (the damaged-line reports are part of what is tested). */
async function openLog(dir: string, options: Partial<EventLogOptions> = {}, now = () => T0 + 2 * HOUR): Promise<{ log: EventLog; warnings: string[] }> {
  const warnings: string[] = [];
  const log = await EventLog.open(dir, { retentionMs: 24 * HOUR, now, flushIntervalMs: 10_000, log: createLogger('test', 'warn', (line) => warnings.push(line)), ...options });
  return { log, warnings };
}

const all = { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, limit: 100_000 };

describe('EventLog', () => {
  it('appends in files per period, queries by span, key prefix and group, oldest first, before and after a flush and a reopen', async () => {
    const dir = tempDir();
    const { log } = await openLog(dir);
    // Three periods, and within the first one events out of order.
    log.append(raw(0, T0 + 1000));
    log.append(raw(1, T0 + 500));
    log.append(raw(2, T0 + HOUR + 5, 'feeder:F2'));
    log.append(raw(3, T0 + 2 * HOUR + 7));
    log.append(raw(4, T0 + 30, 'feeder:F2')); // a late event of the first period
    const before = log.query(all).events.map((e) => e.atMs);
    expect(before).toEqual([T0 + 30, T0 + 500, T0 + 1000, T0 + HOUR + 5, T0 + 2 * HOUR + 7]);
    await log.flush();
    expect(readdirSync(dir).sort()).toEqual([eventLogFileName(T0), eventLogFileName(T0 + HOUR), eventLogFileName(T0 + 2 * HOUR)]);
    expect(eventLogFileName(T0)).toBe('raw-2024-05-01T12-00-00-000Z.jsonl');
    expect(log.query(all).events.map((e) => e.atMs)).toEqual(before);
    expect(log.query({ fromMs: T0 + 500, toMs: T0 + HOUR + 5, limit: 10 }).events.map((e) => e.atMs)).toEqual([T0 + 500, T0 + 1000]);
    expect(log.query({ ...all, group: 'feeder:F2' }).events.map((e) => e.atMs)).toEqual([T0 + 30, T0 + HOUR + 5]);
    expect(log.query({ ...all, keyPrefix: 'dp:F1/mp-3/' }).events.map((e) => e.message)).toEqual(['event 3 – ünïcode']);
    const limited = log.query({ ...all, limit: 2 });
    expect(limited).toMatchObject({ truncated: true });
    expect(limited.events.map((e) => e.atMs)).toEqual([T0 + 30, T0 + 500]);
    expect(log.query({ ...all, limit: 5 }).truncated).toBe(false);
    await log.close();

    const { log: again, warnings } = await openLog(dir);
    const reread = again.query(all).events;
    expect(reread.map((e) => e.atMs)).toEqual(before);
    expect(reread[0]).toEqual(raw(4, T0 + 30, 'feeder:F2'));
    expect(warnings).toEqual([]);
    // Appending after a reopen goes on in the same files.
    again.append(raw(5, T0 + 2 * HOUR + 8));
    await again.close();
    const { log: third } = await openLog(dir);
    expect(third.query({ fromMs: T0 + 2 * HOUR, toMs: T0 + 3 * HOUR, limit: 10 }).events.map((e) => e.atMs)).toEqual([T0 + 2 * HOUR + 7, T0 + 2 * HOUR + 8]);
    await third.close();
  });

  it('writes in groups: after flushEvents events without an explicit flush', async () => {
    const dir = tempDir();
    const { log } = await openLog(dir, { flushEvents: 50 });
    for (let i = 0; i < 50; i++) log.append(raw(i, T0 + i));
    await log.flush(); // waits for the group commit that 50 events started (and writes nothing more)
    const lines = readFileSync(path.join(dir, eventLogFileName(T0)), 'utf8').split('\n');
    expect(lines).toHaveLength(51);
    expect(lines[0]).toMatch(/^[0-9a-f]{8} \{"key":"dp:F1\/mp-0\/u:high","kind":"Raise"/);
    await log.close();
  });

  it('skips a line with a flipped byte and a truncated last line, reports each with file and line, keeps the rest', async () => {
    const dir = tempDir();
    const { log } = await openLog(dir);
    for (let i = 0; i < 20; i++) log.append(raw(i, T0 + i));
    await log.close();
    const file = path.join(dir, eventLogFileName(T0));
    const bytes = readFileSync(file);
    // Flip one digit inside the 6th record's JSON (still valid JSON: only the checksum notices).
    const lineStarts = [0];
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) lineStarts.push(i + 1);
    const sixth = bytes.toString('utf8', lineStarts[5], lineStarts[6]);
    const digit = lineStarts[5] + Buffer.byteLength(sixth.slice(0, sixth.indexOf('"value":') + 8));
    bytes[digit] = bytes[digit] === 0x35 ? 0x36 : 0x35;
    writeFileSync(file, bytes);
    truncateSync(file, statSync(file).size - 15); // the last record loses its end

    const { log: reopened, warnings } = await openLog(dir);
    const events = reopened.query(all).events;
    expect(events).toHaveLength(18);
    expect(events.map((e) => e.atMs)).not.toContain(T0 + 5);
    expect(events.map((e) => e.atMs)).not.toContain(T0 + 19);
    expect(reopened.problems).toEqual([
      { file: eventLogFileName(T0), line: 6, reason: 'checksum mismatch' },
      { file: eventLogFileName(T0), line: 20, reason: 'truncated: the last line has no end' },
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(`file=${file}, line=6, reason=checksum mismatch`);
    // Appending after the damage: the cut line stays a line of its own, the new record is readable.
    reopened.append(raw(100, T0 + 100));
    await reopened.flush();
    reopened.query(all);
    expect(warnings).toHaveLength(2); // each damaged line is reported once
    await reopened.close();
    const { log: third } = await openLog(dir);
    const after = third.query(all).events.map((e) => e.atMs);
    expect(after).toHaveLength(19);
    expect(after[18]).toBe(T0 + 100);
    expect(third.problems.map((p) => [p.line, p.reason])).toEqual([
      [6, 'checksum mismatch'],
      [20, 'checksum mismatch'], // now ended by the newline written before the next record
    ]);
    await third.close();
  });

  it('deletes files older than the retention period, at open and while running', async () => {
    const dir = tempDir();
    let now = T0 + 2 * HOUR;
    const { log } = await openLog(dir, { retentionMs: 3 * HOUR }, () => now);
    log.append(raw(0, T0 - 2 * HOUR));
    log.append(raw(1, T0));
    log.append(raw(2, T0 + HOUR));
    await log.close();
    expect(readdirSync(dir)).toHaveLength(3);
    now = T0 + 3 * HOUR + 1; // the period before T0 ended 4 h ago
    const { log: reopened } = await openLog(dir, { retentionMs: 3 * HOUR }, () => now);
    expect(readdirSync(dir).sort()).toEqual([eventLogFileName(T0), eventLogFileName(T0 + HOUR)]);
    expect(reopened.query(all).events.map((e) => e.atMs)).toEqual([T0, T0 + HOUR]);
    now = T0 + 4 * HOUR + 1;
    reopened.append(raw(3, T0 + 4 * HOUR));
    await reopened.flush();
    expect(readdirSync(dir).sort()).toEqual([eventLogFileName(T0 + HOUR), eventLogFileName(T0 + 4 * HOUR)]);
    await reopened.close();
  });

  it('serves the newest period from memory, and from its file once memory is exceeded', async () => {
    const dir = tempDir();
    const { log } = await openLog(dir, { maxMemoryEvents: 10 });
    for (let i = 0; i < 25; i++) log.append(raw(i, T0 + i));
    expect(log.query(all).events).toHaveLength(25); // still partly unwritten: pending events count too
    await log.flush();
    expect(log.query(all).events.map((e) => e.atMs)).toEqual(Array.from({ length: 25 }, (_, i) => T0 + i));
    await log.close();
  });

  it('refuses an inverted span or a bad limit with InvalidArgument', async () => {
    const { log } = await openLog(tempDir());
    const refusal = (q: Parameters<EventLog['query']>[0]): string => {
      try {
        log.query(q);
      } catch (error) {
        if (error instanceof AlarmRequestError) return error.code;
      }
      return 'accepted';
    };
    expect(refusal({ fromMs: 10, toMs: 5, limit: 1 })).toBe('InvalidArgument');
    expect(refusal({ fromMs: 0, toMs: 5, limit: 0 })).toBe('InvalidArgument');
    expect(refusal({ fromMs: 0, toMs: 5, limit: 1 })).toBe('accepted');
    await log.close();
    expect(() => log.append(raw(0, T0))).toThrow('is closed');
  });
});
