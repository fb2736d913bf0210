/**
 * The end-to-end rows: one RTU connection into storage, every part real.
 *  - The RTU: a ControlledStation (core/protocols/iec104) in the bench process, sending the
 *    traffic of ./rtu-traffic.ts as spontaneous ASDUs.
 *  - actors/iec104-gateway as its own `gridlink run` process, connecting to the RTU as a client
 *    (as in the field), mapping IOA 1001.. to data points rtu1.m0.. and writing them to storage
 *    in AddEntryBatch requests.
 *  - actors/storage as its own process with the settings `npm start` gives it (on disk, ack
 *    durable: a batch is answered once its entries are fsync'ed).
 * A measurement is the time from the first ASDU sent until storage holds every measurement;
 * then every data point's count and value sum (GetStatistics over the run's span) are checked
 * against what was sent, so a figure with anything lost is an error, not a number.
 * The RTU does not run ahead of the pipeline by more than `aheadLimit` measurements (a real RTU
 * sends what it measures; queuing 400,000 ASDUs in the link would only measure memory).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus } from '../../../core/bus/index.js';
import { ControlledStation } from '../../../core/protocols/iec104/controlled-station.js';
import { createLogger } from '../../../core/log/logger.js';
import { GetDataPoints, GetStatistics } from '../../../schemas/generated/messages.js';
import { ProgramProcess, sleep } from '../harness.js';
import { newDomain, registered, type BusDomain } from '../provision/bus-domain.js';
import { asduAt, asduCount, COMMON_ADDRESS, dataPointOf, expectedPerPoint, FIRST_IOA, ROUND_MS, type TrafficForm, type TrafficSpec } from './rtu-traffic.js';

const CLI = fileURLToPath(new URL('../../../../bin/gridlink.js', import.meta.url));
const STORAGE_MODULE = fileURLToPath(new URL('../../../actors/storage/module.js', import.meta.url));
export const GATEWAY_MODULE = fileURLToPath(new URL('../../../actors/iec104-gateway/module.js', import.meta.url));
export const LINK = 'rtu1';
const POLL_MS = 25;

/**
 * BENCH_FIELD_CPU_PROF=<folder>: storage and the gateway run with `node --cpu-prof` and leave
 * their profiles there when they stop (NODE_OPTIONS may not carry --cpu-prof).
 */
function nodeFlags(): string[] {
  const dir = process.env.BENCH_FIELD_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export interface EndToEndOptions {
  points: number;
  objectsPerAsdu: number;
  measurements: number;
  log: (message: string) => void;
}

/** The running pipeline: station, storage, gateway, and a bus peer that asks storage. */
class Pipeline {
  private constructor(
    readonly dir: string,
    readonly bus: Bus,
    readonly station: ControlledStation,
    readonly storage: ProgramProcess,
    readonly gateway: ProgramProcess,
  ) {}

  static async start(points: number, log: (message: string) => void): Promise<Pipeline> {
    const dir = await mkdtemp(join(tmpdir(), 'gridlink-bench-field-'));
    const domain: BusDomain = await newDomain('bench-field');
    const flags = ['--port', String(domain.port), '--cluster', domain.cluster];
    const bus = await Bus.start({ name: 'bench-field', discovery: { port: domain.port, cluster: domain.cluster } });
    const station = await ControlledStation.listen({
      host: '127.0.0.1',
      port: 0,
      commonAddresses: [COMMON_ADDRESS],
      handler: { interrogation: () => [], command: () => Promise.resolve('this RTU takes no commands') },
      log: createLogger('bench-rtu'),
      maxQueued: 1_000_000,
    });
    const storageConfig = join(dir, 'storage.json');
    await writeFile(storageConfig, JSON.stringify({ stateDir: join(dir, 'storage-state'), settings: { dataDir: join(dir, 'storacle') } }));
    const storage = new ProgramProcess(process.execPath, [...nodeFlags(), CLI, 'run', STORAGE_MODULE, '--config', storageConfig, ...flags], 'storage');
    await registered(bus, storage.pid, 20_000);
    const gatewayConfig = join(dir, 'gateway.json');
    const mapped = Array.from({ length: points }, (_, p) => ({ ioa: FIRST_IOA + p, dataPoint: dataPointOf(LINK, p) }));
    await writeFile(
      gatewayConfig,
      JSON.stringify({
        stateDir: join(dir, 'gateway-state'),
        settings: { links: [{ name: LINK, mode: 'client', host: '127.0.0.1', port: station.address.port, commonAddress: COMMON_ADDRESS, interrogateOnConnect: false, points: mapped }] },
      }),
    );
    const gateway = new ProgramProcess(process.execPath, [...nodeFlags(), CLI, 'run', GATEWAY_MODULE, '--config', gatewayConfig, ...flags], 'iec104-gateway');
    const pipeline = new Pipeline(dir, bus, station, storage, gateway);
    try {
      await registered(bus, gateway.pid, 20_000);
      await pipeline.until(() => station.connections().some((c) => c.started), 'the gateway started data transfer with the RTU', 20_000);
      // The gateway creates its data points at storage before it stores anything.
      await pipeline.until(async () => (await pipeline.storedCounts()).size >= points, `the gateway's ${points} data points at storage`, 30_000);
      log(`pipeline up: RTU on 127.0.0.1:${station.address.port}, gateway pid ${gateway.pid}, storage pid ${storage.pid} (durable, ${join(dir, 'storacle')})`);
    } catch (error) {
      await pipeline.stop();
      throw error;
    }
    return pipeline;
  }

  /** Per measurement data point of the link, its entry count at storage. */
  async storedCounts(): Promise<Map<string, number>> {
    const reply = await this.bus.request('storage', GetDataPoints, { tags: [], match: 'Any' }, GetDataPoints.reply, { timeoutMs: 10_000 });
    const counts = new Map<string, number>();
    for (const info of reply.dataPoints ?? []) {
      if (info.name.startsWith(`${LINK}.m`) && !info.name.includes(':')) counts.set(info.name, Number(info.entryCount));
    }
    return counts;
  }

  async until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (!this.gateway.running) throw new Error(`the gateway ended while waiting for ${what}; last output:\n    ${this.gateway.lastOutput()}`);
      if (!this.storage.running) throw new Error(`storage ended while waiting for ${what}; last output:\n    ${this.storage.lastOutput()}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  }

  async stop(): Promise<void> {
    await this.gateway.stop(5000);
    await this.storage.stop(10_000);
    await this.station.close();
    await this.bus.close('bench over');
    await rm(this.dir, { recursive: true, force: true });
  }
}

function total(counts: Map<string, number>): number {
  let sum = 0;
  for (const n of counts.values()) sum += n;
  return sum;
}

/**
 * One run: sends the traffic, waits until storage holds it all, checks every data point.
 * Returns measurements stored per second.
 */
async function run(pipeline: Pipeline, spec: TrafficSpec, log: (message: string) => void, aheadLimit: number): Promise<number> {
  const before = total(await pipeline.storedCounts());
  const target = before + spec.measurements;
  const asdus = asduCount(spec);
  const perAsdu = spec.form === 'batched' ? spec.objectsPerAsdu : 1;
  let stored = before;
  let polling = true;
  // Storage's count, polled while the RTU sends: the RTU keeps at most aheadLimit measurements in flight.
  const poller = (async () => {
    while (polling) {
      stored = total(await pipeline.storedCounts());
      if (stored >= target) return;
      await sleep(POLL_MS);
    }
  })();
  const runStartMs = Date.now();
  const started = process.hrtime.bigint();
  let sent = 0;
  for (let i = 0; i < asdus; i++) {
    while ((i + 1) * perAsdu - (stored - before) > aheadLimit) {
      await sleep(1);
      if (!pipeline.gateway.running || !pipeline.storage.running) throw new Error('the gateway or storage ended during the run');
    }
    pipeline.station.send(asduAt(spec, i));
    sent += perAsdu;
    // Let the socket write and the acknowledgements come in between bursts.
    if (i % 64 === 63) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + 60_000;
  while (stored < target) {
    if (Date.now() > deadline) {
      polling = false;
      throw new Error(`storage holds ${stored - before} of the ${spec.measurements} measurements 60 s after the last was sent`);
    }
    await sleep(1);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  polling = false;
  await poller;
  log(`${spec.form}: ${sent} measurements in ${asdus} ASDUs stored in ${seconds.toFixed(2)} s`);
  await checkStored(pipeline, spec, runStartMs);
  return spec.measurements / seconds;
}

/** Every data point holds exactly what the RTU sent in this run: count and value sum over the run's span. */
async function checkStored(pipeline: Pipeline, spec: TrafficSpec, runStartMs: number): Promise<void> {
  const expected = expectedPerPoint(spec);
  const rounds = Math.ceil(spec.measurements / spec.points);
  // Time-tagged values carry the RTU's times; the others the gateway's arrival stamps, all after the run began.
  const span = spec.form === 'batched' ? { fromMs: spec.baseTimeMs, toMs: spec.baseTimeMs + rounds * ROUND_MS } : { fromMs: runStartMs };
  const problems: string[] = [];
  for (let p = 0; p < spec.points; p++) {
    const dataPoint = dataPointOf(LINK, p);
    const stats = await pipeline.bus.request('storage', GetStatistics, { dataPoint, ...span, histogramBins: 1 }, GetStatistics.reply, { timeoutMs: 10_000 });
    const count = Number(stats.count);
    const sum = (stats.mean ?? 0) * count;
    if (count !== expected.count[p] || Math.abs(sum - expected.sum[p]!) > 1e-6 * Math.abs(expected.sum[p]!)) {
      problems.push(`${dataPoint}: ${count} entries summing to ${sum}, sent ${expected.count[p]} summing to ${expected.sum[p]}`);
    }
  }
  if (problems.length > 0) throw new Error(`storage does not hold what the RTU sent (${problems.length} data points): ${problems.slice(0, 3).join('; ')}`);
}

/** Both end-to-end runs on one pipeline: several objects per ASDU (M_ME_TF_1), then one (M_ME_NC_1). */
export async function endToEnd(options: EndToEndOptions): Promise<Record<TrafficForm, number>> {
  const pipeline = await Pipeline.start(options.points, options.log);
  try {
    // Time tags an hour back, so the later run's arrival stamps never fall into this run's span.
    const baseTimeMs = Math.floor((Date.now() - 3600_000) / 1000) * 1000;
    const common = { points: options.points, objectsPerAsdu: options.objectsPerAsdu, measurements: options.measurements, baseTimeMs };
    const aheadLimit = 50_000;
    const batched = await run(pipeline, { ...common, form: 'batched' }, options.log, aheadLimit);
    const single = await run(pipeline, { ...common, form: 'single' }, options.log, aheadLimit);
    return { batched, single };
  } finally {
    await pipeline.stop();
  }
}
