/**
 * A supervisor: starts its children in order and stops them in reverse;
 * restarts them by its strategy (one_for_one, one_for_all, rest_for_one,
 * simple_one_for_one) and their restart type, after a per-child exponential
 * backoff; more than `intensity` restarts within `periodMs` make it stop all
 * its children and escalate to its parent (reported once, as an Escalated event).
 *
 * Everything that changes the children runs one operation at a time (a
 * queue), so a crash, a command and a timer never interleave.
 */
import type { ChildInfo, ChildState } from '../schemas/generated/messages.js';
import { RESTART_TYPE, type ChildNode, type ExitInfo, type StopOptions, type StopOutcome, type TreeContext } from './child.js';
import { Backoff, IntensityWindow } from './restart-policy.js';
import type { ChildSpecNode, SupervisorSpec, WorkerSpec } from './spec.js';
import { WorkerProcess } from './worker.js';

const STRATEGY = { one_for_one: 'OneForOne', one_for_all: 'OneForAll', rest_for_one: 'RestForOne', simple_one_for_one: 'SimpleOneForOne' } as const;

export class Supervisor implements ChildNode {
  state: ChildState = 'Stopped';
  restarts = 0;
  onExit: (info: ExitInfo) => void = () => undefined;
  readonly restartKind;
  readonly children: ChildNode[] = [];
  private readonly window: IntensityWindow;
  private readonly backoffs = new Map<ChildNode, Backoff>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private queue: Promise<unknown> = Promise.resolve();
  private startedAt = 0;

  constructor(
    readonly spec: SupervisorSpec,
    readonly path: string,
    private readonly context: TreeContext,
  ) {
    this.restartKind = spec.restart;
    this.window = new IntensityWindow(spec.intensity, spec.periodMs);
    for (const child of spec.children) this.adopt(child);
  }

  get name(): string {
    return this.spec.name;
  }

  uptimeMs(): number {
    return this.state === 'Running' ? Date.now() - this.startedAt : 0;
  }

  /** Starts every child in order. */
  start(): Promise<void> {
    return this.run(async () => {
      this.window.reset();
      this.state = 'Starting';
      this.startedAt = Date.now();
      for (const child of this.children) {
        if (this.state !== 'Starting') return;
        if (child.state === 'Stopped' || child.state === 'Failed') await child.start();
      }
      this.state = 'Running';
    });
  }

  /** Stops every child in reverse order (simple_one_for_one: all at once). Without force, a refusal ends the stop. */
  stop(options: StopOptions): Promise<StopOutcome> {
    return this.run(async () => {
      this.cancelTimers();
      const previous = this.state;
      this.state = 'Stopping';
      const outcome = await this.stopChildren(this.children, options);
      this.state = outcome.stopped ? 'Stopped' : previous;
      return outcome;
    });
  }

  /** Stops one child on request; it stays stopped until started again. */
  stopChild(child: ChildNode, options: StopOptions): Promise<StopOutcome> {
    return this.run(async () => {
      const outcome = await child.stop(options);
      if (!outcome.stopped) this.context.emit({ kind: 'Refused', child: child.path, message: outcome.refused });
      return outcome;
    });
  }

  /** Starts a stopped or failed child on request. */
  startChild(child: ChildNode): Promise<void> {
    return this.run(async () => {
      if (child.state === 'Running' || child.state === 'Starting') return;
      this.backoffs.get(child)?.reset();
      await child.start();
    });
  }

  /** Stops (a refusal ends it, unless forced) and starts a child again on request. */
  restartChild(child: ChildNode, options: StopOptions): Promise<StopOutcome> {
    return this.run(async () => {
      const outcome = await child.stop(options);
      if (!outcome.stopped) {
        this.context.emit({ kind: 'Refused', child: child.path, message: outcome.refused });
        return outcome;
      }
      this.backoffs.get(child)?.reset();
      await child.start();
      child.restarts++;
      this.context.emit({ kind: 'Restarted', child: child.path, pid: child.pid, message: `on request: ${options.reason}` });
      return outcome;
    });
  }

  /** Adds a child at run time and starts it (when this supervisor runs). */
  addChild(spec: ChildSpecNode): Promise<ChildNode> {
    return this.run(async () => {
      if (this.children.some((child) => child.name === spec.name)) throw new Error(`"${this.path}" has a child named "${spec.name}" already`);
      if (this.spec.strategy === 'simple_one_for_one') {
        const template = this.spec.children[0];
        if (spec.kind !== 'worker' || (template?.kind === 'worker' && template.module !== spec.module)) {
          throw new Error(`"${this.path}" is simple_one_for_one: its children all run ${template?.kind === 'worker' ? template.module : 'one module'}`);
        }
      }
      const child = this.adopt(spec);
      this.context.emit({ kind: 'Added', child: child.path });
      if (this.state === 'Running') await child.start();
      return child;
    });
  }

  /** Every node below, depth first. */
  *descendants(): Generator<ChildNode> {
    for (const child of this.children) {
      yield child;
      if (child instanceof Supervisor) yield* child.descendants();
    }
  }

  info(): ChildInfo {
    return {
      name: this.name,
      path: this.path,
      kind: 'Supervisor',
      state: this.state,
      pid: 0,
      incarnation: 0n,
      uptimeMs: this.uptimeMs(),
      restarts: this.restarts,
      memoryBytes: 0,
      cpuPercent: 0,
      restart: RESTART_TYPE[this.spec.restart],
      strategy: STRATEGY[this.spec.strategy],
      intensity: this.spec.intensity,
      periodMs: this.spec.periodMs,
      children: this.children.map((child) => child.info()),
    };
  }

  private adopt(spec: ChildSpecNode): ChildNode {
    const path = `${this.path}/${spec.name}`;
    const child: ChildNode = spec.kind === 'worker' ? new WorkerProcess(spec satisfies WorkerSpec, path, this.context) : new Supervisor(spec, path, this.context);
    child.onExit = (info) => void this.run(() => this.childExited(child, info));
    this.children.push(child);
    this.backoffs.set(child, new Backoff(this.spec.backoff));
    return child;
  }

  private async childExited(child: ChildNode, info: ExitInfo): Promise<void> {
    // Stopped meanwhile (by a command or by this supervisor), or this supervisor is not running.
    if (child.state !== 'Failed' || (this.state !== 'Running' && this.state !== 'Starting')) return;
    if (child.restartKind === 'temporary' || (child.restartKind === 'transient' && info.normal)) {
      // Not restarted: a normal end reads Stopped, a crash stays Failed.
      if (info.normal) child.state = 'Stopped';
      return;
    }
    if (!this.window.record()) {
      await this.escalate(`more than ${this.spec.intensity} restarts within ${this.spec.periodMs} ms (last: ${child.path}, ${info.description})`);
      return;
    }
    const delay = this.backoffs.get(child)!.next(info.uptimeMs);
    let group: ChildNode[];
    const index = this.children.indexOf(child);
    if (this.spec.strategy === 'one_for_all') group = [...this.children];
    else if (this.spec.strategy === 'rest_for_one') group = this.children.slice(index);
    else group = [child];
    const others = group.filter((sibling) => sibling !== child);
    if (others.length > 0) await this.stopChildren(others, { force: true, reason: `${this.spec.strategy}: ${child.name} failed` });
    // A temporary sibling is never restarted, even when its sibling's death stopped it.
    const restart = group.filter((member) => member === child || member.restartKind !== 'temporary');
    for (const member of restart) member.state = 'BackingOff';
    if (delay > 0) this.context.emit({ kind: 'BackingOff', child: child.path, message: `restart in ${delay} ms` });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(async () => {
        for (const member of restart) {
          if (member.state !== 'BackingOff' || this.state !== 'Running') continue;
          await member.start();
          member.restarts++;
          this.context.emit({ kind: 'Restarted', child: member.path, pid: member.pid, message: member === child ? info.description : `${this.spec.strategy} after ${child.name}` });
        }
      });
    }, delay);
    this.timers.add(timer);
  }

  private async escalate(why: string): Promise<void> {
    this.context.emit({ kind: 'Escalated', child: this.path, message: why });
    this.cancelTimers();
    this.state = 'Stopping';
    await this.stopChildren(this.children, { force: true, reason: `supervisor ${this.path} escalates` });
    this.state = 'Failed';
    queueMicrotask(() => this.onExit({ normal: false, code: null, signal: null, description: `escalated: ${why}`, pid: 0, uptimeMs: Date.now() - this.startedAt }));
  }

  private async stopChildren(children: readonly ChildNode[], options: StopOptions): Promise<StopOutcome> {
    for (const child of children) if (child.state === 'BackingOff' || child.state === 'Failed') child.state = 'Stopped';
    if (this.spec.strategy === 'simple_one_for_one') {
      const outcomes = await Promise.all(children.map((child) => child.stop(options)));
      return outcomes.find((outcome) => !outcome.stopped) ?? { stopped: true };
    }
    for (const child of [...children].reverse()) {
      if (child.state === 'Stopped') continue;
      const outcome = await child.stop(options);
      if (!outcome.stopped) {
        this.context.emit({ kind: 'Refused', child: child.path, message: outcome.refused });
        return outcome;
      }
    }
    return { stopped: true };
  }

  private cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
