/**
 * The host agent: the root supervisor of a host and a bus peer holding role
 * `supervisor`. It answers TreeRequest, ChildCommand, AddChild and
 * LogsRequest, publishes every SupervisorEvent on topic "supervisor/events",
 * kills children whose bus heartbeats stopped, and stops the whole tree in
 * reverse order when asked to stop.
 */
import { cpus, freemem, hostname, loadavg, totalmem } from 'node:os';
import { Bus, type Delivery, type ReplyValue } from '../core/bus/bus.js';
import type { BusOptionsInput, Keyring } from '../core/bus/config.js';
import type { MessageType } from '../core/schema/message-type.js';
import {
  AddChild,
  ChildCommand,
  ChildCommandReply,
  HostStatus,
  HostStatusRequest,
  LogsReply,
  LogsRequest,
  SupervisorEvent,
  TreeReply,
  TreeRequest,
} from '../schemas/generated/messages.js';
import type { ChildNode, TreeContext, TreeEvent } from './child.js';
import { RegistryWatcher } from './registry-watcher.js';
import { TreeSpecError, validateChild, type TreeSpec } from './spec.js';
import { Supervisor } from './supervisor.js';
import { contextFor } from './tree-file.js';
import { WorkerProcess } from './worker.js';

export const SUPERVISOR_ROLE = 'supervisor';
export const EVENTS_TOPIC = 'supervisor/events';
/** Where every agent publishes its HostStatus (core/provisioning/rollout/host-monitor.ts listens on it). */
export const HOSTS_TOPIC = 'supervisor/hosts';
/** Default period of the HostStatus publication. */
export const HOST_STATUS_INTERVAL_MS = 2000;

export interface AgentOptions {
  readonly tree: TreeSpec;
  /** Where the agent and its children meet on the bus. */
  readonly discovery: { port: number; cluster: string; interface?: string; seeds?: readonly string[] };
  /** CURVE keyring file, passed on to the children too. */
  readonly keyringFile?: string;
  readonly keyring?: Keyring;
  /** Working directory of the module processes (default: this process's). */
  readonly cwd?: string;
  /** Base folder of relative module files in AddChild (default: cwd). */
  readonly baseDir?: string;
  /** How long a starting module may take to register before its next sibling starts anyway (default 10 s). */
  readonly registerTimeoutMs?: number;
  /** Bus name of the agent (default "host-agent"). */
  readonly name?: string;
  /** Gets every SupervisorEvent from the first start on (onEvent() only from when it is called). */
  readonly onEvent?: (event: SupervisorEvent) => void;
  /**
   * Period of the HostStatus publication on HOSTS_TOPIC (default: GRIDLINK_HOST_STATUS_MS, else 2 s).
   * 0 publishes none (HostStatusRequest is still answered).
   */
  readonly hostStatusIntervalMs?: number;
}

export class HostAgent {
  /**
   * GRIDLINK_HOST_NAME names the host when the OS host name does not tell hosts apart (the
   * rollout sets it to the inventory name; network namespaces of one machine share a host name).
   */
  readonly host = process.env.GRIDLINK_HOST_NAME || hostname();
  private hostStatusTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly stopListeners = new Set<(reason: string) => void>();
  private stopping: Promise<void> | undefined;
  private stopExpired: () => void = () => undefined;

  private constructor(
    readonly bus: Bus,
    readonly root: Supervisor,
    private readonly watcher: RegistryWatcher,
    private readonly options: AgentOptions,
  ) {}

  /** Joins the bus, starts the tree in order and resolves once every child started. */
  static async start(options: AgentOptions): Promise<HostAgent> {
    const input: BusOptionsInput = {
      name: options.name ?? 'host-agent',
      version: '0.1.0',
      keyring: options.keyring,
      heartbeat: options.tree.liveness,
      discovery: {
        port: options.discovery.port,
        cluster: options.discovery.cluster,
        interface: options.discovery.interface,
        seeds: (options.discovery.seeds ?? []).map((endpoint) => ({ endpoint })),
      },
    };
    const bus = await Bus.start(input, {
      roles: [{ name: SUPERVISOR_ROLE, requestTypes: [TreeRequest.name, ChildCommand.name, AddChild.name, LogsRequest.name, HostStatusRequest.name] }],
      publishes: [EVENTS_TOPIC, HOSTS_TOPIC],
    });
    const watcher = new RegistryWatcher(bus);
    let agent: HostAgent | undefined;
    const context: TreeContext = {
      bus,
      watcher,
      logs: options.tree.logs,
      childBusArgs: childBusArgs(options),
      cwd: options.cwd ?? process.cwd(),
      registerTimeoutMs: options.registerTimeoutMs ?? 10_000,
      emit: (event) => agent?.publish(event),
    };
    const root = new Supervisor(options.tree.root, options.tree.root.name, context);
    agent = new HostAgent(bus, root, watcher, options);
    if (options.onEvent) agent.onEvent(options.onEvent);
    agent.serve();
    root.onExit = (info) => agent.rootFailed(info.description);
    await root.start();
    agent.startHostStatus();
    return agent;
  }

  /** Every SupervisorEvent, as published. */
  onEvent(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when the root supervisor gave up (its intensity was exceeded): everything is stopped then. */
  onRootFailed(listener: (reason: string) => void): () => void {
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  tree(): TreeReply {
    return { host: this.host, root: this.root.info() };
  }

  /** A child by path ("root/grid/grm") or by a name that is unique in the tree. */
  find(child: string): ChildNode | undefined {
    if (child === this.root.path) return this.root;
    const all = [...this.root.descendants()];
    return all.find((node) => node.path === child) ?? singleOrNone(all.filter((node) => node.name === child));
  }

  async command(command: ChildCommand): Promise<ChildCommandReply> {
    const name = command.child ?? '';
    const child = this.find(name);
    if (!child) return { ok: false, refused: false, message: `no child "${name}" (give its path, e.g. root/name, or a unique name)` };
    const options = { force: command.force, reason: command.reason || `${command.action} on request` };
    if (child === this.root) {
      if (command.action !== 'Stop') return { ok: false, refused: false, message: 'the root can only be stopped (stop the agent to end it)' };
      const outcome = await this.root.stop(options);
      return outcome.stopped ? { ok: true, refused: false, message: 'stopped' } : { ok: false, refused: true, message: outcome.refused };
    }
    const parent = this.parentOf(child);
    if (command.action === 'Start') {
      await parent.startChild(child);
      return { ok: child.state === 'Running', refused: false, message: child.state === 'Running' ? 'started' : `state ${child.state}` };
    }
    const outcome = command.action === 'Stop' ? await parent.stopChild(child, options) : await parent.restartChild(child, options);
    if (!outcome.stopped) return { ok: false, refused: true, message: outcome.refused };
    return { ok: true, refused: false, message: command.action === 'Stop' ? 'stopped' : 'restarted' };
  }

  async addChild(request: AddChild): Promise<ChildCommandReply> {
    const supervisorPath = request.supervisor || this.root.path;
    const target = this.find(supervisorPath);
    if (!(target instanceof Supervisor)) return { ok: false, refused: false, message: `no supervisor "${supervisorPath}"` };
    const spec = request.spec;
    if (!spec) return { ok: false, refused: false, message: 'AddChild.spec: missing' };
    try {
      const raw = {
        name: spec.name,
        module: spec.module,
        ...(spec.config ? { config: spec.config } : {}),
        restart: spec.restart.toLowerCase(),
        shutdown: spec.shutdownMs < 0 ? 'infinity' : spec.shutdownMs === 0 ? 'brutal_kill' : spec.shutdownMs,
      };
      const child = await target.addChild(validateChild(raw, 'AddChild.spec', contextFor(this.options.baseDir ?? this.options.cwd ?? process.cwd())));
      return { ok: true, refused: false, message: `added ${child.path}` };
    } catch (error) {
      return { ok: false, refused: false, message: error instanceof TreeSpecError ? error.message : (error as Error).message };
    }
  }

  /** How busy this host is now: load, CPUs, memory and the running module processes of the tree. */
  hostStatus(): HostStatus {
    let running = 0;
    for (const node of this.root.descendants()) if (node instanceof WorkerProcess && node.state === 'Running') running++;
    return {
      host: this.host,
      agentId: this.bus.id,
      agentPid: process.pid,
      load1m: loadavg()[0],
      cpuCount: Math.max(1, cpus().length),
      freeMemoryBytes: freemem(),
      totalMemoryBytes: totalmem(),
      runningModules: running,
      atMs: Date.now(),
    };
  }

  logs(request: LogsRequest): LogsReply {
    const child = this.find(request.child ?? '');
    if (!(child instanceof WorkerProcess)) return { child: request.child, lines: [] };
    return { child: child.path, lines: child.log.tail(Math.max(1, request.lines)) };
  }

  /** Stops the tree in reverse order (forced: refusals are overridden) and leaves the bus. Idempotent. */
  stop(reason = 'host agent stopping'): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.hostStatusTimer);
      try {
        await this.root.stop({ force: true, reason });
      } finally {
        this.stopExpired();
        this.watcher.close();
        for (const node of this.root.descendants()) if (node instanceof WorkerProcess) node.log.close();
        await this.bus.close(reason);
      }
    })();
    return this.stopping;
  }

  private parentOf(child: ChildNode): Supervisor {
    const parentPath = child.path.slice(0, child.path.lastIndexOf('/'));
    const parent = parentPath === this.root.path ? this.root : this.find(parentPath);
    if (!(parent instanceof Supervisor)) throw new Error(`no parent supervisor for ${child.path}`);
    return parent;
  }

  private publish(event: TreeEvent): void {
    const full: SupervisorEvent = {
      host: this.host,
      kind: event.kind,
      child: event.child,
      pid: event.pid ?? 0,
      exitCode: event.exitCode ?? -1,
      signal: event.signal ?? '',
      message: event.message ?? '',
      atMs: Date.now(),
    };
    try {
      this.bus.publish(EVENTS_TOPIC, SupervisorEvent, full);
    } catch (error) {
      this.bus.log.warn('could not publish a supervisor event', { error: (error as Error).message });
    }
    for (const listener of this.listeners) listener(full);
  }

  private startHostStatus(): void {
    const fromEnv = Number(process.env.GRIDLINK_HOST_STATUS_MS);
    const intervalMs = this.options.hostStatusIntervalMs ?? (Number.isFinite(fromEnv) && fromEnv >= 0 && process.env.GRIDLINK_HOST_STATUS_MS ? fromEnv : HOST_STATUS_INTERVAL_MS);
    if (intervalMs <= 0) return;
    const publish = (): void => {
      try {
        this.bus.publish(HOSTS_TOPIC, HostStatus, this.hostStatus());
      } catch (error) {
        this.bus.log.warn('could not publish the host status', { error: (error as Error).message });
      }
    };
    publish();
    this.hostStatusTimer = setInterval(publish, intervalMs);
    // The agent lives as long as its bus; the timer must not keep a stopping process alive.
    this.hostStatusTimer.unref();
  }

  private rootFailed(reason: string): void {
    this.bus.log.error('the root supervisor gave up', { reason });
    for (const listener of this.stopListeners) listener(reason);
  }

  private serve(): void {
    const answer = <T, R>(type: MessageType<T>, replyType: MessageType<R>, handler: (value: T) => R | Promise<R>): void => {
      this.bus.handle(type.name, async (delivery: Delivery): Promise<ReplyValue> => {
        const value = await handler(type.decode(delivery.body));
        return { type: replyType.name, body: replyType.encode(value) };
      });
    };
    answer(TreeRequest, TreeReply, () => this.tree());
    answer(ChildCommand, ChildCommandReply, (command) => this.command(command));
    answer(AddChild, ChildCommandReply, (request) => this.addChild(request));
    answer(LogsRequest, LogsReply, (request) => this.logs(request));
    answer(HostStatusRequest, HostStatus, () => this.hostStatus());
    this.stopExpired = this.watcher.onExpired((pid, record, reason) => {
      for (const node of this.root.descendants()) {
        if (node instanceof WorkerProcess && node.pid === pid) {
          this.bus.log.warn('a child stopped sending heartbeats: killing it', { child: node.path, pid, id: record.id, reason });
          node.killUnresponsive(`heartbeats stopped (${reason})`);
        }
      }
    });
  }
}

function childBusArgs(options: AgentOptions): string[] {
  const d = options.discovery;
  return [
    '--port',
    String(d.port),
    '--cluster',
    d.cluster,
    ...(d.interface ? ['--interface', d.interface] : []),
    ...(d.seeds ?? []).flatMap((seed) => ['--seed', seed]),
    ...(options.keyringFile ? ['--keyring', options.keyringFile] : []),
  ];
}

function singleOrNone<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}
