// The hosts the dashboard knows: each host agent's last HostStatus (topic supervisor/hosts, every
// few seconds), and agents found in the registry (role "supervisor") before their first status.
// A HostView adds the agent's supervision tree, asked with TreeRequest at `supervisor@<agent id>`.

import type { ChildInfo, ChildState, HostStatus } from '../../../schemas/generated/messages.js';
import { HostStatusRequest, TreeReply, TreeRequest } from '../../../schemas/generated/messages.js';
import type { HostView, TreeNodeView } from '../api.js';
import type { DashboardBus } from './context.js';

export const SUPERVISOR_ROLE = 'supervisor';
export const HOSTS_TOPIC = 'supervisor/hosts';

const STATES: Record<ChildState, string> = {
  Starting: 'starting',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
  BackingOff: 'backing-off',
  Failed: 'failed',
};

export function treeNodeView(node: ChildInfo): TreeNodeView {
  const view: TreeNodeView = {
    path: node.path ?? node.name ?? '',
    name: node.name ?? '',
    kind: node.kind === 'Supervisor' ? 'supervisor' : 'worker',
    state: STATES[node.state] ?? String(node.state).toLowerCase(),
  };
  if (node.kind !== 'Supervisor') {
    view.pid = node.pid;
    view.restarts = node.restarts;
    if (node.module) view.module = node.module;
  }
  if (node.children?.length) view.children = node.children.map(treeNodeView);
  return view;
}

/** The tree when the agent does not answer: the page says so instead of showing nothing. */
function unreachableTree(why: string): TreeNodeView {
  return { path: 'root', name: `root (tree unavailable: ${why})`, kind: 'supervisor', state: 'unknown' };
}

export class HostDirectory {
  private readonly statuses = new Map<string, HostStatus>();

  constructor(
    private readonly bus: DashboardBus,
    private readonly treeTimeoutMs: number,
  ) {}

  /** A HostStatus as published; returns the agent id it is for. */
  update(status: HostStatus): string | undefined {
    if (!status.agentId) return undefined;
    this.statuses.set(status.agentId, status);
    return status.agentId;
  }

  /** An agent left the bus. */
  forget(agentId: string): boolean {
    return this.statuses.delete(agentId);
  }

  async view(agentId: string): Promise<HostView | undefined> {
    const status = this.statuses.get(agentId) ?? (await this.askStatus(agentId));
    if (!status) return undefined;
    return { ...this.statusPart(status, agentId), tree: await this.tree(agentId) };
  }

  /** Every agent: cached statuses plus agents in the registry (asked for their status when not cached yet). */
  async views(): Promise<HostView[]> {
    const agents = new Set(this.statuses.keys());
    for (const record of this.bus.holders(SUPERVISOR_ROLE)) if (record.state === 'running') agents.add(record.id);
    const views = await Promise.all([...agents].map((agentId) => this.view(agentId)));
    return views.filter((v): v is HostView => v !== undefined).sort((a, b) => a.host.localeCompare(b.host) || a.agentId.localeCompare(b.agentId));
  }

  private statusPart(status: HostStatus, agentId: string): Omit<HostView, 'tree'> {
    return {
      host: status.host ?? '',
      agentId,
      load1m: status.load1m,
      cpuCount: status.cpuCount,
      freeMemoryBytes: status.freeMemoryBytes,
      totalMemoryBytes: status.totalMemoryBytes,
      runningModules: status.runningModules,
      atMs: status.atMs,
    };
  }

  private async askStatus(agentId: string): Promise<HostStatus | undefined> {
    try {
      const status = await this.bus.request(`${SUPERVISOR_ROLE}@${agentId}`, HostStatusRequest, {}, HostStatusRequest.reply, this.treeTimeoutMs);
      this.statuses.set(agentId, { ...status, agentId: status.agentId || agentId });
      return this.statuses.get(agentId);
    } catch {
      return undefined;
    }
  }

  private async tree(agentId: string): Promise<TreeNodeView> {
    try {
      const reply = await this.bus.request(`${SUPERVISOR_ROLE}@${agentId}`, TreeRequest, {}, TreeReply, this.treeTimeoutMs);
      return reply.root ? treeNodeView(reply.root) : unreachableTree('the agent sent no tree');
    } catch (error) {
      return unreachableTree(error instanceof Error ? error.message : String(error));
    }
  }
}
