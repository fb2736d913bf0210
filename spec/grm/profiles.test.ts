/**
 * Profiles through the GRM: a simulated feeder (20 buildings, one day at one minute, 1 % of the
 * samples missing in runs) written by `gridlink simulate --storage` to a real storage module
 * that answers at most 500 entries per reply (so every profile is read in pages), and the same
 * seed written to CSV files for the expected values. Aligned profiles carry the CSV values where
 * measured, linear interpolation across short gaps and NaN across long ones; a residual is its
 * point's profile minus those of its nearest measured sub-branches, and matches the buildings
 * the simulator put below that point and no deeper point, within the simulated meter error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetGridProfiles, GetGridTopology, type AlignedProfileInfo, type GridTopologyReply } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage } from '../storage/helpers.js';
import { ask, expectedQuality, simulateToFiles, simulateToStorage, startGridModule, type Simulation } from './helpers.js';

const SIMULATION = ['--buildings', '20', '--days', '1', '--gap-rate', '0.01', '--seed', '7'];
const MAX_INTERPOLATE_MS = 300_000;

let domain: Domain;
let peer: TestPeer;
let sim: Simulation;
let topology: GridTopologyReply;
let startMs: number;
let stepMs: number;
let slots: number;

beforeAll(async () => {
  sim = await simulateToFiles(SIMULATION);
  ({ startMs, stepMs, samples: slots } = sim.truth.grid);
  domain = await newDomain('grm-profiles');
  peer = await TestPeer.start(domain);
  await startStorage(peer, domain, { inMemory: true, ack: 'visible', maxEntriesPerReply: 500 });
  await simulateToStorage(domain, SIMULATION);
  await startGridModule(peer, domain, 'grm', { cimFiles: sim.dir, maxInterpolateMs: MAX_INTERPOLATE_MS });
  topology = await ask(peer, 'grm', GetGridTopology, { summaryOnly: true });
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

function request(fields: Partial<GetGridProfiles> = {}): GetGridProfiles {
  return { fromMs: startMs, toMs: startMs + slots * stepMs, stepMs: 0, maxInterpolateMs: -1, residual: false, ...fields };
}

function csvOf(dataPoint: string): ReadonlyMap<number, number> {
  const rows = sim.profiles.get(dataPoint);
  if (rows === undefined) throw new Error(`no CSV file for ${dataPoint}`);
  return rows;
}

/** The aligned values the rules give a profile sampled on the grid (NaN for gaps). */
function expectedAligned(dataPoint: string): { values: Float64Array; quality: Uint8Array } {
  const samples = csvOf(dataPoint);
  const quality = expectedQuality(samples, startMs, stepMs, slots, MAX_INTERPOLATE_MS / stepMs);
  const values = new Float64Array(slots).fill(Number.NaN);
  for (let k = 0; k < slots; k++) if (quality[k] === 0) values[k] = samples.get(startMs + k * stepMs)!;
  for (let k = 0; k < slots; k++) {
    if (quality[k] !== 1) continue;
    let before = k - 1;
    while (quality[before] !== 0) before--;
    let after = k + 1;
    while (quality[after] !== 0) after++;
    values[k] = values[before]! + ((values[after]! - values[before]!) * (k - before)) / (after - before);
  }
  return { values, quality };
}

function expectSameValues(actual: readonly number[], expected: Float64Array, what: string): void {
  expect(actual, what).toHaveLength(expected.length);
  for (let k = 0; k < expected.length; k++) {
    if (Number.isNaN(expected[k]!)) expect(actual[k], `${what} slot ${k}`).toBeNaN();
    else expect(Math.abs(actual[k]! - expected[k]!), `${what} slot ${k}: ${actual[k]} vs ${expected[k]}`).toBeLessThan(1e-9);
  }
}

describe('GRM profiles of a simulated feeder', () => {
  it("lists the simulator's monitoring points with their data points and sub-branches", () => {
    const points = topology.monitoringPoints ?? [];
    expect(points.map((point) => [point.id, point.element, point.dataPoint])).toEqual(sim.truth.monitoringPoints.map((point) => [point.id, point.element, point.dataPoint]));
    // Seed 7: the transformer's point, a branch head below it, and a point below that.
    const [mp1, mp2, mp3] = sim.truth.monitoringPoints;
    expect(points.map((point) => point.children)).toEqual([[mp2!.id], [mp3!.id], []]);
  });

  let aligned: AlignedProfileInfo[];

  it('aligns every monitoring point to the one-minute grid, read page by page', async () => {
    const reply = await ask(peer, 'grm', GetGridProfiles, request());
    aligned = reply.profiles ?? [];
    expect(reply.version).toBe(topology.version);
    expect(aligned.map((profile) => profile.dataPoint)).toEqual(sim.truth.monitoringPoints.map((point) => point.dataPoint));
    let gaps = 0;
    let interpolated = 0;
    for (const profile of aligned) {
      expect(profile).toMatchObject({ startMs, stepMs });
      const expected = expectedAligned(profile.dataPoint!);
      expect([...(profile.quality ?? [])]).toEqual([...expected.quality]);
      expectSameValues(profile.values ?? [], expected.values, profile.dataPoint!);
      expect(profile.gapSlots).toBe(expected.quality.filter((q) => q === 2).length);
      expect(profile.interpolatedSlots).toBe(expected.quality.filter((q) => q === 1).length);
      gaps += profile.gapSlots;
      interpolated += profile.interpolatedSlots;
    }
    // The simulated gaps are there, some short enough to interpolate and some not.
    expect(gaps).toBeGreaterThan(0);
    expect(interpolated).toBeGreaterThan(0);
  });

  it('computes each residual as the profile minus its sub-branches, with the worst quality of its inputs', async () => {
    const reply = await ask(peer, 'grm', GetGridProfiles, request({ residual: true }));
    const residuals = reply.profiles ?? [];
    const byId = new Map(aligned.map((profile) => [profile.id, profile]));
    const childrenOf = new Map((topology.monitoringPoints ?? []).map((point) => [point.id, point.children ?? []]));
    expect(residuals.map((profile) => profile.id)).toEqual(aligned.map((profile) => profile.id));
    for (const residual of residuals) {
      const inputs = [byId.get(residual.id)!, ...childrenOf.get(residual.id)!.map((id) => byId.get(id)!)];
      const values = new Float64Array(slots);
      const quality = new Uint8Array(slots);
      for (let k = 0; k < slots; k++) {
        quality[k] = Math.max(...inputs.map((input) => input.quality![k]!));
        values[k] = quality[k] === 2 ? Number.NaN : inputs[0]!.values![k]! - inputs.slice(1).reduce((sum, child) => sum + child.values![k]!, 0);
      }
      expect([...(residual.quality ?? [])]).toEqual([...quality]);
      expectSameValues(residual.values ?? [], values, `residual of ${residual.dataPoint}`);
    }

    // What the residual means: the buildings between the point and its sub-branches. Each
    // point's measurement has a simulated error of at most 3 % (1 % clipped at 3σ).
    for (const point of sim.truth.monitoringPoints) {
      const own = sim.truth.buildings.filter((building) => building.monitoringPoint === point.id).map((building) => csvOf(building.dataPoint));
      const residual = residuals.find((profile) => profile.id === point.id)!;
      const inputs = [point.id, ...childrenOf.get(point.id)!].map((id) => byId.get(id)!);
      let compared = 0;
      for (let k = 0; k < slots; k++) {
        const t = startMs + k * stepMs;
        if (residual.quality![k] !== 0 || !own.every((building) => building.has(t))) continue;
        const buildings = own.reduce((sum, building) => sum + building.get(t)!, 0);
        const bound = 0.031 * inputs.reduce((sum, input) => sum + Math.abs(input.values![k]!), 0) + 1e-6;
        expect(Math.abs(residual.values![k]! - buildings), `${point.dataPoint} at slot ${k}`).toBeLessThanOrEqual(bound);
        compared++;
      }
      expect(compared).toBeGreaterThan(slots / 2);
    }
  });

  it('answers the residual of one point alone the same as among all', async () => {
    const [mp1, mp2] = sim.truth.monitoringPoints;
    const all = await ask(peer, 'grm', GetGridProfiles, request({ residual: true }));
    const one = await ask(peer, 'grm', GetGridProfiles, request({ residual: true, monitoringPoints: [mp2!.id] }));
    expect(one.profiles).toHaveLength(1);
    expect(one.profiles![0]).toEqual(all.profiles!.find((profile) => profile.id === mp2!.id));
    // Aligned (not residual) profiles of a subset come in the order asked.
    const two = await ask(peer, 'grm', GetGridProfiles, request({ monitoringPoints: [mp2!.id, mp1!.id] }));
    expect(two.profiles!.map((profile) => profile.id)).toEqual([mp2!.id, mp1!.id]);
  });

  it('averages the samples of a coarser step around each slot', async () => {
    const quarter = 15 * 60_000;
    const [mp1] = sim.truth.monitoringPoints;
    const reply = await ask(peer, 'grm', GetGridProfiles, request({ stepMs: quarter, maxInterpolateMs: 0, monitoringPoints: [mp1!.id] }));
    const profile = reply.profiles![0]!;
    expect(profile.values).toHaveLength(96);
    const samples = csvOf(mp1!.dataPoint);
    // Slot k takes the samples of [t_k - 7.5 min, t_k + 7.5 min); the first slot only those from t_0 on (none before the day).
    for (let k = 0; k < 96; k++) {
      const inSlot = [...samples].filter(([t]) => t >= startMs + k * quarter - quarter / 2 && t < startMs + k * quarter + quarter / 2).map(([, v]) => v);
      if (inSlot.length === 0) {
        expect(profile.quality![k]).toBe(2);
        continue;
      }
      expect(profile.quality![k]).toBe(0);
      expect(Math.abs(profile.values![k]! - inSlot.reduce((a, b) => a + b, 0) / inSlot.length)).toBeLessThan(1e-9);
    }
  });
});
