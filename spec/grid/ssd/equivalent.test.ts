/**
 * What SSD cannot tell apart, it names: switches in series with no
 * monitoring point between them, and ties closing loops the points see
 * alike, are reported as the flagged switch's equivalents; the topology
 * verdict (inconsistent) stands, the confidence about *which* switch stays
 * low. And an actually-open switch is not explained as a reconfiguration
 * (each flip must earn its evidence): the bench's seed 55.
 */
import { describe, expect, it } from 'vitest';
import type { GridNetwork } from '../../../core/grid/network.js';
import type { SsdVerdict } from '../../../core/grid/ssd/api.js';
import { verifySwitches } from '../../../core/grid/ssd/verify.js';
import { simulatedCase } from './simulated.js';

/** The bench's feeders (tools/bench/grid-apps/simulated-runs.ts): 10 MPs instead of the helper's 8. */
const BENCH_FEEDER = { monitoringPoints: 10 };

/** The flagged switches and, per flagged switch, its equivalents. */
function flaggedWithEquivalents(verdict: SsdVerdict): Map<string, readonly string[]> {
  return new Map(verdict.switches.filter((finding) => !finding.consistent).map((finding) => [finding.switchId, finding.equivalent]));
}

/** `network` with a new switch `id` (recorded and actually closed) put between `switchId` and `farNode`, one of its two nodes. */
function withSwitchInSeries(network: GridNetwork, switchId: string, farNode: string, id: string): GridNetwork {
  return {
    ...network,
    elements: [...network.elements, { id, name: 'Series switch', kind: 'switch', cimClass: 'Breaker', open: false }, { id: `${id}-node`, name: 'Series node', kind: 'node', cimClass: 'ConnectivityNode' }],
    links: [
      ...network.links.filter((link) => !(link.equipment === switchId && link.node === farNode)),
      { equipment: switchId, node: `${id}-node` },
      { equipment: id, node: `${id}-node` },
      { equipment: id, node: farNode },
    ],
  };
}

describe('verifySwitches: equivalent explanations', () => {
  it('names a switch in series with the actually-open one, with no monitoring point between, as its equivalent', async () => {
    let cases = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const single = await simulatedCase(seed, { count: 1 });
      const flip = single.flips[0]!;
      if (flip.kind !== 'actually-open') continue;
      cases++;
      // The switch's second node (either side works: nothing is measured between the two switches).
      const farNode = single.recorded.links.filter((link) => link.equipment === flip.switchId)[1]!.node;
      const network = withSwitchInSeries(single.recorded, flip.switchId, farNode, 'series-switch');
      const verdict = verifySwitches(network, single.profiles);
      expect(verdict.consistent, `seed ${seed}`).toBe(false);
      const flagged = flaggedWithEquivalents(verdict);
      expect(flagged.size, `seed ${seed}`).toBe(1);
      const [named, equivalent] = [...flagged][0]!;
      expect([named, ...equivalent].sort(), `seed ${seed}`).toEqual([flip.switchId, 'series-switch'].sort());
      const finding = verdict.switches.find((candidate) => candidate.switchId === named)!;
      expect(finding).toMatchObject({ recordedOpen: false, supportedOpen: true });
      // Which of the two is open, the data cannot say.
      expect(finding.confidence, `seed ${seed}`).toBeLessThan(0.2);
      expect(verdict.explanation).toMatch(/or (Series switch|Switch \d+), which the monitoring points cannot tell from it/);
      // A switch not flagged names no equivalents.
      for (const other of verdict.switches.filter((candidate) => candidate.consistent)) expect(other.equivalent).toEqual([]);
    }
    expect(cases).toBeGreaterThanOrEqual(2);
  });

  it('on the bench feeders, the true switch is flagged or among the equivalents of a flagged one (seeds 60, 70, 94)', async () => {
    const trials = [
      { seed: 60, flips: { switchNames: ['Switch 2'] } },
      { seed: 94, flips: { switchNames: ['Switch 4'] } },
      { seed: 70, flips: { count: 2 } },
    ];
    for (const { seed, flips } of trials) {
      const run = await simulatedCase(seed, flips, BENCH_FEEDER);
      const verdict = verifySwitches(run.recorded, run.profiles, { relativeNoise: 0.03 });
      expect(verdict.consistent, `seed ${seed}`).toBe(false);
      const covered = new Set([...flaggedWithEquivalents(verdict)].flatMap(([id, equivalent]) => [id, ...equivalent]));
      for (const flip of run.flips) expect(covered.has(flip.switchId), `seed ${seed} ${flip.name}`).toBe(true);
      // At least one of these runs is a case of two switches the points see alike.
      expect([...flaggedWithEquivalents(verdict).values()].some((equivalent) => equivalent.length > 0), `seed ${seed}`).toBe(true);
    }
  });

  it('explains an actually-open switch by one open switch, not by a reconfiguration (bench seed 55)', async () => {
    const run = await simulatedCase(55, { switchNames: ['Switch 7'] }, BENCH_FEEDER);
    const flip = run.flips[0]!;
    expect(flip).toMatchObject({ kind: 'actually-open', recordedOpen: false, actualOpen: true });
    const verdict = verifySwitches(run.recorded, run.profiles, { relativeNoise: 0.03 });
    expect(verdict.consistent).toBe(false);
    const flagged = verdict.switches.filter((finding) => !finding.consistent);
    // One switch found open (or one of its equivalents), no tie found closed.
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ recordedOpen: false, supportedOpen: true });
    expect([flagged[0]!.switchId, ...flagged[0]!.equivalent]).toContain(flip.switchId);
  });
});
