// Requests for apps on other hosts. Every host runs its own host agent and its own AppManager;
// a request whose `host` names another host (or, for InstallApp, a placement policy that chooses
// another host) is forwarded over the bus to that host's AppManager, which downloads from the
// App Store and verifies with its own trusted keys. All AppManagers share the bus name and role,
// so the one of a host is found through that host's agent: the node of its tree that runs the
// app-manager module, by bus id (the registry's host field is the OS host name, which network
// namespaces or GRIDLINK_HOST_NAME do not change).

import { hostname } from 'node:os';
import type { Bus } from '../../core/bus/index.js';
import { RecipientFailureError } from '../../core/bus/index.js';
import { ReplyError } from '../../core/actor/index.js';
import type { Logger } from '../../core/log/logger.js';
import { AGENT_ROLE, choosePlacement, HostMonitor, parsePolicy, PlacementError, type KnownHost, type PlacementDecision } from '../../core/provisioning/rollout/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { AppErrorReply, TreeReply, TreeRequest, type AppsReply, type ChildInfo } from '../../schemas/generated/messages.js';
import { AppError, describe } from './app-error.js';

/** The host name the agents report (GRIDLINK_HOST_NAME overrides the machine's). */
export function thisHost(): string {
  return process.env.GRIDLINK_HOST_NAME || hostname();
}

const POLICIES = /^(least-loaded|spread|pinned:.+)$/;
/** How long a host never heard of may take to report (agents report every 2 s). */
const FIRST_REPORT_MS = 3000;

/** Where a request goes: here, or to the AppManager (bus id) of another host. */
export type Route = { kind: 'here' } | { kind: 'there'; host: string; appManagerId: string };

export interface Routed {
  route: Route;
  /** Set when a placement policy chose the host. */
  decision?: PlacementDecision;
}

export class OtherHosts {
  private monitor?: HostMonitor;
  private spreadCursor = 0;

  constructor(
    private readonly bus: () => Bus,
    private readonly log: Logger,
  ) {}

  /** Starts listening to the hosts' reports, so placement has figures by the first request. */
  watch(): void {
    this.monitor ??= new HostMonitor(this.bus());
  }

  close(): void {
    this.monitor?.close();
    this.monitor = undefined;
  }

  /** Whether `host` (a request's host field) names a placement policy. */
  static isPolicy(host: string): boolean {
    return POLICIES.test(host);
  }

  /**
   * Where a request with this host field goes. A policy chooses among the hosts that report
   * (this one included) on fresh figures; a host name goes to that host, which must be up and
   * run an AppManager on the bus, or the request fails with Unavailable naming the host.
   */
  async route(host: string | undefined, app: string): Promise<Routed> {
    if (!host || host === thisHost()) return { route: { kind: 'here' } };
    if (!OtherHosts.isPolicy(host)) return { route: await this.routeTo(host, app) };
    const policy = parsePolicy(host);
    const monitor = this.hosts();
    await this.firstReports(policy.kind === 'pinned' ? policy.host : undefined);
    await Promise.all(monitor.list().filter((h) => !h.lost && h.status.agentId).map((h) => monitor.refresh(h.status.agentId!).catch(() => undefined)));
    let decision: PlacementDecision;
    try {
      decision = choosePlacement(policy, monitor.list(), policy.kind === 'spread' ? this.spreadCursor++ : 0);
    } catch (error) {
      if (error instanceof PlacementError) throw new AppError('Unavailable', error.message, app);
      throw error;
    }
    this.log.info('app placed', { app, host: decision.host, explanation: decision.explanation });
    const route = decision.host === thisHost() ? ({ kind: 'here' } as const) : await this.routeTo(decision.host, app);
    return { route, decision };
  }

  /**
   * Sends the request to the AppManager of another host (host cleared, so it runs there) and
   * marks the apps of the reply with that host. Its refusals come back as they are (the
   * AppErrorReply of that AppManager); no answer at all is Unavailable naming the host.
   */
  async forward<T extends { host?: string }>(route: Extract<Route, { kind: 'there' }>, type: RequestType<T, AppsReply>, request: T, timeoutMs: number): Promise<AppsReply> {
    let reply: AppsReply;
    try {
      reply = await this.bus().request(`app-manager@${route.appManagerId}`, type, { ...request, host: '' }, type.reply, { timeoutMs });
    } catch (error) {
      if (error instanceof RecipientFailureError && error.replyType === AppErrorReply.name) {
        const refusal = AppErrorReply.decode(error.replyBody);
        throw new ReplyError(AppErrorReply, { ...refusal, message: `host ${route.host}: ${refusal.message ?? ''}` }, `${refusal.code}: host ${route.host}: ${refusal.message ?? ''}`);
      }
      const name = (request as { name?: unknown }).name;
      throw new AppError('Unavailable', `host ${route.host}: its AppManager (${route.appManagerId}) did not answer: ${describe(error)}`, typeof name === 'string' ? name : undefined);
    }
    return { ...reply, apps: (reply.apps ?? []).map((app) => ({ ...app, host: route.host })) };
  }

  private hosts(): HostMonitor {
    this.watch();
    return this.monitor!;
  }

  /** Right after a start the reports may not have arrived yet: waits a little for the first (or for `name`). */
  private async firstReports(name?: string): Promise<void> {
    const monitor = this.hosts();
    if (name !== undefined) {
      await monitor.waitFor(name, () => true, FIRST_REPORT_MS).catch(() => undefined);
      return;
    }
    const deadline = Date.now() + FIRST_REPORT_MS;
    while (monitor.list().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private async routeTo(host: string, app: string): Promise<Route> {
    await this.firstReports(host);
    const known: KnownHost | undefined = this.hosts().get(host);
    const names = this.hosts().list().map((h) => h.name).join(', ') || 'none';
    if (!known) throw new AppError('Unavailable', `host ${host}: no host agent of that name reports on the bus (known hosts: ${names})`, app);
    if (known.lost) throw new AppError('Unavailable', `host ${host} is lost: ${known.lost}`, app);
    const agentId = known.status.agentId;
    if (!agentId) throw new AppError('Unavailable', `host ${host}: its agent does not report its bus id`, app);
    let tree: TreeReply;
    try {
      tree = await this.bus().request(`${AGENT_ROLE}@${agentId}`, TreeRequest, {}, TreeReply, { timeoutMs: 5000 });
    } catch (error) {
      throw new AppError('Unavailable', `host ${host}: its agent (${agentId}) did not answer: ${describe(error)}`, app);
    }
    const id = appManagerIn(tree.root, (moduleId) => this.bus().registry.get(moduleId)?.roles.some((r) => r.name === 'app-manager') ?? false);
    if (!id) throw new AppError('Unavailable', `host ${host}: no AppManager runs on the bus there (none in its agent's tree)`, app);
    return { kind: 'there', host, appManagerId: id };
  }
}

/** The bus id of the running module in the tree that holds role app-manager. */
function appManagerIn(node: ChildInfo | undefined, isAppManager: (moduleId: string) => boolean): string | undefined {
  if (!node) return undefined;
  if (node.state === 'Running' && node.moduleId && isAppManager(node.moduleId)) return node.moduleId;
  for (const child of node.children ?? []) {
    const found = appManagerIn(child, isAppManager);
    if (found) return found;
  }
  return undefined;
}
