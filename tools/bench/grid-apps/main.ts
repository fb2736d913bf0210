/**
 * `npm run bench:grid-apps`: accuracy and speed of the grid applications
 * of issue 7. Building assignment (core/grid/assignment, four methods) on
 * the IEEE European LV feeder with MPs at branch heads (MPs × noise ×
 * resolution) and on simulated feeders, beside the literature baselines in
 * numpy (argmax Pearson, lstsq) on the same numbers; switch state detection
 * (core/grid/ssd) on simulated feeders with flipped switches, beside a
 * naive check of the recorded states. See docs/BENCHMARKS.md
 * ("bench:grid-apps").
 */
import { defineBenchmark, runBenchmarkCli, type RowSpec } from '../harness.js';
import { pythonUnavailable } from '../grid-model/python.js';
import { assignmentPeer, ieeeOurs, simulatedOurs } from './assignment-rows.js';
import { naiveVerify } from './naive-ssd.js';
import { GOAL_NOISE, ieeeRowKey, METHODS, planOf, simulatedRowKey, SSD_ROWS, timeRowKey, type SsdRow } from './plan.js';
import { SIMULATED } from './simulated-runs.js';
import { oursVerify, ssdRows } from './ssd-rows.js';
import { ieee, ieeeUnavailable, removeWorkDir } from './workspace.js';

// Row labels name the sizes, which --quick makes smaller; the harness parses the rest.
const quick = process.argv.includes('--quick');
const plan = planOf(quick);
const ieeeRows: string[] = [];
const rows: Record<string, RowSpec> = {};

for (const mps of plan.ieeeMps) {
  for (const noise of plan.ieeeNoise) {
    for (const resolutionMin of plan.ieeeResolutionsMin) {
      for (const method of METHODS) {
        const key = ieeeRowKey(mps, noise, resolutionMin, method);
        const goalRow = method === 'iterative' && noise === GOAL_NOISE && resolutionMin === 1;
        ieeeRows.push(key);
        rows[key] = {
          metric: `IEEE LV, ${mps} MPs, ${Math.round(noise * 100)} % noise, ${resolutionMin} min: ${method}`,
          unit: '% correct',
          better: 'higher',
          ...(goalRow ? { goal: 98, goalText: '≥ 98 % of the 55 buildings at 1 min with 5 % MP noise (iterative, the default method)' } : {}),
        };
      }
    }
  }
}
for (const method of METHODS) {
  rows[timeRowKey(method)] = {
    metric: `run time per assignment, 55 buildings × 1,440 slots, ${plan.timingMps} MPs: ${method}`,
    unit: 'ms',
    better: 'lower',
    goal: 1000,
    goalText: '≤ 1 s for 55 buildings over one day at 1 min (median of the timed runs)',
  };
}
const simulatedText = `${plan.simulatedSeeds} simulated feeders × ${SIMULATED.buildings} buildings, ${SIMULATED.monitoringPoints} MPs, 1 day, ${SIMULATED.mpNoise * 100} % noise`;
for (const method of METHODS) {
  rows[simulatedRowKey(method)] = { metric: `${simulatedText}: ${method}`, unit: '% correct', better: 'higher' };
}
const ssdText = `${plan.ssdSeeds} simulated feeders`;
const ssdSpecs: Record<SsdRow, RowSpec> = {
  'ssd:single': {
    metric: `SSD detected (flagged, or among a flagged switch's equivalents), single flips, observable flips only (${ssdText})`,
    unit: '%',
    better: 'higher',
    goal: 99,
    goalText: '≥ 99 % of the flipped switches an MP can see (unobservable ones in their own row)',
  },
  'ssd:double': {
    metric: 'SSD detected (flagged or equivalent), two switches flipped (two singles or a tie + switch pair), observable only',
    unit: '%',
    better: 'higher',
    goal: 99,
    goalText: '≥ 99 % of the flipped switches an MP can see',
  },
  'ssd:singleExact': { metric: 'SSD located exactly (the flipped switch itself flagged), single flips, observable only', unit: '%', better: 'higher' },
  'ssd:doubleExact': { metric: 'SSD located exactly (the flipped switch itself flagged), two switches flipped, observable only', unit: '%', better: 'higher' },
  'ssd:unobservable': { metric: 'SSD flipped switches no MP can see (left out above)', unit: 'switches', better: 'lower' },
  'ssd:falseUnflipped': {
    metric: 'SSD false alarms, runs without flips (share of switches flagged)',
    unit: '%',
    better: 'lower',
    goal: 1,
    goalText: '≤ 1 % of the switches flagged when nothing is flipped',
  },
  'ssd:falseOthers': {
    metric: 'SSD false alarms, unflipped switches of flipped runs (flagged, with no flipped switch among its equivalents)',
    unit: '%',
    better: 'lower',
    goal: 1,
    goalText: '≤ 1 % of the switches not flipped flagged in runs with flips',
  },
  'ssd:time': { metric: 'SSD run time per verification (median)', unit: 'ms', better: 'lower' },
};
Object.assign(rows, ssdSpecs);

const ieeeAndSimulatedOf = (method: 'pearson' | 'least-squares'): string[] => [
  ...ieeeRows.filter((key) => key.endsWith(`:${method}`)),
  timeRowKey(method),
  simulatedRowKey(method),
];

const gridAppsBenchmark = defineBenchmark<string>({
  name: 'grid-apps',
  description:
    'The grid applications of issue 7: building assignment (BEMS-AA) on the IEEE European LV feeder and simulated feeders, beside numpy argmax Pearson and lstsq on the same numbers; switch state detection (SSD) on simulated feeders with flipped switches, beside a naive check of the recorded states.',
  rows,
  ours: {
    measurements: [
      {
        name: 'IEEE LV assignment',
        rows: [...ieeeRows, ...METHODS.map(timeRowKey)],
        run: async ({ log }) => {
          const reason = ieeeUnavailable();
          if (reason !== undefined) throw new Error(reason);
          ieee();
          return ieeeOurs(plan, log);
        },
      },
      { name: 'simulated assignment', rows: METHODS.map(simulatedRowKey), run: ({ log }) => simulatedOurs(plan, log) },
      { name: 'SSD flips', rows: [...SSD_ROWS], run: ({ log }) => ssdRows(plan, oursVerify, log) },
    ],
  },
  peers: [
    {
      name: 'numpy-pearson',
      description: 'python3 numpy: argmax Pearson correlation of each building with the residuals (the literature baseline)',
      unavailable: () => pythonUnavailable(['numpy']) ?? ieeeUnavailable(),
      measurements: [{ name: 'argmax Pearson', rows: ieeeAndSimulatedOf('pearson'), run: ({ log }) => assignmentPeer(plan, 'pearson', log) }],
    },
    {
      name: 'numpy-lstsq',
      description: 'python3 numpy: np.linalg.lstsq of all residuals on all buildings, each building to its largest coefficient',
      unavailable: () => pythonUnavailable(['numpy']) ?? ieeeUnavailable(),
      measurements: [{ name: 'lstsq', rows: ieeeAndSimulatedOf('least-squares'), run: ({ log }) => assignmentPeer(plan, 'lstsq', log) }],
    },
    {
      name: 'naive-ssd',
      description: 'the recorded states checked MP by MP without hypotheses: a fed MP reading zero, an unfed one reading power',
      measurements: [{ name: 'naive check', rows: [...SSD_ROWS], run: ({ log }) => ssdRows(plan, naiveVerify, log) }],
    },
  ],
  runs: { quick: 1, full: 1 },
});

process.once('exit', removeWorkDir);
await runBenchmarkCli(gridAppsBenchmark);
removeWorkDir();
