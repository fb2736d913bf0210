/**
 * Support for the spec/scda suites: a whole SCDA substation as real processes on a discovery
 * domain of the test — storage (in memory), a simulated feeder written into it by `gridlink
 * simulate --storage`, then grm (on the simulator's CIM files), brm, ssd and bems-aa, each
 * `gridlink run` — and the events of the sequence as the test's bus peer hears them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssignmentEvent, GridVerified } from '../../schemas/generated/messages.js';
import { readFeederTruth, type FeederTruth } from '../../tools/assess/ground-truth.js';
import { distPath } from '../support/processes.js';
import { domainFlags, startGridlink, tempDir, TestPeer, writeConfig, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage } from '../storage/helpers.js';
import { simulateToStorage } from '../grm/helpers.js';

/** Seed 2 at 60 buildings: SSD sees the one switch `--flip 1` records wrongly. */
export const FEEDER = ['--buildings', '60', '--seed', '2', '--switches', '8', '--monitoring-points', '6', '--days', '1'];

export interface Substation {
  readonly domain: Domain;
  readonly peer: TestPeer;
  readonly simDir: string;
  readonly truth: FeederTruth;
  readonly assignmentEvents: AssignmentEvent[];
  readonly gridVerified: GridVerified[];
}

async function startModule(peer: TestPeer, domain: Domain, name: string, settings: Record<string, unknown>): Promise<void> {
  const dir = tempDir(name);
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings });
  const running = startGridlink(['run', distPath(`actors/${name}/module.js`), '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: name });
  await Promise.race([
    peer.module(name, running.pid, 30_000, running),
    running.exited.then(({ code, signal }) => {
      throw new Error(`${name} ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
}

/** The substation on a simulated feeder; `simulate` adds options (e.g. --flip 1). */
export async function startSubstation(label: string, simulate: readonly string[] = []): Promise<Substation> {
  const domain = await newDomain(label);
  const peer = await TestPeer.start(domain);
  const assignmentEvents: AssignmentEvent[] = [];
  const gridVerified: GridVerified[] = [];
  peer.bus.subscribe('bems-aa/events', (delivery) => {
    if (delivery.type === AssignmentEvent.name) assignmentEvents.push(AssignmentEvent.decode(delivery.body));
  });
  peer.bus.subscribe('grm/events', (delivery) => {
    if (delivery.type === GridVerified.name) gridVerified.push(GridVerified.decode(delivery.body));
  });
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  const simDir = await simulateToStorage(domain, [...FEEDER, ...simulate]);
  await startModule(peer, domain, 'grm', { cimFiles: simDir });
  await startModule(peer, domain, 'brm', {});
  await startModule(peer, domain, 'ssd', {});
  await startModule(peer, domain, 'bems-aa', {});
  return { domain, peer, simDir, truth: readFeederTruth(join(simDir, 'feeder.json')), assignmentEvents, gridVerified };
}

/** The simulated span of feeder.json. */
export function simulatedSpan(simDir: string): { fromMs: number; toMs: number } {
  const grid = (JSON.parse(readFileSync(join(simDir, 'feeder.json'), 'utf8')) as { grid: { startMs: number; stepMs: number; samples: number } }).grid;
  return { fromMs: grid.startMs, toMs: grid.startMs + grid.samples * grid.stepMs };
}
