/**
 * SQLite (better-sqlite3 12, in-process) as a bench:storacle peer, set up the
 * way a careful user would: WAL journal, one file per data set, a
 * `points (data_point_id, ts, value)` table whose primary key (data_point_id,
 * ts) is the clustered index (WITHOUT ROWID, so no second copy of the key), a
 * `tags` table for the tag query. Fast writes commit with synchronous=NORMAL
 * (survives a process crash), durable ones with synchronous=FULL (fsync per
 * commit), one transaction per batch.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadSqlite } from '../sqlite-loader.js';
import { ownCpuSeconds } from './cpu-time.js';
import { tempFolder, type TempFolder } from './disk.js';
import type { Checksum, SeriesData, TaggedPoint } from './datasets.js';
import type { Columns, SeriesKey, SpanStatistics, System, WriteMode } from './system.js';

type Database = BetterSqlite3.Database;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS data_points (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE IF NOT EXISTS points (
    data_point_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (data_point_id, ts)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS tags (
    tag TEXT NOT NULL,
    data_point_id INTEGER NOT NULL,
    PRIMARY KEY (tag, data_point_id)
  ) WITHOUT ROWID;
`;

const nameOf = (key: SeriesKey): string => `${key.set}/${key.channel}`;

export class SqliteSystem implements System {
  readonly describeModes = {
    fast: 'in-process, WAL, synchronous=NORMAL, one transaction per 5,000 rows',
    durable: 'in-process, WAL, synchronous=FULL, one transaction per 5,000 rows',
  };
  readonly sizesPerSet = true;
  readonly durable = 'own' as const;

  private dir = '';
  private folder: TempFolder | undefined;
  private readonly databases = new Map<string, Database>();

  async start(log: (message: string) => void): Promise<void> {
    this.folder = tempFolder('gridlink-bench-sqlite-');
    this.dir = this.folder.path;
    const memory = new (loadSqlite())(':memory:');
    const { v } = memory.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    memory.close();
    log(`SQLite ${v} (better-sqlite3), files in ${this.dir}`);
  }

  storingCpuSeconds(): number {
    return ownCpuSeconds();
  }

  async stop(): Promise<void> {
    for (const db of this.databases.values()) db.close();
    this.databases.clear();
    this.folder?.remove();
    this.folder = undefined;
  }

  private open(set: string): Database {
    let db = this.databases.get(set);
    if (!db) {
      const Database = loadSqlite();
      db = new Database(join(this.dir, `${set}.sqlite`));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      this.databases.set(set, db);
    }
    return db;
  }

  private idOf(db: Database, name: string): number {
    db.prepare('INSERT OR IGNORE INTO data_points (name) VALUES (?)').run(name);
    const row = db.prepare('SELECT id FROM data_points WHERE name = ?').get(name) as { id: number } | undefined;
    if (!row) throw new Error(`SQLite: no id for ${name}`);
    return row.id;
  }

  async prepareWrite(series: readonly SeriesData[], mode: WriteMode, batch: number): Promise<() => Promise<void>> {
    const jobs = series.map((s) => {
      const db = this.open(s.set);
      const id = this.idOf(db, nameOf(s));
      const insert = db.prepare('INSERT INTO points (data_point_id, ts, value) VALUES (?, ?, ?)');
      const insertBatch = db.transaction((from: number, to: number) => {
        for (let i = from; i < to; i++) insert.run(id, s.timestamps[i], s.values[i]);
      });
      return { db, series: s, insertBatch };
    });
    return async () => {
      for (const { db, series: s, insertBatch } of jobs) {
        db.pragma(`synchronous = ${mode === 'durable' ? 'FULL' : 'NORMAL'}`);
        for (let from = 0; from < s.values.length; from += batch) insertBatch(from, Math.min(s.values.length, from + batch));
      }
    };
  }

  /** A TRUNCATE checkpoint moves the WAL into the database file and empties it. */
  async settle(): Promise<void> {
    for (const db of this.databases.values()) db.pragma('wal_checkpoint(TRUNCATE)');
  }

  sizePaths(set: string): string[] {
    const file = join(this.dir, `${set}.sqlite`);
    return [file, `${file}-wal`];
  }

  async checksum(set: string): Promise<Checksum> {
    const row = this.open(set).prepare('SELECT count(*) AS n, total(value) AS v, total(ts) AS t FROM points').get() as { n: number; v: number; t: number };
    return { count: row.n, valueSum: row.v, timestampSum: row.t };
  }

  private idFor(key: SeriesKey): { db: Database; id: number } {
    const db = this.open(key.set);
    const row = db.prepare('SELECT id FROM data_points WHERE name = ?').get(nameOf(key)) as { id: number } | undefined;
    if (!row) throw new Error(`SQLite: no data point ${nameOf(key)}`);
    return { db, id: row.id };
  }

  async readRange(key: SeriesKey, fromMs: number, toMs: number): Promise<Columns> {
    const { db, id } = this.idFor(key);
    // Iterating raw rows into two columns is much faster than .all(), which builds one array per row first.
    const statement = db.prepare('SELECT ts, value FROM points WHERE data_point_id = ? AND ts >= ? AND ts < ? ORDER BY ts').raw(true);
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const row of statement.iterate(id, fromMs, toMs) as IterableIterator<[number, number]>) {
      timestamps.push(row[0]);
      values.push(row[1]);
    }
    return { timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
  }

  async statistics(key: SeriesKey, fromMs: number, toMs: number): Promise<SpanStatistics> {
    const { db, id } = this.idFor(key);
    // SQLite has no stddev(): sums in one pass, the sample variance from them.
    const row = db
      .prepare(
        'SELECT count(value) AS n, avg(value) AS mean, min(value) AS min, max(value) AS max, total(value * value) AS sq, total(value) AS s ' +
          'FROM points WHERE data_point_id = ? AND ts >= ? AND ts < ?',
      )
      .get(id, fromMs, toMs) as { n: number; mean: number; min: number; max: number; sq: number; s: number };
    const variance = row.n > 1 ? Math.max(0, (row.sq - (row.s * row.s) / row.n) / (row.n - 1)) : 0;
    return { count: row.n, mean: row.mean, stdDeviation: Math.sqrt(variance), min: row.min, max: row.max };
  }

  async mostRecent(key: SeriesKey): Promise<{ timestampMs: number; value: number }> {
    const { db, id } = this.idFor(key);
    const row = db.prepare('SELECT ts, value FROM points WHERE data_point_id = ? ORDER BY ts DESC LIMIT 1').get(id) as
      | { ts: number; value: number }
      | undefined;
    if (!row) throw new Error('SQLite: no entry');
    return { timestampMs: row.ts, value: row.value };
  }

  async exportCsv(key: SeriesKey, fromMs: number, toMs: number, file: string): Promise<number> {
    const { db, id } = this.idFor(key);
    const name = nameOf(key);
    const out = createWriteStream(file);
    const write = (text: string): Promise<void> =>
      out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
    await write('data_point,timestamp_ms,value\n');
    let rows = 0;
    let lines: string[] = [];
    const statement = db.prepare('SELECT ts, value FROM points WHERE data_point_id = ? AND ts >= ? AND ts < ? ORDER BY ts').raw(true);
    for (const row of statement.iterate(id, fromMs, toMs) as IterableIterator<[number, number]>) {
      lines.push(`${name},${row[0]},${row[1]}`);
      rows++;
      if (lines.length === 10_000) {
        // Writing while the iterator is open is fine: the statement only reads.
        await write(lines.join('\n') + '\n');
        lines = [];
      }
    }
    if (lines.length > 0) await write(lines.join('\n') + '\n');
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(resolve);
    });
    return rows;
  }

  async createTagged(points: readonly TaggedPoint[]): Promise<void> {
    const db = this.open('tagged');
    const insertPoint = db.prepare('INSERT INTO data_points (name) VALUES (?)');
    const insertTag = db.prepare('INSERT INTO tags (tag, data_point_id) VALUES (?, ?)');
    db.transaction(() => {
      for (const p of points) {
        const id = Number(insertPoint.run(`tagged/${p.channel}`).lastInsertRowid);
        for (const [k, v] of Object.entries(p.tags)) insertTag.run(`${k}=${v}`, id);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async findTagged(query: Record<string, string>): Promise<number> {
    const tags = Object.entries(query).map(([k, v]) => `${k}=${v}`);
    const db = this.open('tagged');
    const rows = db
      .prepare(
        `SELECT d.name FROM data_points d JOIN (SELECT data_point_id FROM tags WHERE tag IN (${tags.map(() => '?').join(',')}) ` +
          'GROUP BY data_point_id HAVING count(*) = ?) m ON m.data_point_id = d.id ORDER BY d.name',
      )
      .all(...tags, tags.length) as { name: string }[];
    return rows.length;
  }
}
