/**
 * GET /api/topology against a real SCDA substation (storage with a simulated feeder, grm, brm,
 * ssd, bems-aa as in spec/scda): GRM's elements and switch states; no verdict before any
 * verification (said in `problems`); SSD's verdict on every switch after a verification asked
 * through the route and after one announced by an SCDA run; BEMS-AA's assignment; with SSD and
 * BEMS-AA gone, the topology is still answered and the missing parts are listed in `problems`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopologyView } from '../../actors/dashboard/api.js';
import { GetGridTopology, RunAssignment, type GridTopologyReply } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, until } from '../actor/helpers.js';
import { ask } from '../grm/helpers.js';
import { simulatedSpan, startSubstation, type Substation } from '../scda/helpers.js';
import { DashboardClient, startDashboard } from './route-helpers.js';

let substation: Substation;
let grid: GridTopologyReply;
let engineer: DashboardClient;

beforeAll(async () => {
  substation = await startSubstation('dash-topology');
  grid = await ask(substation.peer, 'grm', GetGridTopology, { summaryOnly: false });
  const { url } = await startDashboard(substation.peer, substation.domain, ['engineer']);
  engineer = await DashboardClient.login(url, 'engineer1');
}, 60_000);

afterAll(async () => {
  await killAll();
  await substation?.peer.close();
  removeTempDirs();
});

const switchIds = (): string[] => (grid.elements ?? []).filter((e) => e.kind === 'Switch').map((e) => e.id).sort();

async function topology(query = ''): Promise<TopologyView> {
  const answer = await engineer.get<TopologyView>(`/api/topology${query}`);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return answer.json;
}

describe('GET /api/topology', () => {
  it('answers GRM\'s elements with the switches\' recorded states; without a verification or an assignment, says so', async () => {
    const view = await topology();
    expect(view.version).toBe(grid.version);
    expect(view.elements).toHaveLength(grid.elements!.length);
    expect(view.monitoringPoints.map((p) => p.id).sort()).toEqual((grid.monitoringPoints ?? []).map((p) => p.id).sort());
    const switches = view.elements.filter((e) => e.kind === 'Switch');
    expect(switches.map((e) => e.id).sort()).toEqual(switchIds());
    for (const element of switches) expect(element.open).toBe(grid.elements!.find((e) => e.id === element.id)!.open);
    expect(view.switches).toEqual([]);
    expect(view.assignment).toEqual([]);
    expect(view.problems.some((p) => /switch verification: none yet/.test(p)), view.problems.join('\n')).toBe(true);
    expect(view.problems.some((p) => /building assignment: .*no assignment yet/.test(p)), view.problems.join('\n')).toBe(true);
  });

  it('gives SSD\'s verdict on every switch after a verification asked through the route', async () => {
    const span = simulatedSpan(substation.simDir);
    const view = await topology(`?verifyFrom=${span.fromMs}&verifyTo=${span.toMs}`);
    expect(view.switches.map((s) => s.id).sort()).toEqual(switchIds());
    for (const verdict of view.switches) {
      expect(verdict.consistent, verdict.id).toBe(true);
      expect(verdict.recordedOpen).toBe(grid.elements!.find((e) => e.id === verdict.id)!.open);
    }
    expect(view.verifiedMs).toBeGreaterThan(0);
    expect(view.problems.filter((p) => p.startsWith('switch verification')), view.problems.join('\n')).toEqual([]);
    expect((await engineer.get('/api/topology?verifyFrom=5')).status).toBe(422);
  });

  it('shows the assignment and the verdict of an SCDA run announced on grm/events', async () => {
    const span = simulatedSpan(substation.simDir);
    const seen = substation.gridVerified.length;
    const run = await ask(substation.peer, 'bems-aa', RunAssignment, { ...span, stepMs: 0, method: 'least-squares' }, 60_000);
    expect(run.validTopology, run.reason).toBe(true);
    await until(() => substation.gridVerified.length > seen, 'GridVerified of the run', 10_000);
    const view = await topology();
    const assigned = (run.assignments ?? []).filter((a) => a.assigned && a.monitoringPoint);
    expect(view.assignment).toHaveLength(assigned.length);
    expect(view.assignment.length).toBeGreaterThan(0);
    const first = assigned[0]!;
    expect(view.assignment.find((a) => a.building === first.building)).toMatchObject({ point: first.monitoringPoint, score: first.score });
    expect(view.assignedMs).toBe(run.finishedMs);
    expect(view.switches.map((s) => s.id).sort()).toEqual(switchIds());
    expect(view.problems, view.problems.join('\n')).toEqual([]);
  });

  it('with SSD and BEMS-AA stopped, still answers the topology and lists what is missing', async () => {
    const { peer } = substation;
    for (const role of ['ssd', 'bems-aa']) {
      const holder = peer.bus.registry.holders(role)[0]!;
      process.kill(holder.pid, 'SIGTERM');
    }
    await until(() => peer.bus.registry.holders('ssd').length === 0 && peer.bus.registry.holders('bems-aa').length === 0, 'ssd and bems-aa to leave', 15_000);
    // The dashboard's registry replica hears the leaves on its own: asked until it has.
    let view = await topology();
    const deadline = Date.now() + 10_000;
    while (!view.problems.some((p) => /SSD \(role ssd\)/.test(p)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = await topology();
    }
    expect(view.elements).toHaveLength(grid.elements!.length);
    expect(view.problems.some((p) => /SSD \(role ssd\) is not running/.test(p)), view.problems.join('\n')).toBe(true);
    expect(view.problems.some((p) => /BEMS-AA \(role bems-aa\) is not running/.test(p)), view.problems.join('\n')).toBe(true);
    expect(view.assignment).toEqual([]);
    // The last verdict stays shown.
    expect(view.switches.map((s) => s.id).sort()).toEqual(switchIds());
  });
});
