/**
 * The BRM on a simulated feeder's building profiles in a real storage module (`gridlink simulate
 * --storage`: data points tagged `building`), with one building given in the configuration:
 * GetBuildings lists them, GetBuildingProfiles aligns them with gaps flagged, bad requests are
 * refused clearly, and without storage the answer is Unavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetBuildingProfiles, GetBuildings, type BuildingInfo } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage, type RunningStorage } from '../storage/helpers.js';
import { ask, askError, expectedQuality, simulateToFiles, simulateToStorage, startGridModule, type RunningModule, type Simulation } from '../grm/helpers.js';

const SIMULATION = ['--buildings', '20', '--days', '1', '--gap-rate', '0.01', '--seed', '5'];

let domain: Domain;
let peer: TestPeer;
let sim: Simulation;
let storage: RunningStorage;
let brm: RunningModule;
let startMs: number;
let stepMs: number;
let slots: number;

beforeAll(async () => {
  sim = await simulateToFiles(SIMULATION);
  ({ startMs, stepMs, samples: slots } = sim.truth.grid);
  domain = await newDomain('brm');
  peer = await TestPeer.start(domain);
  storage = await startStorage(peer, domain, { inMemory: true, ack: 'visible', maxEntriesPerReply: 700 });
  await simulateToStorage(domain, SIMULATION);
  const first = sim.truth.buildings[0]!;
  brm = await startGridModule(peer, domain, 'brm', {
    buildings: [{ id: 'house-a', dataPoint: first.dataPoint, element: first.id, name: 'House A' }],
    storageTimeoutMs: 500,
  });
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

function request(fields: Partial<GetBuildingProfiles> = {}): GetBuildingProfiles {
  return { fromMs: startMs, toMs: startMs + slots * stepMs, stepMs: 0, maxInterpolateMs: -1, ...fields };
}

describe('BRM on simulated buildings', () => {
  let buildings: BuildingInfo[];

  it('lists the configured building first, then those tagged building in storage', async () => {
    buildings = (await ask(peer, 'brm', GetBuildings, {})).buildings ?? [];
    const [first, ...rest] = sim.truth.buildings;
    expect(buildings).toHaveLength(20);
    expect(buildings[0]).toEqual({ id: 'house-a', name: 'House A', dataPoint: first!.dataPoint, element: first!.id, tags: [] });
    // Discovered: id = data point name, with its tags; the monitoring points (tag mp) are not buildings.
    expect(buildings.slice(1).map((building) => building.id)).toEqual(rest.map((building) => building.dataPoint).sort());
    for (const building of buildings.slice(1)) {
      expect(building.dataPoint).toBe(building.id);
      expect(building.tags).toEqual(['building', 'feeder:5']);
    }
  });

  it('aligns every building profile to the grid with its gaps flagged', async () => {
    const reply = await ask(peer, 'brm', GetBuildingProfiles, request());
    const profiles = reply.profiles ?? [];
    expect(profiles.map((profile) => profile.id)).toEqual(buildings.map((building) => building.id));
    let gaps = 0;
    let interpolated = 0;
    for (const profile of profiles) {
      const samples = sim.profiles.get(profile.dataPoint!)!;
      expect(profile).toMatchObject({ startMs, stepMs });
      expect(profile.values).toHaveLength(slots);
      const quality = expectedQuality(samples, startMs, stepMs, slots, 5);
      expect([...profile.quality!]).toEqual([...quality]);
      for (let k = 0; k < slots; k++) {
        if (quality[k] === 0) expect(profile.values![k]).toBe(samples.get(startMs + k * stepMs));
        if (quality[k] === 2) expect(profile.values![k]).toBeNaN();
      }
      gaps += profile.gapSlots;
      interpolated += profile.interpolatedSlots;
    }
    expect(gaps).toBeGreaterThan(0);
    expect(interpolated).toBeGreaterThan(0);
  });

  it('answers a subset in the order asked, at another step', async () => {
    const reply = await ask(peer, 'brm', GetBuildingProfiles, request({ buildings: [buildings[3]!.id, 'house-a'], stepMs: 3_600_000 }));
    expect(reply.profiles!.map((profile) => [profile.id, profile.dataPoint, profile.values!.length])).toEqual([
      [buildings[3]!.id, buildings[3]!.dataPoint, 24],
      ['house-a', sim.truth.buildings[0]!.dataPoint, 24],
    ]);
  });

  it('refuses unknown buildings and bad spans, and is Unavailable without storage', async () => {
    expect(await askError(peer, 'brm', GetBuildingProfiles, request({ buildings: ['nobody'] }))).toMatchObject({ code: 'NotFound', subject: 'nobody' });
    const inverted = await askError(peer, 'brm', GetBuildingProfiles, request({ fromMs: startMs + 1000, toMs: startMs }));
    expect(inverted.code).toBe('InvalidArgument');
    expect(inverted.message).toContain('inverted');
    expect(await askError(peer, 'brm', GetBuildingProfiles, request({ toMs: startMs + 40 * 86_400_000 }))).toMatchObject({ code: 'InvalidArgument' });

    storage.process.child.kill('SIGKILL');
    // Whether the BRM has noticed yet (no holder) or not (the request fails or times out): Unavailable.
    await storage.process.exited;
    const listing = await askError(peer, 'brm', GetBuildings, {});
    expect(listing.code).toBe('Unavailable');
    expect(listing.message).toContain('building');
    expect(await askError(peer, 'brm', GetBuildingProfiles, request())).toMatchObject({ code: 'Unavailable' });
    expect(brm.process.child.exitCode).toBeNull();
  });
});
