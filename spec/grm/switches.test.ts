/**
 * The GRM on a simulated feeder whose CIM files (EQ and SSH) are stored in storage
 * (PutTopology; setting storageFile lists both): switch operations by SetSwitchState and by a
 * SwitchChanged publication change the islands and the monitoring points' sub-branches, publish
 * TopologyChanged, and survive a kill -9 of the GRM process. The expected topology is computed
 * in the test with core/grid from the same files and the same switch operations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCim } from '../../core/grid/cim/import.js';
import type { FeederTopology } from '../../core/grid/topology/api.js';
import { buildTopology } from '../../core/grid/topology/topology.js';
import { GetGridTopology, PutTopology, QueryTopology, SetSwitchState, SwitchChanged, TopologyChanged, type GridTopologyReply } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { logLine, removeTempDirs, tempDir, TestPeer, until, type Domain } from '../actor/helpers.js';
import { ask as askStorage, newDomain, startStorage } from '../storage/helpers.js';
import { ask, simulateToFiles, startGridModule, type RunningModule, type Simulation } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let sim: Simulation;
let reference: FeederTopology;
let grmDir: string;
let grm: RunningModule;
const events: TopologyChanged[] = [];
const SETTINGS = { storageFile: ['feeder_EQ.xml', 'feeder_SSH.xml'] };

beforeAll(async () => {
  // Seed 3 with four switching devices has a closed fuse with a monitoring point below it.
  sim = await simulateToFiles(['--buildings', '20', '--days', '0.01', '--seed', '3', '--switches', '4']);
  reference = buildTopology((await importCim([join(sim.dir, 'feeder_EQ.xml'), join(sim.dir, 'feeder_SSH.xml')])).network);
  domain = await newDomain('grm-switches');
  peer = await TestPeer.start(domain);
  peer.bus.subscribe('grm/events', (delivery) => events.push(TopologyChanged.decode(delivery.body)));
  await startStorage(peer, domain, { inMemory: true });
  for (const file of SETTINGS.storageFile) await askStorage(peer, PutTopology, { file, content: readFileSync(join(sim.dir, file)) });
  grmDir = tempDir('grm-switches');
  grm = await startGridModule(peer, domain, 'grm', SETTINGS, grmDir);
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

/** Islands as comparable values: root, size, radial. */
function islandsOf(reply: GridTopologyReply): string[] {
  return (reply.islands ?? []).map((island) => `${island.root ?? '-'}/${island.elementCount}/${island.radial}`).sort();
}

function referenceIslands(): string[] {
  return reference
    .islands()
    .map((island) => `${island.root ?? '-'}/${island.elements.length}/${island.radial}`)
    .sort();
}

/** Each monitoring point's nearest measured points below it, from feeder.json's building sets (normal switch state). */
function truthChildren(): Map<string, string[]> {
  const points = sim.truth.monitoringPoints;
  const contains = (outer: (typeof points)[number], inner: (typeof points)[number]): boolean =>
    outer !== inner && inner.buildings.every((building) => outer.buildings.includes(building)) && inner.buildings.length < outer.buildings.length;
  const children = new Map<string, string[]>();
  for (const parent of points) {
    const below = points.filter((point) => contains(parent, point));
    children.set(
      parent.id,
      below.filter((child) => !below.some((between) => contains(between, child))).map((child) => child.id),
    );
  }
  return children;
}

function childrenOf(reply: GridTopologyReply): Map<string, string[]> {
  return new Map((reply.monitoringPoints ?? []).map((point) => [point.id, [...(point.children ?? [])].sort()]));
}

describe('GRM switch states on a stored simulated feeder', () => {
  let before: GridTopologyReply;
  let fuse: string;
  let cutOff: string;
  let after: GridTopologyReply;

  it('loads the EQ and SSH files from storage', async () => {
    before = await ask(peer, 'grm', GetGridTopology, { summaryOnly: false });
    expect(before.source).toBe('storage:feeder_EQ.xml,feeder_SSH.xml');
    expect(before.elements).toHaveLength(reference.size);
    expect(islandsOf(before)).toEqual(referenceIslands());
    expect((before.islands ?? []).find((island) => island.root === sim.truth.transformer)?.radial).toBe(true);
    expect(childrenOf(before)).toEqual(new Map([...truthChildren()].map(([id, list]) => [id, list.sort()])));
    // The normally open ring tie is open, as the SSH file says.
    const open = (before.elements ?? []).filter((element) => element.kind === 'Switch' && element.open);
    expect(open.length).toBeGreaterThanOrEqual(1);
  });

  it('opens a fuse by SetSwitchState: a new unfed island, the point below it leaves its parent, TopologyChanged', async () => {
    const points = before.monitoringPoints ?? [];
    // The closed switch with a monitoring point below it that cuts off the fewest elements.
    let best: { id: string; size: number; point: string } | undefined;
    for (const element of before.elements ?? []) {
      if (element.kind !== 'Switch' || element.open) continue;
      const below = new Set((await ask(peer, 'grm', QueryTopology, { kind: 'Subtree', element: element.id })).elements);
      // Strictly below: a point measuring at the switch itself stays on the fed side.
      const point = points.find((p) => below.has(p.element) && p.element !== element.id);
      if (point !== undefined && (best === undefined || below.size < best.size)) best = { id: element.id, size: below.size, point: point.id };
    }
    expect(best).toBeDefined();
    fuse = best!.id;
    cutOff = best!.point;
    const parentBefore = points.find((p) => (p.children ?? []).includes(cutOff));
    expect(parentBefore).toBeDefined();

    const reply = await ask(peer, 'grm', SetSwitchState, { switchId: fuse, open: true });
    const expected = reference.setSwitch(fuse, true);
    expect(reply).toMatchObject({ switchId: fuse, open: true, changed: true, affected: expected.affected, version: before.version + 1 });
    after = await ask(peer, 'grm', GetGridTopology, { summaryOnly: false });
    expect(after.version).toBe(before.version + 1);
    expect(after.islands).toHaveLength((before.islands ?? []).length + 1);
    expect(islandsOf(after)).toEqual(referenceIslands());
    const cutElement = points.find((p) => p.id === cutOff)!.element;
    const island = (after.elements ?? []).find((element) => element.id === cutElement)!.island;
    expect(after.islands![island]!.root).toBeUndefined();
    expect(childrenOf(after).get(parentBefore!.id)).not.toContain(cutOff);
    expect((after.elements ?? []).find((element) => element.id === fuse)?.open).toBe(true);
    const event = await until(() => events.find((e) => e.cause === 'switch' && e.switchId === fuse), 'TopologyChanged for the fuse');
    expect(event).toMatchObject({ version: reply.version, open: true, affected: expected.affected });

    // The same state again changes nothing and counts no version.
    expect(await ask(peer, 'grm', SetSwitchState, { switchId: fuse, open: true })).toMatchObject({ changed: false, version: reply.version });
  });

  it('closes the ring tie on a SwitchChanged publication', async () => {
    const tie = (after.elements ?? []).find((element) => element.kind === 'Switch' && element.open && element.id !== fuse)!;
    expect(tie).toBeDefined();
    // The GRM's subscription to this peer may still be on its way: publish until it lands (closing twice is no change).
    const event = await until(
      () => {
        peer.bus.publish('grid/switches', SwitchChanged, { switchId: tie.id, open: false, timestampMs: Date.now() });
        return events.find((e) => e.cause === 'switch' && e.switchId === tie.id);
      },
      'TopologyChanged for the ring tie',
      10_000,
      grm.process,
    );
    const expected = reference.setSwitch(tie.id, false);
    expect(event).toMatchObject({ open: false, affected: expected.affected, version: after.version + 1 });
    const now = await ask(peer, 'grm', GetGridTopology, { summaryOnly: true });
    expect(islandsOf(now)).toEqual(referenceIslands());
    expect(islandsOf(now)).not.toEqual(islandsOf(after));
  });

  it('keeps the switch states through a kill -9 and a restart', async () => {
    const last = await ask(peer, 'grm', GetGridTopology, { summaryOnly: false });
    grm.process.child.kill('SIGKILL');
    await grm.process.exited;
    grm = await startGridModule(peer, domain, 'grm', SETTINGS, grmDir);
    await logLine(grm.process, 'topology loaded');
    // Addressed by id: the killed process may linger in the registry until it expires.
    const again = await ask(peer, `grm@${grm.id}`, GetGridTopology, { summaryOnly: false });
    expect(again.version).toBeGreaterThan(last.version);
    expect(islandsOf(again)).toEqual(islandsOf(last));
    expect(islandsOf(again)).toEqual(referenceIslands());
    const openNow = (reply: GridTopologyReply) => (reply.elements ?? []).filter((element) => element.kind === 'Switch').map((element) => `${element.id}=${element.open}`).sort();
    expect(openNow(again)).toEqual(openNow(last));
    expect(childrenOf(again)).toEqual(childrenOf(last));
    expect(grm.process.stderr.some((line) => line.includes('switchesReapplied=2'))).toBe(true);
  });
});
