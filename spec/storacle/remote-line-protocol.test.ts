// Storacle's remote tier writing entries as line protocol into real VictoriaMetrics and
// InfluxDB 1.x servers (spec/support/line-protocol-peers.ts), reading them back to verify.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SeriesColumns } from '../../core/storacle/series/index.js';
import { fingerprintFile } from '../../core/storacle/remote/hash.js';
import { InfluxDbServer } from '../../core/storacle/remote/influxdb.js';
import { escapeTagValue, formatLines } from '../../core/storacle/remote/line-protocol.js';
import type { LineProtocolServer } from '../../core/storacle/remote/line-protocol-server.js';
import { compareEntries, LineProtocolTarget } from '../../core/storacle/remote/line-protocol-target.js';
import { RemoteTier } from '../../core/storacle/remote/remote-tier.js';
import { VictoriaMetricsServer } from '../../core/storacle/remote/victoria-metrics.js';
import type { SealedFile } from '../../core/storacle/store/api.js';
import { FolderSource } from '../support/folder-source.js';
import { startInfluxDb, startVictoriaMetrics, type TestHttpServer } from '../support/line-protocol-peers.js';
import { freeTcpPort } from '../support/sshd.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20);

/** Adds a sealed file of raw (timestamp, value) float64 pairs for a data point. */
function addPairs(source: FolderSource, relativePath: string, dataPoint: string, timestamps: number[], values: number[]): Promise<SealedFile> {
  const pairs = new Float64Array(timestamps.length * 2);
  timestamps.forEach((t, i) => {
    pairs[2 * i] = t;
    pairs[2 * i + 1] = values[i];
  });
  return source.addFile(relativePath, new Uint8Array(pairs.buffer), { dataPoint, firstTimestampMs: timestamps[0], lastTimestampMs: timestamps[timestamps.length - 1] });
}

/** Reads a pair file back into columns: the EntryReader the target gets. */
async function readPairs(file: SealedFile): Promise<SeriesColumns> {
  const bytes = await readFile(file.absolutePath);
  const pairs = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const n = pairs.length / 2;
  return { timestamps: Float64Array.from({ length: n }, (_, i) => pairs[2 * i]), values: Float64Array.from({ length: n }, (_, i) => pairs[2 * i + 1]) };
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** n entries one minute apart ending at `last`, with decimal-ish values and a few awkward ones. */
function series(n: number, last: number, seed: number): { timestamps: number[]; values: number[] } {
  const timestamps = Array.from({ length: n }, (_, i) => last - (n - 1 - i) * 60_000);
  const values = timestamps.map((_, i) => Math.round((230 + 5 * Math.sin((i + seed) / 50)) * 1000) / 1000);
  return { timestamps, values };
}

describe('line protocol encoding', () => {
  it('escapes names per server and refuses names a server cannot read back', () => {
    expect(escapeTagValue('feeder 7,L1=V', 'literal')).toEqual({ escaped: 'feeder\\ 7\\,L1\\=V' });
    expect(escapeTagValue('a\\b c', 'escapable')).toEqual({ escaped: 'a\\\\b\\ c' });
    expect(escapeTagValue('a\\b', 'literal')).toEqual({ escaped: 'a\\b' });
    expect(escapeTagValue('a\\ b', 'literal')).toHaveProperty('refused');
    expect(escapeTagValue('ends\\', 'literal')).toHaveProperty('refused');
    expect(escapeTagValue('two\nlines', 'escapable')).toHaveProperty('refused');
    expect(escapeTagValue('', 'escapable')).toHaveProperty('refused');
  });

  it('skips and counts NaN and infinities, and batches lines', () => {
    const columns = { timestamps: Float64Array.from([1, 2, 3, 4, 5]), values: Float64Array.from([1.5, Number.NaN, Infinity, -Infinity, 1e21]) };
    const { batches, sent, skipped } = formatLines('storacle,data_point=x', columns, 1);
    expect({ sent, skipped }).toEqual({ sent: 2, skipped: 3 });
    expect(batches).toEqual(['storacle,data_point=x value=1.5 1\n', 'storacle,data_point=x value=1e+21 5\n']);
  });

  it('compares read-back entries: missing, different, extra, and duplicates that agree', () => {
    const local = { timestamps: Float64Array.from([10, 20, 30]), values: Float64Array.from([1, 2, Number.NaN]) };
    expect(compareEntries(local, { timestamps: Float64Array.from([10, 10, 20]), values: Float64Array.from([1, 1, 2]) }, 0)).toMatchObject({ expected: 2, missing: 0, differing: 0, extra: 0 });
    expect(compareEntries(local, { timestamps: Float64Array.from([10]), values: Float64Array.from([1]) }, 0)).toMatchObject({ missing: 1 });
    expect(compareEntries(local, { timestamps: Float64Array.from([10, 20]), values: Float64Array.from([1, 2.5]) }, 0)).toMatchObject({ differing: 1 });
    expect(compareEntries(local, { timestamps: Float64Array.from([5, 10, 15, 20, 25]), values: Float64Array.from([0, 1, 0, 2, 0]) }, 0)).toMatchObject({ extra: 3 });
  });
});

interface Peer {
  label: string;
  start(dir: string): Promise<{ process: TestHttpServer; server: LineProtocolServer }>;
  /** Deletes every entry of a data point on the server. */
  dropSeries(process: TestHttpServer, dataPoint: string): Promise<void>;
  /** A data point name with everything line protocol must escape that this server can store. */
  awkwardName: string;
}

const peers: Peer[] = [
  {
    label: 'VictoriaMetrics',
    async start(dir) {
      const process = await startVictoriaMetrics(dir);
      return { process, server: new VictoriaMetricsServer({ url: process.url }) };
    },
    async dropSeries(process, dataPoint) {
      const url = new URL('/api/v1/admin/tsdb/delete_series', process.url);
      url.searchParams.set('match[]', `{__name__="storacle_value",data_point=${JSON.stringify(dataPoint)}}`);
      expect((await fetch(url, { method: 'POST' })).status).toBe(204);
    },
    awkwardName: 'feeder 7,L1=V\\a "Ü"\\ x',
  },
  {
    label: 'InfluxDB 1.x',
    async start(dir) {
      const process = await startInfluxDb(dir);
      const server = new InfluxDbServer({ url: process.url, database: 'storacle_test' });
      await server.createDatabase();
      return { process, server };
    },
    async dropSeries(process, dataPoint) {
      const url = new URL('/query', process.url);
      url.searchParams.set('db', 'storacle_test');
      url.searchParams.set('q', `DROP SERIES FROM storacle WHERE data_point = '${dataPoint.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
      const response = await fetch(url, { method: 'POST' });
      const body = await response.text();
      expect(response.status).toBe(200);
      expect(body).not.toContain('error');
    },
    awkwardName: "feeder 7,L1=V\\a \"Ü\" o'clock",
  },
];

describe.each(peers)('RemoteTier with a LineProtocolTarget on $label', (peer) => {
  let root: string;
  let process: TestHttpServer;
  let server: LineProtocolServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'storacle-remote-lp-'));
    ({ process, server } = await peer.start(join(root, 'server')));
  });
  afterAll(async () => {
    await process?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('writes every finite entry in batches, verifies by reading back, and releases only old files', async () => {
    const source = new FolderSource(join(root, 't1'));
    const journalPath = join(root, 't1', 'journal.jsonl');
    const big = series(12_001, NOW - 10 * DAY, 0);
    big.values[17] = Number.NaN;
    big.values[4_000] = Infinity;
    big.values[9_999] = -Infinity;
    big.values[5] = 1.5e-7;
    big.values[6] = -123456.789;
    const a = await addPairs(source, 'awkward/0001.seg', peer.awkwardName, big.timestamps, big.values);
    const young = series(100, NOW - 3_600_000, 7);
    const b = await addPairs(source, 'plain/0001.seg', 'plain', young.timestamps, young.values);
    const counts = new Map<string, { sent: number; skipped: number }>();
    const target = new LineProtocolTarget({ server, readEntries: readPairs, onSent: (f, c) => counts.set(f.relativePath, c) });
    const tier = new RemoteTier({ source, target, journalPath, deleteLocalAfterMs: DAY, now: () => NOW });

    const run = await tier.runOnce();
    expect(run.failures).toEqual([]);
    expect(run.copied.sort()).toEqual([a.relativePath, b.relativePath]);
    expect(run.released).toEqual([a.relativePath]);
    expect(run.keptLocal).toEqual([b.relativePath]);
    expect(await exists(a.absolutePath)).toBe(false);
    expect(counts.get(a.relativePath)).toEqual({ sent: 12_001 - 3, skipped: 3 });
    expect(counts.get(b.relativePath)).toEqual({ sent: 100, skipped: 0 });

    const back = await server.readBack('storacle', peer.awkwardName, a.firstTimestampMs, a.lastTimestampMs);
    expect(back.timestamps.length).toBe(12_001 - 3);
    expect(back.timestamps[0]).toBe(big.timestamps[0]);
    expect(back.values[5]).toBeCloseTo(1.5e-7, 12);
    expect(back.values[6]).toBeCloseTo(-123456.789, 6);
    expect(Array.from(back.timestamps)).not.toContain(big.timestamps[17]);
    expect((await tier.verifiedCopy(a.relativePath))?.sizeBytes).toBe(12_001 * 16);

    // Writing the same file again changes nothing on the server and still verifies.
    const again = await addPairs(source, 'awkward/0001.seg', peer.awkwardName, big.timestamps, big.values);
    const fingerprint = await fingerprintFile(again.absolutePath);
    await target.put(again, fingerprint);
    expect(await target.verify(again, fingerprint)).toEqual({ ok: true });
  });

  it('detects remote copies that lost entries, gained entries or changed values', async () => {
    const source = new FolderSource(join(root, 't2'));
    const name = `corrupt-${peer.label.replace(/\W/g, '')}`;
    const entries = series(500, NOW - 5 * DAY, 3);
    const file = await addPairs(source, 'c/0001.seg', name, entries.timestamps, entries.values);
    const target = new LineProtocolTarget({ server, readEntries: readPairs });
    const fingerprint = await fingerprintFile(file.absolutePath);
    const before = await target.verify(file, fingerprint);
    expect(before.ok ? '' : before.reason).toContain('500 entries expected, 500 missing');
    expect(before).toMatchObject({ ok: false, missing: true });
    expect(await target.exists(file)).toBe(false);
    await target.put(file, fingerprint);
    expect(await target.verify(file, fingerprint)).toEqual({ ok: true });

    // An entry nobody sent, inside the file's span.
    await server.write(`storacle,data_point=${name} value=1 ${entries.timestamps[10] + 1}\n`);
    await server.flush();
    const extra = await target.verify(file, fingerprint);
    expect(extra.ok ? '' : extra.reason).toContain('1 unexpected');

    await peer.dropSeries(process, name);
    await server.flush();
    const dropped = await target.verify(file, fingerprint);
    expect(dropped.ok ? '' : dropped.reason).toContain('500 entries expected, 500 missing');
    expect(dropped).toMatchObject({ ok: false, missing: true });

    // Written again, then one value replaced (InfluxDB overwrites; VictoriaMetrics keeps both,
    // so there only a lost entry shows).
    await target.put(file, fingerprint);
    await server.write(`storacle,data_point=${name} value=999.5 ${entries.timestamps[42]}\n`);
    await server.flush();
    const changed = await target.verify(file, fingerprint);
    if (server.relativeValueTolerance === 0) expect(changed.ok ? '' : changed.reason).toContain('1 with another value');
    else expect(changed).toEqual({ ok: true });
  });

  it('reports a name the server cannot store and an unreachable server, and releases nothing', async () => {
    const source = new FolderSource(join(root, 't3'));
    const journalPath = join(root, 't3', 'journal.jsonl');
    const entries = series(10, NOW - 5 * DAY, 1);
    const bad = await addPairs(source, 'bad/0001.seg', 'line\nbreak', entries.timestamps, entries.values);
    const tier = new RemoteTier({ source, target: new LineProtocolTarget({ server, readEntries: readPairs }), journalPath, deleteLocalAfterMs: DAY, now: () => NOW });
    const refused = await tier.runOnce();
    expect(refused.failures).toEqual([expect.objectContaining({ relativePath: bad.relativePath, stage: 'prepare' })]);
    expect(refused.failures[0].reason).toContain('line break');

    source.files.delete(bad.relativePath);
    const file = await addPairs(source, 'gone/0001.seg', 'gone', entries.timestamps, entries.values);
    const closedPort = `http://127.0.0.1:${await freeTcpPort()}`;
    const unreachable = peer.label === 'VictoriaMetrics'
      ? new VictoriaMetricsServer({ url: closedPort, requestTimeoutMs: 2_000 })
      : new InfluxDbServer({ url: closedPort, database: 'x', requestTimeoutMs: 2_000 });
    const down = await new RemoteTier({ source, target: new LineProtocolTarget({ server: unreachable, readEntries: readPairs }), journalPath, deleteLocalAfterMs: DAY, now: () => NOW }).runOnce();
    expect(down.failures).toHaveLength(1);
    expect(down.failures[0]).toMatchObject({ relativePath: file.relativePath, stage: 'query' });
    expect(down.failures[0].reason).toMatch(/ECONNREFUSED/);
    expect(await exists(file.absolutePath)).toBe(true);
    expect(await exists(journalPath)).toBe(false);
  });
});
