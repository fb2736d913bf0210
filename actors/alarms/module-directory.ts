// Which bus module a supervised process was. A SupervisorEvent names a child by its supervision
// path and pid, an alarm names a module by its host and registry name; the registry records (kept
// a while after they leave, since the Exited event may come after the leave) join the two: the
// agent that published the event gives the host key, the pid the record.

import type { ModuleRecord } from '../../core/bus/index.js';

/** How long a departed module's record is remembered for a late SupervisorEvent. */
const KEEP_DEPARTED_MS = 10 * 60_000;
const MAX_DEPARTED = 2000;

interface Known {
  readonly record: ModuleRecord;
  /** When it left the registry, 0 while live. */
  leftAtMs: number;
}

export class ModuleDirectory {
  private readonly byId = new Map<string, Known>();
  private readonly byPid = new Map<string, Known>();
  /** host key + supervision path -> the module that child ran last (a child stopped while backing off has no pid). */
  private readonly children = new Map<string, ModuleRecord>();

  /** A join or update. */
  seen(record: ModuleRecord): void {
    const known: Known = { record, leftAtMs: 0 };
    this.byId.set(record.id, known);
    this.byPid.set(`${record.hostKey}|${record.pid}`, known);
  }

  left(record: ModuleRecord, nowMs: number): void {
    const known = this.byId.get(record.id) ?? { record, leftAtMs: 0 };
    known.leftAtMs = nowMs;
    this.byId.set(record.id, known);
    this.byPid.set(`${record.hostKey}|${record.pid}`, known);
    this.prune(nowMs);
  }

  get(id: string): ModuleRecord | undefined {
    return this.byId.get(id)?.record;
  }

  /** The module a process of that host was (or is), live or recently departed. */
  byProcess(hostKey: string, pid: number): ModuleRecord | undefined {
    return this.byPid.get(`${hostKey}|${pid}`)?.record;
  }

  /** The module a supervised child is: by its pid, else the one it ran last time it was seen. */
  child(hostKey: string, path: string, pid: number): ModuleRecord | undefined {
    const record = pid > 0 ? this.byProcess(hostKey, pid) : undefined;
    const key = `${hostKey}|${path}`;
    if (record === undefined) return this.children.get(key);
    if (!this.children.has(key) && this.children.size >= MAX_DEPARTED) this.children.delete(this.children.keys().next().value!);
    this.children.set(key, record);
    return record;
  }

  /** A live module of that name on that host other than `exceptId` (a restarted one already back). */
  liveNamed(host: string, name: string, exceptId?: string): ModuleRecord | undefined {
    for (const known of this.byId.values()) {
      if (known.leftAtMs === 0 && known.record.host === host && known.record.name === name && known.record.id !== exceptId) return known.record;
    }
    return undefined;
  }

  private prune(nowMs: number): void {
    const departed = [...this.byId.values()].filter((k) => k.leftAtMs > 0).sort((a, b) => a.leftAtMs - b.leftAtMs);
    for (const [i, known] of departed.entries()) {
      if (nowMs - known.leftAtMs < KEEP_DEPARTED_MS && departed.length - i <= MAX_DEPARTED) break;
      this.byId.delete(known.record.id);
      const pidKey = `${known.record.hostKey}|${known.record.pid}`;
      if (this.byPid.get(pidKey) === known) this.byPid.delete(pidKey);
    }
  }
}
