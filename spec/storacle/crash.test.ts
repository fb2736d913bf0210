/**
 * The SIGKILL crash test: a child process (spec/fixtures/storacle/crash-child.ts, run from
 * dist/ after `npm run build`) appends a deterministic stream with durable acknowledgement and
 * checkpoints now and then; the test kills it with SIGKILL at a random moment, and the next
 * child reopens the store and reports what survived. Checked every cycle:
 * - every acknowledged entry is there, and so is every entry a previous recovery found;
 * - nothing that was never submitted (no phantoms), no duplicates, every value right;
 * - no corruption reported, except a record cut short at the end of the newest log segment
 *   (a write() that SIGKILL interrupted: expected, truncated by recovery);
 * then the stream goes on from where the store says it is.
 * Seed: CRASH_SEED=<n> reproduces a run (kill times and batch shapes; the OS scheduling not).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CorruptionReport } from '../../core/storacle/store/api.js';
import type { CrashChildArgs } from '../fixtures/storacle/crash-child.js';
import { CrashWalStore } from '../fixtures/storacle/crash-wal-store.js';
import { POINT_COUNT, T0_MS, pointName, summarisePoint, type PointSummary } from '../fixtures/storacle/crash-stream.js';
import { Storacle } from '../../core/storacle/store/index.js';
import { distPath, killAll, startNode, type JsonEvent, type LineProcess } from '../support/processes.js';
import { prng } from '../../tools/bench/prng.js';

const CHILD = distPath('spec/fixtures/storacle/crash-child.js');
const root = mkdtempSync(path.join(tmpdir(), 'gridlink-crash-'));
afterAll(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
});

/** One flag per seq of the stream, growing as the stream does. */
class SeqSet {
  private bits = new Uint8Array(1 << 16);
  add(from: number, to: number): void {
    if (to >= this.bits.length) {
      let size = this.bits.length;
      while (size <= to) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.bits);
      this.bits = bigger;
    }
    this.bits.fill(1, from, to + 1);
  }
  has(seq: number): boolean {
    return this.bits[seq] === 1;
  }
  /** Seqs in [0, limit) that are in this set and not in `other`, at most 5. */
  missingFrom(other: SeqSet, limit: number): number[] {
    const missing: number[] = [];
    for (let s = 0; s < limit && missing.length < 5; s++) if (this.bits[s] === 1 && other.bits[s] !== 1) missing.push(s);
    return missing;
  }
}

/** What the stream has promised so far, and the check of one recovery against it. */
class Ledger {
  /** Submitted at some point: may be stored. */
  readonly submitted = new SeqSet();
  /** Acknowledged, or found by a recovery: must be stored. */
  readonly required = new SeqSet();
  highestRequired = -1;
  tornTails = 0;
  readonly tolerated: string[] = [];

  require(from: number, to: number): void {
    if (to < from) return;
    this.required.add(from, to);
    this.highestRequired = Math.max(this.highestRequired, to);
  }

  /** Checks a recovery; returns the seq the stream goes on from. */
  check(points: PointSummary[], corruptions: readonly CorruptionReport[], where: string): number {
    for (const c of corruptions) {
      // A write() cut short by SIGKILL leaves a record longer than the file, at the end of the
      // log or of a chunk file being checkpointed: the only reports a kill may cause.
      expect(c.reason, `${where}: corruption ${JSON.stringify(c)}`).toMatch(/^truncated record .* at the end of the segment; truncated$|\(torn write\??\); file truncated/);
      this.tornTails++;
      if (this.tolerated.length < 5) this.tolerated.push(`${path.basename(c.file)}@${c.offset}: ${c.reason}`);
    }
    expect(points.map((p) => p.name).length, where).toBe(POINT_COUNT);
    let highest = -1;
    for (const point of points) {
      expect(point.problems, `${where}: ${point.name}`).toEqual([]);
      for (const [first, last] of point.runs) {
        for (let s = first; s <= last; s += POINT_COUNT) {
          if (!this.submitted.has(s)) expect.fail(`${where}: ${point.name} holds seq ${s}, never submitted (phantom)`);
        }
        highest = Math.max(highest, last);
      }
    }
    const present = new SeqSet();
    for (const point of points) for (const [first, last] of point.runs) for (let s = first; s <= last; s += POINT_COUNT) present.add(s, s);
    const lost = this.required.missingFrom(present, this.highestRequired + 1);
    expect(lost, `${where}: acknowledged (or once recovered) entries missing`).toEqual([]);
    for (const point of points) for (const [first, last] of point.runs) for (let s = first; s <= last; s += POINT_COUNT) this.require(s, s);
    return highest + 1;
  }
}

/** The child's first `event`; fails at once, with its stderr, if it reports an error or ends first. */
async function untilEvent(child: LineProcess, event: string, where: string): Promise<JsonEvent> {
  const seen = await Promise.race([
    child.waitFor((e) => e.event === event || e.event === 'error', 20_000, event),
    child.exited.then(({ code, signal }) => ({ event: 'exit', code, signal }) as JsonEvent),
  ]);
  if (seen.event !== event) expect.fail(`${where}: waiting for ${event}, got ${JSON.stringify(seen)}; stderr:\n${child.stderr.join('\n')}`);
  return seen;
}

async function crashCycles(options: { backend: 'store' | 'wal'; cycles: number; seed: number }): Promise<{ ledger: Ledger; dataDir: string; entries: number }> {
  const { cycles, seed, backend } = options;
  const random = prng(seed);
  const dataDir = path.join(root, `${backend}-${seed}`);
  const ledger = new Ledger();
  let next = 0;
  const spawnChild = (cycle: number): { child: LineProcess; closed: Promise<unknown> } => {
    // The WAL alone alternates its sync modes: write() alone must survive kill -9 too.
    const args: CrashChildArgs = { dataDir, backend, seed: seed + cycle, waitForGo: true, sync: cycle % 2 === 0 ? 'fdatasync' : 'none' };
    const child = startNode(CHILD, [JSON.stringify(args)], `crash-${cycle}`);
    return { child, closed: once(child.child, 'close') };
  };
  const tally = { killedInRecovery: 0, killedInCheckpoint: 0, checkpoints: 0, maxRecoveryMs: 0, totalRecoveryMs: 0, readyWaitMs: 0, goToRecoveredMs: 0, killMs: 0 };
  const started = performance.now();
  let spare = spawnChild(0);
  for (let cycle = 0; cycle < cycles; cycle++) {
    const where = `seed ${seed} (CRASH_SEED=${seed}), cycle ${cycle}`;
    const { child, closed } = spare;
    let mark = performance.now();
    await untilEvent(child, 'ready', where);
    tally.readyWaitMs += performance.now() - mark;
    child.command({ go: true });
    mark = performance.now();
    // The next child starts while this one runs; it touches the store only once told to.
    if (cycle + 1 < cycles) spare = spawnChild(cycle + 1);
    if (random() < 0.1) {
      // Now and then during recovery itself.
      await new Promise((resolve) => setTimeout(resolve, random() * 30));
    } else {
      await untilEvent(child, 'recovered', where);
      tally.goToRecoveredMs += performance.now() - mark;
      await new Promise((resolve) => setTimeout(resolve, 10 + random() * 100));
    }
    mark = performance.now();
    await child.kill('SIGKILL');
    await closed;
    tally.killMs += performance.now() - mark;
    const { signal } = await child.exited;
    const events: JsonEvent[] = child.events;
    const failure = events.find((e) => e.event === 'error');
    expect(failure, `${where}: child failed; stderr: ${child.stderr.join('\n')}`).toBeUndefined();
    expect(signal, `${where}: child ended by itself; stderr: ${child.stderr.join('\n')}`).toBe('SIGKILL');
    const recovered = events.find((e) => e.event === 'recovered');
    const checkpoints = events.filter((e) => e.event === 'checkpoint');
    tally.checkpoints += checkpoints.filter((e) => e.phase === 'done').length;
    if (checkpoints.length > 0 && checkpoints[checkpoints.length - 1].phase === 'start') tally.killedInCheckpoint++;
    if (recovered === undefined) {
      tally.killedInRecovery++;
      continue;
    }
    tally.maxRecoveryMs = Math.max(tally.maxRecoveryMs, recovered.recoveryMs as number);
    tally.totalRecoveryMs += recovered.recoveryMs as number;
    const start = ledger.check(recovered.points as PointSummary[], recovered.corruptions as CorruptionReport[], where);
    expect(recovered.next, where).toBe(start);
    expect(start, `${where}: the stream went back`).toBeGreaterThanOrEqual(next);
    next = start;
    let submitted = next - 1;
    let acked = next - 1;
    for (const e of events) {
      if (e.event === 'submitting') submitted = Math.max(submitted, e.to as number);
      if (e.event === 'acked') acked = Math.max(acked, e.to as number);
    }
    expect(acked, where).toBeLessThanOrEqual(submitted);
    if (submitted >= next) ledger.submitted.add(next, submitted);
    ledger.require(next, acked);
  }
  if (process.env.CRASH_VERBOSE) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`crash ${backend} seed ${seed}: ${cycles} cycles in ${seconds} s, ${next} entries, ${JSON.stringify(tally)}, torn tails ${ledger.tornTails} ${JSON.stringify(ledger.tolerated)}\n`);
  }
  return { ledger, dataDir, entries: next };
}

/** The stored stream, read in this process; the store is closed cleanly afterwards. */
async function readBack(backend: 'store' | 'wal', dataDir: string): Promise<{ points: PointSummary[]; corruptions: readonly CorruptionReport[] }> {
  if (backend === 'wal') {
    const store = await CrashWalStore.open(dataDir, POINT_COUNT);
    const points = Array.from({ length: POINT_COUNT }, (_, p) => {
      const { timestamps, values } = store.entries(p);
      return summarisePoint(p, timestamps, values);
    });
    await store.close();
    return { points, corruptions: store.corruptions };
  }
  const store = await Storacle.open({ dataDir, ack: 'durable' });
  const points = Array.from({ length: POINT_COUNT }, (_, p) => {
    const { timestamps, values } = store.range(pointName(p), T0_MS, T0_MS + 1e15);
    return summarisePoint(p, timestamps, values);
  });
  const corruptions = [...store.corruptions];
  await store.close();
  return { points, corruptions };
}

const seedOf = (): number => Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('SIGKILL crash test', () => {
  it('Storacle with durable acks: 200 kills, every acknowledged entry survives, no phantom, duplicate or corruption', async () => {
    const seed = seedOf();
    const { ledger, dataDir } = await crashCycles({ backend: 'store', cycles: Number(process.env.CRASH_CYCLES ?? 200), seed });
    const { points, corruptions } = await readBack('store', dataDir);
    ledger.check(points, corruptions, `seed ${seed}, final check`);
    expect(ledger.highestRequired, `seed ${seed}: too little was acknowledged to mean anything`).toBeGreaterThan(10_000);
  }, 150_000);

  it('the write-ahead log alone, sync fdatasync and none in turn: 25 kills', async () => {
    const seed = seedOf();
    const { ledger, dataDir } = await crashCycles({ backend: 'wal', cycles: 25, seed });
    const { points, corruptions } = await readBack('wal', dataDir);
    ledger.check(points, corruptions, `seed ${seed}, final check`);
    expect(ledger.highestRequired, `seed ${seed}: too little was acknowledged to mean anything`).toBeGreaterThan(1000);
  }, 60_000);
});
