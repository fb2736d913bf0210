/**
 * `npm run bench:field`: the field side of Gridlink beside independent implementations measured
 * in the same run.
 *  - IEC 104 end to end: one RTU connection (a ControlledStation in this process) through
 *    actors/iec104-gateway into actors/storage (durable), both real `gridlink run` processes:
 *    measurements stored per second, every one checked at storage afterwards. Beside it, the
 *    same frames decoded by scapy's IEC 104 layers and by tshark (the cost of only reading them).
 *  - IEC 104 decode only: ours, scapy and tshark on the same frames, frames per second.
 *  - Alarm rule evaluation: core/alarms RuleEngine beside SQLite triggers and a list of JS rule
 *    closures, the same rules and values, the same raises and clears (checked).
 *  - Modbus TCP FC3 reads/s: core/protocols/modbus beside pymodbus's own client, against the same
 *    pymodbus server process and against an in-process responder (./modbus-rows.ts).
 * See docs/BENCHMARKS.md ("bench:field").
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineBenchmark, formatNumber, runBenchmarkCli, type Measurement, type RowSpec } from '../harness.js';
import { alarmLoad, type AlarmLoad } from './alarm-load.js';
import { evaluateClosures, evaluateOurs, evaluateSqlite, type EvaluationResult } from './alarm-rows.js';
import { sqliteUnavailable } from '../sqlite-loader.js';
import { decodeOurs, decodeScapy, decodeTshark, findTshark, scapyUnavailable, type DecodeResult } from './decode.js';
import { endToEnd, GATEWAY_MODULE } from './end-to-end.js';
import { modbusOurs, modbusPeer, modbusRows, stopModbusServers, type ModbusRow } from './modbus-rows.js';
import { planOf } from './plan.js';
import type { TrafficForm, TrafficSpec } from './rtu-traffic.js';

type Row = 'e2eBatched' | 'e2eSingle' | 'decodeBatched' | 'decodeSingle' | 'alarms' | ModbusRow;

const quick = process.argv.includes('--quick');
const plan = planOf(quick);
const perAsdu = plan.objectsPerAsdu;

const rows: Record<Row, RowSpec> = {
  e2eBatched: {
    metric: `IEC 104 RTU → gateway → storage, M_ME_TF_1 × ${perAsdu}/ASDU`,
    unit: 'measurements/s',
    better: 'higher',
    goal: 20_000,
    goalText: '≥ 20,000 stored (durable), one RTU connection; peers: the same frames only decoded (scapy, tshark)',
  },
  e2eSingle: {
    metric: 'IEC 104 RTU → gateway → storage, M_ME_NC_1 × 1/ASDU',
    unit: 'measurements/s',
    better: 'higher',
    goalText: 'none (one object per ASDU: 1 frame, 1 acknowledgement share per value); peers as above',
  },
  decodeBatched: { metric: `IEC 104 decode only, M_ME_TF_1 × ${perAsdu}/ASDU`, unit: 'frames/s', better: 'higher' },
  decodeSingle: { metric: 'IEC 104 decode only, M_ME_NC_1 × 1/ASDU', unit: 'frames/s', better: 'higher' },
  alarms: {
    metric: `alarm rules, ${plan.alarmPoints.toLocaleString('en-US')} points, threshold + rate`,
    unit: 'values/s',
    better: 'higher',
    goal: 200_000,
    goalText: '≥ 200,000 values evaluated against their rules (threshold and rate each, 2–3 per value)',
  },
  ...modbusRows(),
};

/** The frames of the decode rows (the same traffic the RTU sends end to end). */
function decodeSpec(form: TrafficForm): TrafficSpec {
  const objects = form === 'batched' ? perAsdu : 1;
  return { form, points: plan.rtuPoints, objectsPerAsdu: perAsdu, measurements: plan.decodeFrames * objects, baseTimeMs: Date.UTC(2026, 0, 1) };
}

/** scapy decodes a few thousand frames a second: it gets a tenth of the frames (its rate is per frame). */
function scapySpec(form: TrafficForm): TrafficSpec {
  const spec = decodeSpec(form);
  return { ...spec, measurements: Math.max(1, Math.floor(spec.measurements / 10)) };
}

let workDir: string | undefined;
async function work(): Promise<string> {
  workDir ??= await mkdtemp(join(tmpdir(), 'gridlink-bench-field-'));
  return workDir;
}
async function removeWork(): Promise<void> {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  workDir = undefined;
}

/** A decoder's two rows of one form: frames/s (decode row) and objects/s (beside the end-to-end row). */
function decodeMeasurement(name: string, form: TrafficForm, decode: (form: TrafficForm) => Promise<DecodeResult>): Measurement<Row> {
  const decodeRow: Row = form === 'batched' ? 'decodeBatched' : 'decodeSingle';
  const e2eRow: Row = form === 'batched' ? 'e2eBatched' : 'e2eSingle';
  return {
    name: `${name}, ${form}`,
    rows: [decodeRow, e2eRow],
    run: async (ctx) => {
      const result = await decode(form);
      ctx.log(`${formatNumber(result.framesPerSecond)} frames/s, ${formatNumber(result.objectsPerSecond)} objects/s`);
      return { [decodeRow]: result.framesPerSecond, [e2eRow]: result.objectsPerSecond };
    },
    timeoutMs: plan.timeoutMs,
  };
}

// The alarm load is built once and shared, so every evaluator gets the very same values.
let load: AlarmLoad | undefined;
const alarmLoadOnce = (): AlarmLoad => (load ??= alarmLoad(plan.alarmPoints, plan.alarmValues));
/** Ours' raises and clears on the first n values, the reference each peer must match. */
const reference = new Map<number, number>();
function referenceEvents(n: number): number {
  let events = reference.get(n);
  if (events === undefined) {
    events = evaluateOurs(alarmLoadOnce(), n).events;
    reference.set(n, events);
  }
  return events;
}

function alarmMeasurement(name: string, evaluate: () => EvaluationResult): Measurement<'alarms'> {
  return {
    name,
    rows: ['alarms'],
    run: async (ctx) => {
      const result = evaluate();
      const expected = referenceEvents(result.values);
      if (result.events !== expected) throw new Error(`${name} made ${result.events} raises and clears, core/alarms ${expected} on the same ${result.values} values`);
      ctx.log(`${result.values.toLocaleString('en-US')} values, ${result.events} raises and clears (same as core/alarms)`);
      return { alarms: result.valuesPerSecond };
    },
    timeoutMs: plan.timeoutMs,
  };
}

const minimumMs = quick ? 300 : 2000;

const fieldBenchmark = defineBenchmark<Row>({
  name: 'field',
  description:
    'IEC 104 from one RTU connection through the gateway into durable storage (real processes), IEC 104 decoding, alarm rule evaluation ' +
    'and Modbus TCP register reads, each beside independent implementations in the same run: scapy and tshark decoding the same frames, ' +
    "SQLite triggers and JS rule closures on the same values, pymodbus's client reading the same registers from the same servers.",
  rows,
  ours: {
    teardown: removeWork,
    measurements: [
      {
        name: 'end to end, RTU → gateway → storage',
        rows: ['e2eBatched', 'e2eSingle'],
        run: async (ctx) => {
          if (!existsSync(GATEWAY_MODULE)) throw new Error(`${GATEWAY_MODULE} is missing (npm run build; actors/iec104-gateway)`);
          const rates = await endToEnd({ points: plan.rtuPoints, objectsPerAsdu: perAsdu, measurements: plan.endToEndMeasurements, log: ctx.log });
          return { e2eBatched: rates.batched, e2eSingle: rates.single };
        },
        timeoutMs: plan.timeoutMs * 2,
      },
      ...(['batched', 'single'] as const).map((form) => ({
        name: `decode, ${form}`,
        rows: [form === 'batched' ? 'decodeBatched' : 'decodeSingle'] as Row[],
        run: async () => {
          const result = decodeOurs(decodeSpec(form), minimumMs);
          return { [form === 'batched' ? 'decodeBatched' : 'decodeSingle']: result.framesPerSecond };
        },
      })),
      alarmMeasurement('core/alarms RuleEngine', () => evaluateOurs(alarmLoadOnce())),
      ...modbusOurs(quick),
    ],
  },
  peers: [
    {
      name: 'scapy',
      description: "scapy 2.5's IEC 104 layers (Debian python3-scapy, /usr/bin/python3), decoding the same frames split from the stream; interpreter start not timed",
      unavailable: scapyUnavailable,
      teardown: removeWork,
      measurements: (['batched', 'single'] as const).map((form) =>
        decodeMeasurement('scapy decode', form, async (f) => decodeScapy(scapySpec(f), await work(), `scapy-${f}`, minimumMs / 1000)),
      ),
    },
    {
      name: 'tshark',
      description: "tshark 4 (Debian) reading a pcap of the same frames on port 2404, printing every value; its start-up (a one-frame pcap) taken off",
      unavailable: () => (findTshark() ? undefined : 'tshark not found (apt-get install tshark)'),
      teardown: removeWork,
      measurements: (['batched', 'single'] as const).map((form) => decodeMeasurement('tshark decode', form, async (f) => decodeTshark(decodeSpec(f), await work(), `tshark-${f}`))),
    },
    {
      name: 'sqlite-triggers',
      description: 'SQLite (better-sqlite3, in memory): INSERT per value into readings, an AFTER INSERT trigger updates the rule state and writes alarm rows; 1,000 rows per transaction',
      unavailable: sqliteUnavailable,
      measurements: [alarmMeasurement('SQLite triggers', () => evaluateSqlite(alarmLoadOnce(), plan.alarmValuesSqlite))],
    },
    {
      name: 'js-closures',
      description: 'a list of rule closures, each given every value as an object, state in a Map per data point (the way rule nodes are often written)',
      measurements: [alarmMeasurement('JS rule closures', () => evaluateClosures(alarmLoadOnce()))],
    },
    modbusPeer(quick, work, removeWork),
  ],
  runs: { quick: 1, full: 1 },
});

await runBenchmarkCli(fieldBenchmark);
await stopModbusServers();
await removeWork();
