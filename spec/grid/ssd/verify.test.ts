/**
 * verifySwitches on simulated feeders (60 buildings, 12 switches, 8
 * monitoring points at branch heads, one day at 1 min, 3 % meter noise):
 * recorded = actual is consistent on every seed; one flipped switch of each
 * kind and two flips are found with the actual state; a switch the points
 * cannot see is reported as such; gaps and bad input.
 */
import { describe, expect, it } from 'vitest';
import { Quality, type AlignedProfile } from '../../../core/grid/profiles/api.js';
import type { GridNetwork } from '../../../core/grid/network.js';
import type { SsdVerdict } from '../../../core/grid/ssd/api.js';
import { SsdInputError, verifySwitches } from '../../../core/grid/ssd/verify.js';
import type { FlipKind, SwitchFlip } from '../../../tools/simulate/flips.js';
import { simulatedCase } from './simulated.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

function expectFound(verdict: SsdVerdict, flips: readonly SwitchFlip[]): void {
  expect(verdict.consistent).toBe(false);
  const wrong = verdict.switches.filter((finding) => !finding.consistent);
  expect(wrong.map((finding) => finding.switchId).sort()).toEqual(flips.map((flip) => flip.switchId).sort());
  for (const flip of flips) {
    const finding = verdict.switches.find((candidate) => candidate.switchId === flip.switchId)!;
    expect(finding.recordedOpen).toBe(flip.recordedOpen);
    expect(finding.supportedOpen, flip.name).toBe(flip.actualOpen);
    expect(finding.observable).toBe(true);
    expect(finding.confidence, flip.name).toBeGreaterThan(0.5);
  }
  expect(verdict.scoreBest).toBeLessThan(verdict.scoreRecorded);
  for (const flip of flips) expect(verdict.explanation).toContain(flip.name);
}

describe('verifySwitches on simulated feeders', () => {
  it('finds the recorded states consistent on every seed (no false alarm)', async () => {
    for (const seed of SEEDS) {
      const { recorded, profiles, flips } = await simulatedCase(seed);
      expect(flips).toEqual([]);
      const verdict = verifySwitches(recorded, profiles);
      expect(verdict.consistent, `seed ${seed}: ${verdict.explanation}`).toBe(true);
      expect(verdict.switches.every((finding) => finding.consistent && finding.supportedOpen === finding.recordedOpen)).toBe(true);
      expect(verdict.switches).toHaveLength(recorded.elements.filter((element) => element.kind === 'switch').length);
      expect(verdict.slots).toBe(1440);
      expect(verdict.explanation).toMatch(/^recorded switch states fit/);
      // The observable switches are held in their state with confidence.
      const observable = verdict.switches.filter((finding) => finding.observable);
      expect(observable.length).toBeGreaterThan(0);
      expect(observable.some((finding) => finding.confidence > 0.9)).toBe(true);
    }
  });

  it('finds one flipped switch of each kind, with the actual state', async () => {
    const seen = new Set<FlipKind>();
    for (const seed of SEEDS) {
      const single = await simulatedCase(seed, { count: 1 });
      expect(single.flips).toHaveLength(1);
      seen.add(single.flips[0]!.kind);
      expectFound(verifySwitches(single.recorded, single.profiles, { maxFlips: 1 }), single.flips);
      expectFound(verifySwitches(single.recorded, single.profiles, { maxFlips: 2 }), single.flips);
    }
    expect([...seen].sort()).toEqual(['actually-closed', 'actually-open']);
    // A reconfiguration (tie actually closed, a switch on its loop actually open) needs pairs.
    let reconfigurations = 0;
    for (const seed of SEEDS) {
      const pair = await simulatedCase(seed, { count: 2 }).catch(() => undefined);
      if (pair === undefined || pair.flips[0]!.kind !== 'reconfiguration') continue;
      reconfigurations++;
      expectFound(verifySwitches(pair.recorded, pair.profiles), pair.flips);
    }
    expect(reconfigurations).toBeGreaterThanOrEqual(3);
  });

  it('finds two flipped switches at once', async () => {
    let cases = 0;
    for (const seed of [2, 10, 11, 12, 13, 14]) {
      const named = await simulatedCase(seed, { count: 2 }).catch(() => undefined);
      if (named === undefined) continue;
      cases++;
      expect(named.flips).toHaveLength(2);
      expectFound(verifySwitches(named.recorded, named.profiles, { maxFlips: 2 }), named.flips);
    }
    expect(cases).toBeGreaterThanOrEqual(3);
    // Two independent single flips chosen by name.
    const base = await simulatedCase(2, { count: 2 });
    const names = base.flips.map((flip) => flip.name);
    const byName = await simulatedCase(2, { switchNames: names });
    expectFound(verifySwitches(byName.recorded, byName.profiles), byName.flips);
  });

  it('reports a switch the monitoring points cannot see as unobservable and does not count it', async () => {
    const { recorded, profiles } = await simulatedCase(1);
    // A switch on a new dead-end stub (no consumer, no point behind it): opening or closing it changes nothing measured.
    const stub: GridNetwork = {
      ...recorded,
      elements: [...recorded.elements, { id: 'stub-switch', name: 'Stub switch', kind: 'switch', cimClass: 'Disconnector', open: false }, { id: 'stub-node', name: 'Stub node', kind: 'node', cimClass: 'ConnectivityNode' }],
      links: [...recorded.links, { equipment: 'stub-switch', node: recorded.elements.find((element) => element.name === 'Node 1')!.id }, { equipment: 'stub-switch', node: 'stub-node' }],
    };
    const verdict = verifySwitches(stub, profiles);
    expect(verdict.consistent).toBe(true);
    const finding = verdict.switches.find((candidate) => candidate.switchId === 'stub-switch')!;
    expect(finding).toMatchObject({ observable: false, confidence: 0, consistent: true, supportedOpen: false });
    expect(verdict.explanation).toMatch(/cannot be seen/);
  });

  it('skips gap slots and still finds the flip; refuses profiles on different grids', async () => {
    const single = await simulatedCase(3, { count: 1 });
    const gappy: AlignedProfile[] = single.profiles.map((profile, index) => {
      const values = profile.values.slice();
      const quality = profile.quality.slice();
      for (let t = index * 37; t < values.length; t += 5) {
        values[t] = NaN;
        quality[t] = Quality.GAP;
      }
      return { ...profile, values, quality };
    });
    expectFound(verifySwitches(single.recorded, gappy), single.flips);
    const shifted = single.profiles.map((profile, index) => (index === 1 ? { ...profile, startMs: profile.startMs + 60_000 } : profile));
    expect(() => verifySwitches(single.recorded, shifted)).toThrow(SsdInputError);
    expect(() => verifySwitches(single.recorded, [])).toThrow(/no monitoring point/);
    expect(() => verifySwitches(single.recorded, single.profiles, { relativeNoise: 2 })).toThrow(SsdInputError);
  });
});
