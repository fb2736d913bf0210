/**
 * `npm run bench:supervisor`: how fast a SIGKILLed module is back, and how
 * fast the other peers learn of the crash. Ours: a module under `gridlink up`
 * (the supervisor), seen from another bus peer's registry. The floor: a bare
 * `node -e` child under a minimal spawn loop, measured in the same run. See
 * docs/BENCHMARKS.md.
 */
import { defineBenchmark, runBenchmarkCli, type Measurement } from '../harness.js';
import { measureFloor } from './floor.js';
import { MODULE, measureOurs } from './ours.js';
import { measurementTimeoutMs, planOf, rowsOf, type KillPlan, type KillSamples, type Row } from './plan.js';

const SPAWN_LOOP = 'spawn loop';
const ROWS: readonly Row[] = ['restartP50', 'restartP99', 'crashP50', 'crashP99'];

function killMeasurement(name: string, measure: (plan: KillPlan, log: (message: string) => void) => Promise<KillSamples>): Measurement<Row> {
  return {
    name,
    rows: ROWS,
    timeoutMs: (quick) => measurementTimeoutMs(planOf(quick)),
    run: async ({ quick, log }) => rowsOf(await measure(planOf(quick), log)),
  };
}

const supervisorBenchmark = defineBenchmark<Row>({
  name: 'supervisor',
  description:
    'SIGKILL of a supervised module: until the restarted module is visible in another peer\'s registry, and until the peers know of the crash; beside a bare node -e child under a minimal spawn loop, in the same run.',
  rows: {
    restartP50: { metric: 'restart visible p50', unit: 'ms', better: 'lower', goal: 250, goalText: '≤ 250 ms from SIGKILL' },
    restartP99: { metric: 'restart visible p99', unit: 'ms', better: 'lower' },
    crashP50: { metric: 'crash known p50', unit: 'ms', better: 'lower', goal: 100, goalText: '≤ 100 ms from SIGKILL' },
    // "Crash known to peers within 100 ms" names no percentile: it holds for nearly every crash.
    crashP99: { metric: 'crash known p99', unit: 'ms', better: 'lower', goal: 100, goalText: '≤ 100 ms from SIGKILL' },
  },
  ours: { measurements: [killMeasurement(`SIGKILLs of ${MODULE} under gridlink up`, measureOurs)] },
  peers: [
    {
      name: SPAWN_LOOP,
      description: 'a bare `node -e` child (prints a line, idles) respawned on exit by a minimal child_process.spawn loop',
      measurements: [killMeasurement('SIGKILLs of a node -e child under a spawn loop', measureFloor)],
    },
  ],
  runs: { quick: 1, full: 1 },
});

await runBenchmarkCli(supervisorBenchmark);
