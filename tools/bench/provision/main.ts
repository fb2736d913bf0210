/**
 * `npm run bench:provision`: installing an app with three dependencies from a
 * local App Store until all four run, and the unavailability of an upgrade
 * with state handoff; ours (the AppManager under a host agent) beside a
 * by-hand script doing the least (./by-hand.ts), measured in the same run.
 * See docs/BENCHMARKS.md.
 */
// The modules' and peers' bus logs (a join and a leave per process) only on request: GRIDLINK_LOG=info.
process.env.GRIDLINK_LOG ??= 'warn';

import { defineBenchmark, median, runBenchmarkCli, type Measurement } from '../harness.js';
import { measureByHand } from './by-hand-measure.js';
import { measureOurs } from './ours.js';
import { measurementTimeoutMs, planOf, type ProvisionPlan, type ProvisionSamples, type Row } from './plan.js';

function cycles(name: string, measure: (plan: ProvisionPlan, log: (message: string) => void) => Promise<ProvisionSamples>): Measurement<Row> {
  return {
    name,
    rows: ['installP50', 'upgradeGapP50'],
    timeoutMs: (quick) => measurementTimeoutMs(planOf(quick)),
    run: async ({ quick, log }) => {
      const samples = await measure(planOf(quick), log);
      return { installP50: median(samples.installMs), upgradeGapP50: median(samples.upgradeGapMs) };
    },
  };
}

const provisionBenchmark = defineBenchmark<Row>({
  name: 'provision',
  description:
    'Install of an app with three dependencies (a chain of four) from a local App Store until all run, and the unavailability of an upgrade with state handoff; p50 over 10 cycles (--quick: 3), beside a by-hand script in the same run.',
  rows: {
    installP50: { metric: 'install chain of 4 p50', unit: 'ms', better: 'lower', goal: 2000, goalText: '≤ 2 s' },
    upgradeGapP50: { metric: 'upgrade unavailable p50', unit: 'ms', better: 'lower', goal: 1000, goalText: '≤ 1 s' },
  },
  ours: { measurements: [cycles('AppManager: install, upgrade, remove cycles', measureOurs)] },
  peers: [
    {
      name: 'by hand',
      description: 'HTTP GET + yauzl unzip + spawn `gridlink run` per app in order, waiting for each to register; upgrade = unzip new, SIGTERM old, spawn new',
      measurements: [cycles('by hand: install, upgrade, remove cycles', measureByHand)],
    },
  ],
  runs: { quick: 1, full: 1 },
});

await runBenchmarkCli(provisionBenchmark);
