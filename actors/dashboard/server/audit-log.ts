// The audit log: every action with who did it, as JSON lines appended to the audit file (one
// AuditEntry per line, flushed as written), and the last entries in memory for GET /api/audit.
// A failing disk is logged, never fatal: the dashboard keeps serving.

import { appendFileSync, closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../../core/log/logger.js';
import type { AuditEntry } from '../api.js';
import type { AuditInput, AuditWriter } from './context.js';

const KEEP_IN_MEMORY = 5_000;
/** At start the tail of the file (at most this many bytes) refills the memory. */
const TAIL_BYTES = 2 * 1_048_576;

export interface AuditQuery {
  limit?: number;
  user?: string;
  action?: string;
  sinceMs?: number;
}

export class AuditLog implements AuditWriter {
  private readonly recent: AuditEntry[] = [];

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.recent.push(...readTail(file));
  }

  write(input: AuditInput): void {
    const entry: AuditEntry = { atMs: input.atMs ?? Date.now(), user: input.user, role: input.role, action: input.action, target: input.target, outcome: input.outcome, detail: input.detail, address: input.address };
    this.recent.push(entry);
    if (this.recent.length > KEEP_IN_MEMORY) this.recent.splice(0, this.recent.length - KEEP_IN_MEMORY);
    try {
      appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    } catch (error) {
      this.log.error('audit entry not written to the audit file', { file: this.file, error: (error as Error).message, entry });
    }
  }

  /** Newest first. */
  query(query: AuditQuery = {}): AuditEntry[] {
    const limit = Math.max(1, Math.min(query.limit ?? 200, KEEP_IN_MEMORY));
    const found: AuditEntry[] = [];
    for (let i = this.recent.length - 1; i >= 0 && found.length < limit; i--) {
      const entry = this.recent[i]!;
      if (query.user !== undefined && entry.user !== query.user) continue;
      if (query.action !== undefined && entry.action !== query.action) continue;
      if (query.sinceMs !== undefined && entry.atMs < query.sinceMs) break;
      found.push(entry);
    }
    return found;
  }
}

function readTail(file: string): AuditEntry[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return [];
  }
  const start = Math.max(0, size - TAIL_BYTES);
  const buffer = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = buffer.toString('utf8').split('\n');
  if (start > 0) lines.shift(); // a cut first line
  const entries: AuditEntry[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // A line cut by a crash mid-write: skipped.
    }
  }
  return entries.slice(-KEEP_IN_MEMORY);
}
