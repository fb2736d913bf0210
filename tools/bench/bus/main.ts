/**
 * `npm run bench:bus`: the Gridlink bus beside raw zeromq.js (same socket
 * patterns) and NATS (nats-server + npm nats client), all measured in the same
 * run between separate processes over loopback TCP. See docs/BENCHMARKS.md.
 */
import { defineBenchmark, runBenchmarkCli, type Measurement, type Peer } from '../harness.js';
import * as nats from './nats.js';
import * as ours from './ours.js';
import type { BusMeasurements, NatsMeasurements } from './types.js';
import * as zeromq from './zeromq.js';

type Row = 'publish' | 'send' | 'requestP50' | 'requestP99' | 'requests10' | 'requests100' | 'idleRss';

/** Message counts and durations of one mode. */
interface Plan {
  messages: number;
  sequential: { warmup: number; requests: number };
  pipelined: { warmup: number; requests: number };
  idle: { settleMs: number; sampleMs: number };
  /** Limit per measurement (worker start-up included). */
  timeoutMs: number;
}

const QUICK: Plan = {
  messages: 50_000,
  sequential: { warmup: 500, requests: 5_000 },
  pipelined: { warmup: 2_000, requests: 20_000 },
  // Idle means idle: V8's memory reducer gives back the start-up young
  // generation after about ten quiet seconds; measure after it, in both modes.
  idle: { settleMs: 12_000, sampleMs: 500 },
  timeoutMs: 45_000,
};

const FULL: Plan = {
  messages: 1_000_000,
  sequential: { warmup: 1_000, requests: 50_000 },
  pipelined: { warmup: 5_000, requests: 200_000 },
  idle: { settleMs: 15_000, sampleMs: 2_000 },
  timeoutMs: 180_000,
};

const PAYLOAD_BYTES = 64;
const ZEROMQ = 'zeromq.js';
const NATS = 'nats';
const MB = 1_000_000;

const plan = (quick: boolean): Plan => (quick ? QUICK : FULL);
const timeout = (quick: boolean): number => plan(quick).timeoutMs + 15_000;

/** The table rows measured through one subject's functions (NATS has no send or idle-module rows). */
function measurementsOf(suite: Partial<BusMeasurements>): Measurement<Row>[] {
  const list: Measurement<Row>[] = [];
  const { publishThroughput, sendThroughput, requestReply, idleRss } = suite;
  if (publishThroughput) {
    list.push({
      name: `publish throughput, ${PAYLOAD_BYTES} B`,
      rows: ['publish'],
      timeoutMs: timeout,
      run: async ({ quick }) => {
        const p = plan(quick);
        const r = await publishThroughput({ messages: p.messages, payloadBytes: PAYLOAD_BYTES, timeoutMs: p.timeoutMs });
        return { publish: r.messagesPerSecond };
      },
    });
  }
  if (sendThroughput) {
    list.push({
      name: `send throughput, ${PAYLOAD_BYTES} B`,
      rows: ['send'],
      timeoutMs: timeout,
      run: async ({ quick }) => {
        const p = plan(quick);
        const r = await sendThroughput({ messages: p.messages, payloadBytes: PAYLOAD_BYTES, timeoutMs: p.timeoutMs });
        return { send: r.messagesPerSecond };
      },
    });
  }
  if (requestReply) {
    list.push({
      name: 'request/reply, one at a time',
      rows: ['requestP50', 'requestP99'],
      timeoutMs: timeout,
      run: async ({ quick }) => {
        const p = plan(quick);
        const r = await requestReply({ ...p.sequential, inFlight: 1, payloadBytes: PAYLOAD_BYTES, timeoutMs: p.timeoutMs });
        return { requestP50: r.p50Us, requestP99: r.p99Us };
      },
    });
    for (const inFlight of [10, 100] as const) {
      list.push({
        name: `request/reply, ${inFlight} in flight`,
        rows: [inFlight === 10 ? 'requests10' : 'requests100'],
        timeoutMs: timeout,
        run: async ({ quick }) => {
          const p = plan(quick);
          const r = await requestReply({ ...p.pipelined, inFlight, payloadBytes: PAYLOAD_BYTES, timeoutMs: p.timeoutMs });
          return inFlight === 10 ? { requests10: r.requestsPerSecond } : { requests100: r.requestsPerSecond };
        },
      });
    }
  }
  if (idleRss) {
    list.push({
      name: 'idle module RSS',
      rows: ['idleRss'],
      timeoutMs: timeout,
      run: async ({ quick }) => {
        const p = plan(quick);
        const r = await idleRss({ ...p.idle, timeoutMs: p.timeoutMs });
        return { idleRss: r.rssBytes / MB };
      },
    });
  }
  return list;
}

// Compile-time check that every subject implements the shared signatures.
const oursSuite: BusMeasurements = ours;
const zeromqSuite: BusMeasurements = zeromq;
const natsSuite: NatsMeasurements = nats;

const zeromqPeer: Peer<Row> = {
  name: ZEROMQ,
  description: 'raw zeromq.js 6.8.0 (bundled libzmq): PUB→SUB, DEALER→ROUTER, DEALER↔ROUTER echo, idle ROUTER+PUB+SUB+DEALER',
  measurements: measurementsOf(zeromqSuite),
};

const natsPeer: Peer<Row> = {
  name: NATS,
  description: 'nats-server (Debian package, started by the bench on a free loopback port) with the npm nats client',
  unavailable: () => (nats.findNatsServer() === undefined ? nats.missingNotice() : undefined),
  setup: async (ctx) => {
    ctx.log(`nats-server listening at ${await nats.startNatsServer()}`);
  },
  teardown: () => nats.stopNatsServer(),
  measurements: measurementsOf(natsSuite),
};

const peerFigure = (peers: Readonly<Record<string, number | null>>, name: string): number | undefined =>
  peers[name] ?? undefined;

const busBenchmark = defineBenchmark<Row>({
  name: 'bus',
  description:
    'Gridlink bus vs raw zeromq.js and NATS: two processes over loopback TCP, 64 B payloads, all measured in this run.',
  rows: {
    publish: {
      metric: 'publish throughput',
      unit: 'msg/s',
      better: 'higher',
      goal: (peers) => Math.max(1_000_000, 2 * (peerFigure(peers, ZEROMQ) ?? 0)),
      goalText: '≥ 2× raw zeromq.js PUB→SUB and ≥ 1,000,000 msg/s',
    },
    send: { metric: 'send throughput', unit: 'msg/s', better: 'higher' },
    requestP50: {
      metric: 'request round trip p50',
      unit: 'µs',
      better: 'lower',
      goal: (peers) => {
        const zmq = peerFigure(peers, ZEROMQ);
        const limits = [zmq === undefined ? undefined : 1.3 * zmq, peerFigure(peers, NATS)];
        const known = limits.filter((v): v is number => v !== undefined);
        return known.length > 0 ? Math.min(...known) : undefined;
      },
      goalText: '≤ 1.3× raw zeromq.js p50 and below NATS p50',
    },
    requestP99: { metric: 'request round trip p99', unit: 'µs', better: 'lower' },
    requests10: { metric: 'requests, 10 in flight', unit: 'req/s', better: 'higher' },
    requests100: {
      metric: 'requests, 100 in flight',
      unit: 'req/s',
      better: 'higher',
      goal: 100_000,
      goalText: '≥ 100,000 req/s',
    },
    idleRss: {
      metric: 'idle module RSS',
      unit: 'MB',
      better: 'lower',
      goal: 60,
      goalText: '≤ 60 MB (10^6 bytes) VmRSS',
    },
  },
  ours: { measurements: measurementsOf(oursSuite) },
  peers: [zeromqPeer, natsPeer],
  runs: { quick: 1, full: 3 },
});

await runBenchmarkCli(busBenchmark);
