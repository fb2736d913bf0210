/**
 * The GRM on the SimBench LV1.101 grid (CGMES 3.0 files of the shared data, grid.md §1.5): the
 * topology it serves, QueryTopology and GetAdjacency consistent with it and with each other, and
 * the clear refusals of bad requests; with storage absent, profiles are Unavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCim } from '../../core/grid/cim/import.js';
import { GetAdjacency, GetGridProfiles, GetGridTopology, QueryTopology, SetSwitchState, type GridElementInfo, type GridTopologyReply } from '../../schemas/generated/messages.js';
import { sharedData } from '../support/shared-data.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { ask, askError, startGridModule, type RunningModule } from './helpers.js';

const CIM = sharedData('simbench_lv_rural1_cim', 'cgmes3_0');
const DAY = 86_400_000;

let domain: Domain;
let peer: TestPeer;
let grm: RunningModule;
let transformer: string;
let topology: GridTopologyReply;
let byId: Map<string, GridElementInfo>;

beforeAll(async () => {
  // The transformer's id, for a monitoring point of the configuration, straight from the files.
  const cim = await importCim([CIM]);
  transformer = cim.network.elements.find((element) => element.kind === 'transformer')!.id;
  domain = await newDomain('grm-simbench');
  peer = await TestPeer.start(domain);
  grm = await startGridModule(peer, domain, 'grm', {
    cimFiles: CIM,
    monitoringPoints: [{ id: 'mp-trafo', element: transformer, dataPoint: 'simbench.trafo.p', name: 'transformer LV side' }],
    storageTimeoutMs: 300,
    maxSpanMs: 7 * DAY,
  });
  topology = await ask(peer, 'grm', GetGridTopology, { summaryOnly: false });
  byId = new Map((topology.elements ?? []).map((element) => [element.id, element]));
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('GRM on SimBench LV1.101 (CGMES 3.0)', () => {
  it('serves one radial feeder island under the transformer holding every load', () => {
    expect(topology.source).toBe(CIM);
    expect(topology.version).toBeGreaterThanOrEqual(1);
    const elements = topology.elements ?? [];
    expect(elements).toHaveLength(71);
    const loads = elements.filter((element) => element.cimClass === 'ConformLoad');
    expect(loads).toHaveLength(28);
    const feeders = (topology.islands ?? []).filter((island) => island.root === transformer);
    expect(feeders).toHaveLength(1);
    const feederIndex = (topology.islands ?? []).indexOf(feeders[0]!);
    expect(feeders[0]!.radial).toBe(true);
    for (const load of loads) expect(load.island).toBe(feederIndex);
    // grid.md §1.5: 14 topological nodes reached from the transformer's LV side.
    expect(elements.filter((element) => element.island === feederIndex && element.kind === 'Node')).toHaveLength(14);
    // The only other island is the MV side: the external grid and its node, above the transformer.
    const others = (topology.islands ?? []).filter((island) => island.root !== transformer);
    expect(others.map((island) => island.elementCount)).toEqual([2]);
    expect(byId.get(others[0]!.root!)?.kind).toBe('Source');
    // Every parent is one link closer to the root.
    for (const element of elements) {
      if (element.parent === undefined) continue;
      expect(byId.get(element.parent)!.depth).toBe(element.depth - 1);
    }
    expect(topology.problems).toEqual([]);
  });

  it('lists the configured monitoring point with its data point', () => {
    expect(topology.monitoringPoints).toEqual([{ id: 'mp-trafo', name: 'transformer LV side', element: transformer, dataPoint: 'simbench.trafo.p', children: [] }]);
  });

  it('answers Path, Parent, Subtree, Children and Feeder consistently', async () => {
    const loads = (topology.elements ?? []).filter((element) => element.cimClass === 'ConformLoad');
    // The deepest load: the longest path.
    const load = loads.reduce((a, b) => (b.depth > a.depth ? b : a));
    const path = (await ask(peer, 'grm', QueryTopology, { kind: 'Path', element: transformer, other: load.id })).elements ?? [];
    expect(path[0]).toBe(transformer);
    expect(path.at(-1)).toBe(load.id);
    expect(path).toHaveLength(load.depth + 1);
    const parent = (await ask(peer, 'grm', QueryTopology, { kind: 'Parent', element: load.id })).elements;
    expect(parent).toEqual([path.at(-2)]);
    expect(parent).toEqual([load.parent]);
    const children = (await ask(peer, 'grm', QueryTopology, { kind: 'Children', element: path.at(-2)! })).elements ?? [];
    expect(children).toContain(load.id);
    // Every element on the path holds the load in its subtree, and the subtree of the load's
    // parent is exactly the elements whose chain of parents passes through it.
    for (const id of path) expect((await ask(peer, 'grm', QueryTopology, { kind: 'Subtree', element: id })).elements).toContain(load.id);
    const subtree = (await ask(peer, 'grm', QueryTopology, { kind: 'Subtree', element: path[2]! })).elements ?? [];
    const below = (topology.elements ?? []).filter((element) => {
      for (let at: string | undefined = element.id; at !== undefined; at = byId.get(at)?.parent) if (at === path[2]) return true;
      return false;
    });
    expect(new Set(subtree)).toEqual(new Set(below.map((element) => element.id)));
    expect((await ask(peer, 'grm', QueryTopology, { kind: 'Feeder', element: load.id })).elements).toEqual([transformer]);
    // A path the other way round is the same path reversed.
    const back = (await ask(peer, 'grm', QueryTopology, { kind: 'Path', element: load.id, other: transformer })).elements ?? [];
    expect(back).toEqual([...path].reverse());
  });

  it('gives antisymmetric hops in the adjacency matrix', async () => {
    const load = (topology.elements ?? []).find((element) => element.cimClass === 'ConformLoad' && element.depth > 2)!;
    const down = (await ask(peer, 'grm', GetAdjacency, { a: transformer, b: [load.id] })).entries ?? [];
    const up = (await ask(peer, 'grm', GetAdjacency, { a: load.id, b: [transformer] })).entries ?? [];
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ a: transformer, b: load.id, hops: load.depth, distance: load.depth, indirect: true, direct: false, viaSwitching: false });
    expect(up[0]).toMatchObject({ a: load.id, b: transformer, hops: -load.depth, distance: load.depth, indirect: true });
    // Against every element: one entry each; the MV island is not connected (distance -1, hops 0).
    const all = await ask(peer, 'grm', GetAdjacency, { a: transformer });
    expect(all.entries).toHaveLength(71);
    const mvIsland = (topology.islands ?? []).findIndex((island) => island.root !== transformer);
    for (const entry of all.entries ?? []) {
      const element = byId.get(entry.b)!;
      if (element.island === mvIsland) expect(entry).toMatchObject({ hops: 0, distance: -1, indirect: false, direct: false });
      else expect(entry.hops).toBe(element.depth);
    }
  });

  it('refuses bad requests with a clear GridErrorReply and keeps serving', async () => {
    const unknown = await askError(peer, 'grm', QueryTopology, { kind: 'Parent', element: 'no-such-element' });
    expect(unknown).toMatchObject({ code: 'NotFound', subject: 'no-such-element' });
    expect(unknown.message).toContain('no-such-element');
    expect(await askError(peer, 'grm', QueryTopology, { kind: 'Path', element: transformer })).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, 'grm', GetAdjacency, { a: transformer, b: ['nothing'] })).toMatchObject({ code: 'NotFound', subject: 'nothing' });
    const line = (topology.elements ?? []).find((element) => element.kind === 'Line')!;
    const notSwitch = await askError(peer, 'grm', SetSwitchState, { switchId: line.id, open: true });
    expect(notSwitch).toMatchObject({ code: 'InvalidArgument', subject: line.id });
    expect(notSwitch.message).toContain('not a switch');
    expect(await askError(peer, 'grm', SetSwitchState, { switchId: 'sw-none', open: true })).toMatchObject({ code: 'NotFound', subject: 'sw-none' });

    const from = Date.UTC(2026, 0, 5);
    const profiles = (fields: Partial<GetGridProfiles>): GetGridProfiles => ({ fromMs: from, toMs: from + DAY, stepMs: 0, maxInterpolateMs: -1, residual: false, ...fields });
    const inverted = await askError(peer, 'grm', GetGridProfiles, profiles({ fromMs: from + DAY, toMs: from }));
    expect(inverted.code).toBe('InvalidArgument');
    expect(inverted.message).toContain('inverted');
    const long = await askError(peer, 'grm', GetGridProfiles, profiles({ toMs: from + 8 * DAY }));
    expect(long.code).toBe('InvalidArgument');
    expect(long.message).toContain('maxSpanMs');
    expect(await askError(peer, 'grm', GetGridProfiles, profiles({ stepMs: -60_000 }))).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, 'grm', GetGridProfiles, profiles({ stepMs: 1 }))).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, 'grm', GetGridProfiles, profiles({ monitoringPoints: ['mp-none'] }))).toMatchObject({ code: 'NotFound', subject: 'mp-none' });

    // No storage on this domain: the profile cannot be read.
    const absent = await askError(peer, 'grm', GetGridProfiles, profiles({}));
    expect(absent).toMatchObject({ code: 'Unavailable', subject: 'mp-trafo' });
    expect(absent.message).toContain('simbench.trafo.p');

    // Still alive and serving.
    expect(grm.process.child.exitCode).toBeNull();
    expect((await ask(peer, 'grm', GetGridTopology, { summaryOnly: true })).islands).toHaveLength(2);
  });
});
