/**
 * The dashboard's data point routes against the real storage module: search by name part and
 * tags (any/all), statistics of the whole series and of a span, the chart's binary answer
 * (api.ts layout) and its JSON form, both equal to storage's own GetDownsampled answer, and the
 * refusals (unknown data point 404, bad span or pixels 422, no session 401).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartView, StatisticsView } from '../../actors/dashboard/api.js';
import type { ListedDataPoint } from '../../actors/dashboard/server/routes/datapoints.js';
import { AddEntries, CreateDataPoint, GetDownsampled } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { ask, newDomain, startStorage } from '../storage/helpers.js';
import { DashboardClient, startDashboard } from './route-helpers.js';

const START = 1_764_000_000_000;
const ENTRIES = 20_000;

let domain: Domain;
let peer: TestPeer;
let engineer: DashboardClient;
let url: string;

beforeAll(async () => {
  domain = await newDomain('dash-datapoints');
  peer = await TestPeer.start(domain);
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  await ask(peer, CreateDataPoint, { dataPoint: 'feeder1.u1', tags: ['voltage', 'feeder1'], unit: 'V', description: 'phase 1', existOk: false });
  await ask(peer, CreateDataPoint, { dataPoint: 'feeder1.i1', tags: ['current', 'feeder1'], unit: 'A', existOk: false });
  await ask(peer, CreateDataPoint, { dataPoint: 'feeder2.u1', tags: ['voltage'], unit: 'V', existOk: false });
  const timestampsMs = Array.from({ length: ENTRIES }, (_, i) => START + i * 1000);
  const values = timestampsMs.map((_, i) => 230 + 4 * Math.sin(i / 300) + (i === 12_345 ? 20 : 0));
  await ask(peer, AddEntries, { dataPoint: 'feeder1.u1', timestampsMs, values }, 20_000);
  ({ url } = await startDashboard(peer, domain, ['engineer']));
  engineer = await DashboardClient.login(url, 'engineer1');
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('data point routes', () => {
  it('finds data points by a part of the name and by tags, any or all', async () => {
    const names = async (query: string): Promise<string[]> => {
      const answer = await engineer.get<ListedDataPoint[]>(`/api/datapoints${query}`);
      expect(answer.status).toBe(200);
      return answer.json.map((p) => p.name);
    };
    expect(await names('')).toEqual(['feeder1.i1', 'feeder1.u1', 'feeder2.u1']);
    expect(await names('?q=U1')).toEqual(['feeder1.u1', 'feeder2.u1']);
    expect(await names('?tags=voltage,current&match=any')).toEqual(['feeder1.i1', 'feeder1.u1', 'feeder2.u1']);
    expect(await names('?tags=voltage,feeder1&match=all')).toEqual(['feeder1.u1']);
    expect(await names('?q=feeder2&tags=feeder1')).toEqual([]);
    const one = (await engineer.get<ListedDataPoint[]>('/api/datapoints?q=feeder1.u1')).json[0]!;
    expect(one).toMatchObject({ name: 'feeder1.u1', tags: ['feeder1', 'voltage'], unit: 'V', description: 'phase 1', entryCount: ENTRIES, firstTimestampMs: START, lastTimestampMs: START + (ENTRIES - 1) * 1000 });
    expect((await engineer.get('/api/datapoints?match=some')).status).toBe(422);
  });

  it('answers statistics of every entry and of a span', async () => {
    const all = await engineer.get<StatisticsView>('/api/datapoints/feeder1.u1/statistics');
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({ dataPoint: 'feeder1.u1', count: ENTRIES });
    expect(all.json.max as number).toBeCloseTo(230 + 4 * Math.sin(12_345 / 300) + 20, 6);
    const span = await engineer.get<StatisticsView>(`/api/datapoints/feeder1.u1/statistics?from=${START}&to=${START + 1000 * 1000}`);
    expect(span.json.count).toBe(1000);
    expect((span.json.histogram as { counts: number[] }).counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect((await engineer.get('/api/datapoints/nothing.here/statistics')).status).toBe(404);
  });

  it('answers the chart as api.ts\'s binary layout and as ChartView JSON, both equal to storage\'s GetDownsampled', async () => {
    const from = START + 500_000;
    const to = START + 18_000_000;
    const pixels = 640;
    const direct = await ask(peer, GetDownsampled, { dataPoint: 'feeder1.u1', fromMs: from, toMs: to, pixels });

    const binary = await engineer.get(`/api/datapoints/feeder1.u1/chart?from=${from}&to=${to}&pixels=${pixels}`);
    expect(binary.status).toBe(200);
    expect(binary.contentType).toBe('application/octet-stream');
    const view = new DataView(binary.bytes.buffer, binary.bytes.byteOffset, binary.bytes.byteLength);
    expect(view.getUint32(0, true)).toBe(0x474c4348);
    expect(view.getUint32(4, true)).toBe(1);
    const n = view.getUint32(8, true);
    expect(n).toBe(direct.timestampsMs!.length);
    expect(n).toBeGreaterThan(pixels);
    expect(binary.bytes.byteLength).toBe(24 + 16 * n);
    expect(view.getFloat64(16, true)).toBe(17_500);
    const timestamps = Array.from({ length: n }, (_, i) => view.getFloat64(24 + 8 * i, true));
    const values = Array.from({ length: n }, (_, i) => view.getFloat64(24 + 8 * n + 8 * i, true));
    expect(timestamps).toEqual(direct.timestampsMs);
    expect(values).toEqual(direct.values);
    // The spike at entry 12,345 is kept.
    expect(Math.max(...values)).toBeCloseTo(230 + 4 * Math.sin(12_345 / 300) + 20, 6);

    const json = await engineer.get<ChartView>(`/api/datapoints/feeder1.u1/chart?from=${from}&to=${to}&pixels=${pixels}`, { Accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.json).toEqual({ dataPoint: 'feeder1.u1', fromMs: from, toMs: to, timestampsMs: direct.timestampsMs, values: direct.values, sourceEntries: 17_500 });
  });

  it('refuses a bad span, bad pixels, an unknown data point, and anyone not logged in', async () => {
    const chart = (query: string): Promise<number> => engineer.get(`/api/datapoints/feeder1.u1/chart${query}`).then((a) => a.status);
    expect(await chart(`?from=${START}&to=${START}`)).toBe(422);
    expect(await chart(`?from=${START}`)).toBe(422);
    expect(await chart(`?from=${START}&to=${START + 1000}&pixels=0`)).toBe(422);
    expect(await chart(`?from=${START}&to=${START + 1000}&pixels=100001`)).toBe(422);
    expect(await chart(`?from=abc&to=${START + 1000}`)).toBe(422);
    const unknown = await engineer.get(`/api/datapoints/nothing.here/chart?from=${START}&to=${START + 1000}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: 'NotFound' });
    expect((await fetch(`${url}/api/datapoints`)).status).toBe(401);
    expect((await fetch(`${url}/api/datapoints/feeder1.u1/chart?from=${START}&to=${START + 1000}`)).status).toBe(401);
  });
});
