/**
 * Places a module on a host chosen by policy: AddChild to that host's agent, addressed as
 * "supervisor@<agent id>" (bus ids are unique; every agent has the same bus name, "host-agent").
 */
import type { Bus } from '../../bus/bus.js';
import { AddChild, ChildCommandReply, type RestartType } from '../../../schemas/generated/messages.js';
import { AGENT_ROLE, type HostMonitor } from './host-monitor.js';
import { choosePlacement, PlacementError, type PlacementDecision, type PlacementPolicy } from './placement.js';

export interface ModuleToPlace {
  /** Child name, unique under its supervisor. */
  name: string;
  /** As `gridlink run` takes it on the host: a module name (examples/monitor) or a file there. */
  module: string;
  /** Configuration file on the host. */
  config?: string;
  /** Supervisor path on the host (default "root"). */
  supervisor?: string;
  restart?: RestartType;
  shutdownMs?: number;
}

export interface Placement {
  decision: PlacementDecision;
  /** The agent's answer, e.g. "added root/monitor". */
  message: string;
}

export async function placeModule(
  bus: Bus,
  monitor: HostMonitor,
  policy: PlacementPolicy,
  module: ModuleToPlace,
  options: { spreadCursor?: number; timeoutMs?: number } = {},
): Promise<Placement> {
  // Fresh figures, taken within milliseconds of each other: published ones are up to a period
  // old and from different moments, which can matter more than the difference between hosts.
  await Promise.all(monitor.list().filter((host) => !host.lost && host.status.agentId).map((host) => monitor.refresh(host.status.agentId!).catch(() => undefined)));
  const decision = choosePlacement(policy, monitor.list(), options.spreadCursor ?? 0);
  const reply = await bus.request(
    `${AGENT_ROLE}@${decision.agentId}`,
    AddChild,
    {
      supervisor: module.supervisor ?? 'root',
      spec: { name: module.name, module: module.module, config: module.config, restart: module.restart ?? 'Permanent', shutdownMs: module.shutdownMs ?? 5000 },
    },
    ChildCommandReply,
    { timeoutMs: options.timeoutMs ?? 30_000 },
  );
  if (!reply.ok) throw new PlacementError(`host ${decision.host} did not add ${module.name}: ${reply.message ?? 'no reason given'} (${decision.explanation})`);
  // The published status is up to a period old; the next placement should count this module.
  await monitor.refresh(decision.agentId).catch(() => undefined);
  return { decision, message: reply.message ?? '' };
}
