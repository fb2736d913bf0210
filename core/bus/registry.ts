import { createRequire } from 'node:module';
import type { BehaviorSubject, Observable, Subject } from 'rxjs';

/**
 * RxJS is loaded the first time someone observes the registry: loading it
 * costs about 12 MB of resident memory, which an idle module that never
 * watches the registry (most of them) should not pay.
 */
const requireLazily = createRequire(import.meta.url);
function rx(): { Subject: typeof Subject; BehaviorSubject: typeof BehaviorSubject } {
  return requireLazily('rxjs') as { Subject: typeof Subject; BehaviorSubject: typeof BehaviorSubject };
}

export type ModuleStateName = 'unknown' | 'starting' | 'running' | 'stopping' | 'failed';

export interface RoleEntry {
  readonly name: string;
  /** Message types handled on the role; empty means every type. */
  readonly requestTypes: readonly string[];
}

/** One live module as every registry replica holds it. Only its owner changes it. */
export interface ModuleRecord {
  readonly id: string;
  readonly incarnation: bigint;
  readonly name: string;
  readonly version: string;
  readonly host: string;
  readonly hostKey: string;
  readonly pid: number;
  readonly routerEndpoints: readonly string[];
  readonly pubEndpoints: readonly string[];
  readonly roles: readonly RoleEntry[];
  readonly topics: readonly string[];
  readonly publishes: readonly string[];
  readonly state: ModuleStateName;
  readonly seq: number;
  readonly curvePublicKey: string;
}

export type RegistryChange =
  | { readonly kind: 'join'; readonly record: ModuleRecord }
  | { readonly kind: 'update'; readonly record: ModuleRecord; readonly previous: ModuleRecord }
  | { readonly kind: 'leave'; readonly record: ModuleRecord; readonly reason: string };

/**
 * This process's replica of the registry: an owner-writes map of module
 * records. Records converge without consensus because each has exactly one
 * writer and carries a sequence number; a replica that sees a gap asks the
 * owner for its full record (the caller does that on `applyDelta` = 'gap').
 */
export class Registry {
  private readonly records = new Map<string, ModuleRecord>();
  private changeSubject?: Subject<RegistryChange>;
  private snapshotSubject?: BehaviorSubject<readonly ModuleRecord[]>;
  private snapshot: readonly ModuleRecord[] = [];
  /** role -> records holding it, rebuilt on change (reads are far more frequent than changes). */
  private roleIndex = new Map<string, ModuleRecord[]>();

  /** Joins, leaves and updates, as they happen. */
  get changes(): Observable<RegistryChange> {
    this.changeSubject ??= new (rx().Subject)<RegistryChange>();
    return this.changeSubject.asObservable();
  }

  /** The whole registry now and after every change. */
  get snapshots(): Observable<readonly ModuleRecord[]> {
    this.snapshotSubject ??= new (rx().BehaviorSubject)<readonly ModuleRecord[]>(this.snapshot);
    return this.snapshotSubject.asObservable();
  }

  get(id: string): ModuleRecord | undefined {
    return this.records.get(id);
  }

  list(): readonly ModuleRecord[] {
    return this.snapshot;
  }

  /** Records holding a role, in join order. */
  holders(role: string): readonly ModuleRecord[] {
    return this.roleIndex.get(role) ?? NONE;
  }

  /**
   * Stores a full record (Hello). A record of an older incarnation of the
   * same module, or an older sequence number, is ignored.
   */
  upsert(record: ModuleRecord): 'join' | 'update' | 'stale' {
    const previous = this.records.get(record.id);
    if (previous) {
      if (record.incarnation < previous.incarnation) return 'stale';
      if (record.incarnation === previous.incarnation && record.seq < previous.seq) return 'stale';
      if (record.incarnation === previous.incarnation && record.seq === previous.seq) return 'stale';
      this.records.set(record.id, record);
      this.changed({ kind: 'update', record, previous });
      return 'update';
    }
    this.records.set(record.id, record);
    this.changed({ kind: 'join', record });
    return 'join';
  }

  /** Applies a change of a record; 'gap' means the replica missed one and must resync. */
  applyDelta(
    id: string,
    incarnation: bigint,
    seq: number,
    change: { state?: ModuleStateName; roles?: readonly RoleEntry[]; topics?: readonly string[] },
  ): 'applied' | 'stale' | 'gap' | 'unknown' {
    const previous = this.records.get(id);
    if (!previous) return 'unknown';
    if (incarnation < previous.incarnation) return 'stale';
    if (incarnation > previous.incarnation) return 'gap';
    if (seq <= previous.seq) return 'stale';
    if (seq !== previous.seq + 1) return 'gap';
    const record: ModuleRecord = {
      ...previous,
      seq,
      state: change.state ?? previous.state,
      roles: change.roles ?? previous.roles,
      topics: change.topics ?? previous.topics,
    };
    this.records.set(id, record);
    this.changed({ kind: 'update', record, previous });
    return 'applied';
  }

  /** Removes a record; with an incarnation, only that incarnation. */
  remove(id: string, reason: string, incarnation?: bigint): ModuleRecord | undefined {
    const record = this.records.get(id);
    if (!record) return undefined;
    if (incarnation !== undefined && incarnation !== record.incarnation) return undefined;
    this.records.delete(id);
    this.changed({ kind: 'leave', record, reason });
    return record;
  }

  close(): void {
    this.changeSubject?.complete();
    this.snapshotSubject?.complete();
  }

  private changed(change: RegistryChange): void {
    const index = new Map<string, ModuleRecord[]>();
    for (const record of this.records.values()) {
      for (const role of record.roles) {
        let list = index.get(role.name);
        if (!list) index.set(role.name, (list = []));
        list.push(record);
      }
    }
    this.roleIndex = index;
    this.snapshot = [...this.records.values()];
    this.snapshotSubject?.next(this.snapshot);
    this.changeSubject?.next(change);
  }
}

const NONE: readonly ModuleRecord[] = [];

export function handlesType(record: ModuleRecord, role: string, type: string): boolean {
  for (const entry of record.roles) {
    if (entry.name === role) return entry.requestTypes.length === 0 || entry.requestTypes.includes(type);
  }
  return false;
}
