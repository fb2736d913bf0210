// The remote tier over the real store (Storacle with a data folder): its sealed segment files go
// to a folder and, as entries read through store.range, to a real VictoriaMetrics; once
// verified and old enough they are released from the store.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DirectoryTarget } from '../../core/storacle/remote/directory-target.js';
import { LineProtocolTarget, storeEntryReader } from '../../core/storacle/remote/line-protocol-target.js';
import { RemoteTier } from '../../core/storacle/remote/remote-tier.js';
import { VictoriaMetricsServer } from '../../core/storacle/remote/victoria-metrics.js';
import { Storacle } from '../../core/storacle/store/storacle.js';
import { startVictoriaMetrics, type TestHttpServer } from '../support/line-protocol-peers.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1);

describe('RemoteTier over a real Storacle', () => {
  let root: string;
  let vm: TestHttpServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'storacle-remote-store-'));
    vm = await startVictoriaMetrics(join(root, 'vm'));
  });
  afterAll(async () => {
    await vm?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('copies sealed segment files, sends their entries, and releases them only after verification', async () => {
    const store = await Storacle.open({ dataDir: join(root, 'store'), segmentPeriodMs: DAY, chunkSize: 500, checkpointIntervalMs: 0 });
    try {
      const name = 'feeder 3/voltage,L1';
      store.createDataPoint(name);
      const n = 3 * 1440 + 30;
      const timestamps = Float64Array.from({ length: n }, (_, i) => START + i * 60_000);
      const values = Float64Array.from({ length: n }, (_, i) => Math.round((231 + 4 * Math.sin(i / 90)) * 100) / 100);
      values[100] = Number.NaN;
      await store.appendMany(name, timestamps, values);
      await store.checkpoint();
      const sealed = store.sealedFiles();
      expect(sealed.length).toBeGreaterThanOrEqual(2);
      expect(sealed.every((f) => f.dataPoint === name)).toBe(true);
      const sealedEntries = sealed.reduce((sum, f) => sum + store.range(name, f.firstTimestampMs, f.lastTimestampMs + 1).timestamps.length, 0);

      // A folder copy, kept locally.
      const folder = join(root, 'copies');
      const copyRun = await new RemoteTier({ source: store, target: new DirectoryTarget({ baseDir: folder }), journalPath: join(root, 'dir-journal.jsonl') }).runOnce();
      expect(copyRun.failures).toEqual([]);
      expect(copyRun.copied.sort()).toEqual(sealed.map((f) => f.relativePath).sort());
      for (const f of sealed) expect((await readFile(join(folder, f.relativePath))).equals(await readFile(f.absolutePath))).toBe(true);

      // Entries to VictoriaMetrics, released once verified.
      const server = new VictoriaMetricsServer({ url: vm.url });
      const countBefore = store.info(name).entryCount;
      const tier = new RemoteTier({
        source: store,
        target: new LineProtocolTarget({ server, readEntries: storeEntryReader(store) }),
        journalPath: join(root, 'store', 'remote-journal.jsonl'),
        deleteLocalAfterMs: DAY,
        now: () => START + 10 * DAY,
      });
      const run = await tier.runOnce();
      expect(run.failures).toEqual([]);
      expect(run.released.sort()).toEqual(sealed.map((f) => f.relativePath).sort());
      expect(store.sealedFiles()).toEqual([]);
      expect(store.info(name).entryCount).toBe(countBefore - sealedEntries);
      const first = sealed[0];
      expect(store.range(name, first.firstTimestampMs, first.lastTimestampMs + 1).timestamps.length).toBe(0);
      let remote = 0;
      for (const f of sealed) remote += (await server.readBack('storacle', name, f.firstTimestampMs, f.lastTimestampMs)).timestamps.length;
      expect(remote).toBe(sealedEntries - 1); // the NaN was skipped
    } finally {
      await store.close();
    }
  });
});
