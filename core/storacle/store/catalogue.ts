/**
 * The catalogue of data points: name → numeric id (the write-ahead log's series id), tags, unit,
 * description, creation time and histogram configuration, plus an inverted tag index
 * (tag → set of names) so `any`/`all` queries over 10,000 data points touch only the sets of
 * the asked tags, never every data point's tag list.
 */
import type { HistogramConfig } from '../statistics/index.js';
import type { TagChange, TagMatch, TagUpdateMode } from './api.js';

/** One data point's catalogue entry. Tags are kept sorted and unique. */
export interface CatalogueEntry {
  readonly id: number;
  readonly name: string;
  tags: string[];
  unit?: string;
  description?: string;
  readonly createdMs: number;
  histogram?: HistogramConfig;
}

/** The JSON form of an entry (snapshot and log records). */
export interface CatalogueRecord {
  id: number;
  name: string;
  tags: string[];
  unit?: string;
  description?: string;
  createdMs: number;
  histogram?: HistogramConfig;
}

function sortedUnique(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort();
}

export class Catalogue {
  private readonly byName = new Map<string, CatalogueEntry>();
  private readonly byId = new Map<number, CatalogueEntry>();
  private readonly tagIndex = new Map<string, Set<string>>();
  /** Names in sorted order, rebuilt lazily after a creation. */
  private sortedNames: string[] | undefined = [];
  private nextId = 1;

  get size(): number {
    return this.byName.size;
  }

  get(name: string): CatalogueEntry | undefined {
    return this.byName.get(name);
  }

  getById(id: number): CatalogueEntry | undefined {
    return this.byId.get(id);
  }

  /** A fresh id for a new data point. */
  allocateId(): number {
    return this.nextId++;
  }

  /** Adds an entry (its id must be unused, its name new). */
  add(record: CatalogueRecord): CatalogueEntry {
    if (this.byName.has(record.name) || this.byId.has(record.id)) {
      throw new RangeError(`catalogue already holds ${record.name} or id ${record.id}`);
    }
    const entry: CatalogueEntry = {
      id: record.id,
      name: record.name,
      tags: sortedUnique(record.tags),
      createdMs: record.createdMs,
    };
    if (record.unit !== undefined) entry.unit = record.unit;
    if (record.description !== undefined) entry.description = record.description;
    if (record.histogram !== undefined) entry.histogram = { ...record.histogram };
    this.byName.set(entry.name, entry);
    this.byId.set(entry.id, entry);
    for (const tag of entry.tags) this.indexTag(tag, entry.name);
    if (record.id >= this.nextId) this.nextId = record.id + 1;
    this.sortedNames = undefined;
    return entry;
  }

  /** Replaces, adds or removes tags; returns the new set and the difference. */
  updateTags(entry: CatalogueEntry, tags: readonly string[], mode: TagUpdateMode): TagChange {
    const before = new Set(entry.tags);
    let next: Set<string>;
    if (mode === 'replace') next = new Set(tags);
    else if (mode === 'add') next = new Set([...entry.tags, ...tags]);
    else {
      next = new Set(entry.tags);
      for (const t of tags) next.delete(t);
    }
    const added = [...next].filter((t) => !before.has(t)).sort();
    const removed = [...before].filter((t) => !next.has(t)).sort();
    for (const t of removed) this.unindexTag(t, entry.name);
    for (const t of added) this.indexTag(t, entry.name);
    entry.tags = [...next].sort();
    return { tags: [...entry.tags], added, removed };
  }

  /** Names, sorted, of the data points matching the tags (none: all). */
  match(tags: readonly string[] | undefined, mode: TagMatch): string[] {
    if (tags === undefined || tags.length === 0) return this.names();
    const sets: Set<string>[] = [];
    for (const tag of new Set(tags)) {
      const set = this.tagIndex.get(tag);
      if (set === undefined) {
        if (mode === 'all') return [];
        continue;
      }
      sets.push(set);
    }
    if (sets.length === 0) return [];
    let result: string[];
    if (mode === 'all') {
      sets.sort((a, b) => a.size - b.size);
      result = [];
      const [smallest, ...rest] = sets;
      for (const name of smallest) if (rest.every((s) => s.has(name))) result.push(name);
    } else if (sets.length === 1) {
      result = [...sets[0]];
    } else {
      const union = new Set<string>();
      for (const s of sets) for (const name of s) union.add(name);
      result = [...union];
    }
    return result.sort();
  }

  /** Every name, sorted. */
  names(): string[] {
    if (this.sortedNames === undefined) this.sortedNames = [...this.byName.keys()].sort();
    return this.sortedNames;
  }

  /** Every tag in use, sorted. */
  allTags(): string[] {
    return [...this.tagIndex.keys()].sort();
  }

  entries(): IterableIterator<CatalogueEntry> {
    return this.byName.values();
  }

  static toRecord(entry: CatalogueEntry): CatalogueRecord {
    const r: CatalogueRecord = { id: entry.id, name: entry.name, tags: [...entry.tags], createdMs: entry.createdMs };
    if (entry.unit !== undefined) r.unit = entry.unit;
    if (entry.description !== undefined) r.description = entry.description;
    if (entry.histogram !== undefined) r.histogram = { ...entry.histogram };
    return r;
  }

  private indexTag(tag: string, name: string): void {
    let set = this.tagIndex.get(tag);
    if (set === undefined) {
      set = new Set();
      this.tagIndex.set(tag, set);
    }
    set.add(name);
  }

  private unindexTag(tag: string, name: string): void {
    const set = this.tagIndex.get(tag);
    if (set === undefined) return;
    set.delete(name);
    if (set.size === 0) this.tagIndex.delete(tag);
  }
}
