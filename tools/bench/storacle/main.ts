/**
 * `npm run bench:storacle`: our embedded store (core/storacle) beside
 * InfluxDB 1.6, VictoriaMetrics 1.79 and SQLite on the same data in the same
 * run: bytes per record at steady state, ingestion (fast and durable
 * acknowledgement), reading and summarising a month of 1 Hz data, the most
 * recent entry, a tag query over 10,000 data points and CSV export. Servers
 * run one at a time on loopback with their own temporary folders. See
 * docs/BENCHMARKS.md ("bench:storacle").
 */
import { defineBenchmark, runBenchmarkCli, type PeerFigures, type RowSpec, type Subject } from '../harness.js';
import { findInfluxd, InfluxSystem } from './influxdb.js';
import { failedDataChecks, measurementsOf, type Row } from './measure.js';
import { OursSystem } from './ours.js';
import { planOf, spanLabel } from './plan.js';
import { sqliteUnavailable } from '../sqlite-loader.js';
import { SqliteSystem } from './sqlite.js';
import type { System } from './system.js';
import { findVictoriaMetrics, VictoriaMetricsSystem } from './victoriametrics.js';

// The row labels name the span read, which --quick shortens; the harness parses the rest.
const quick = process.argv.includes('--quick');
const span = spanLabel(planOf(quick));

/** A fixed goal that must also beat every peer of the row ("≤ g and below every peer"). */
function goalAndBelowPeers(goal: number): (peers: PeerFigures) => number {
  return (peers) => Math.min(goal, ...Object.values(peers).filter((v): v is number => typeof v === 'number'));
}

const rows: Record<Row, RowSpec> = {
  bytesIeee: {
    metric: 'bytes/record, IEEE EU LV 1-min load shapes',
    unit: 'B/record',
    better: 'lower',
    goal: goalAndBelowPeers(2.0),
    goalText: '≤ 2.0 and below every peer (marginal bytes, profiles 51–100 over 1–50)',
  },
  bytesRegular: {
    metric: 'bytes/record, 1 Hz V/I/P at 0.01, regular',
    unit: 'B/record',
    better: 'lower',
    goal: goalAndBelowPeers(1.0),
    goalText: '≤ 1.0 and below every peer (marginal bytes, second half over first)',
  },
  bytesJitter: {
    metric: 'bytes/record, 1 Hz V/I/P at 0.01, ±3 ms jitter',
    unit: 'B/record',
    better: 'lower',
    goal: 1.5,
    goalText: '≤ 1.5 (marginal bytes)',
  },
  ingestFast: {
    metric: 'ingestion, fast ack',
    unit: 'records/s',
    better: 'higher',
    goal: 1_000_000,
    goalText: "≥ 1,000,000 (ours processSafe; SQLite synchronous=NORMAL; HTTP peers 5,000 lines/POST)",
  },
  ingestDurable: {
    metric: 'ingestion, durable ack',
    unit: 'records/s',
    better: 'higher',
    goal: 300_000,
    goalText: '≥ 300,000 (ours durable; SQLite synchronous=FULL; InfluxDB fsyncs every write)',
  },
  read: { metric: `read ${span}`, unit: 'ms', better: 'lower', goal: goalAndBelowPeers(50), goalText: '≤ 50 ms for a month and below every peer' },
  statistics: { metric: `statistics of ${span}`, unit: 'ms', better: 'lower' },
  latest: { metric: 'most recent entry', unit: 'µs', better: 'lower' },
  tags: { metric: 'tag query, 2 tags (all) over 10,000 points', unit: 'ms', better: 'lower' },
  csv: { metric: `CSV export of ${span}`, unit: 'rows/s', better: 'higher' },
};

/** Start the system before its measurements, stop it (and delete its folder) after them. */
function subject(name: string, system: System): Subject<Row> {
  return {
    setup: (ctx) => system.start(ctx.log),
    teardown: () => system.stop(),
    measurements: measurementsOf(name, system),
  };
}

const storacleBenchmark = defineBenchmark<Row>({
  name: 'storacle',
  description:
    'Storacle (in-process) beside InfluxDB 1.6, VictoriaMetrics 1.79 (loopback HTTP) and SQLite (better-sqlite3, in-process) on the same data in the same run: ' +
    'marginal bytes/record at steady state, ingestion, month read, statistics, most recent entry, tag query, CSV export.',
  rows,
  ours: subject('ours', new OursSystem()),
  peers: [
    {
      name: 'influxdb',
      description: 'InfluxDB 1.6 (Debian influxd) on loopback, line protocol and InfluxQL over HTTP, one database per data set',
      unavailable: () => (findInfluxd() ? undefined : 'influxd not found (apt-get install influxdb)'),
      ...subject('influxdb', new InfluxSystem()),
    },
    {
      name: 'victoriametrics',
      description: 'VictoriaMetrics 1.79 (Debian victoria-metrics) on loopback, line protocol in, /api/v1/export and MetricsQL out',
      unavailable: () => (findVictoriaMetrics() ? undefined : 'victoria-metrics not found (apt-get install victoria-metrics)'),
      ...subject('victoriametrics', new VictoriaMetricsSystem()),
    },
    {
      name: 'sqlite',
      description: 'SQLite via better-sqlite3 12 in-process: WAL, points(data_point_id, ts, value) WITHOUT ROWID, tags table',
      unavailable: sqliteUnavailable,
      ...subject('sqlite', new SqliteSystem()),
    },
  ],
  runs: { quick: 1, full: 1 },
});

await runBenchmarkCli(storacleBenchmark);

const failures = failedDataChecks();
process.stderr.write(
  failures.length === 0
    ? '[bench:storacle] data checks: every system read back what it was given\n'
    : `[bench:storacle] DATA CHECKS FAILED — these figures come from systems that did not return what they were given:\n${failures.map((f) => `  ${f}\n`).join('')}`,
);
