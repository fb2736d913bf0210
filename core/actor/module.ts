import type { Bus, Delivery } from '../bus/bus.js';
import { BusError } from '../bus/errors.js';
import type { Logger } from '../log/logger.js';
import type { MessageType, RequestType } from '../schema/message-type.js';
import { ChildActor, type ChildBehavior, type ChildOptions } from './child-actor.js';
import type { Mailbox } from './mailbox.js';
import type { ReplyLater } from './reply-later.js';
import { startWorker, type WorkerHandle } from './worker.js';

/** Name and version of a module class; the name is its registry name. */
export interface ModuleInfo {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
}

/** What a module answers to a ShutdownRequest. */
export type ShutdownDecision = { readonly accept: true } | { readonly accept: false; readonly reason: string };

export interface ShutdownAsk {
  readonly reason: string;
  /** The administrator insists; a refusal is overridden. */
  readonly force: boolean;
}

/** Metadata of a delivered message, for handlers that want it. */
export type MessageMeta = Pick<Delivery, 'kind' | 'sender' | 'target' | 'timestampMs' | 'type'>;

/**
 * A handler that throws a ReplyError answers with a typed error reply (e.g.
 * a storage ErrorReply) instead of a generic RecipientFailure.
 */
export class ReplyError<E> extends Error {
  constructor(
    readonly type: MessageType<E>,
    readonly value: E,
    message = `${type.name} error reply`,
  ) {
    super(message);
    this.name = 'ReplyError';
  }
}

export interface RequestCallOptions {
  timeoutMs?: number;
  /** Handles this call's failure instead of the module's default error handler. */
  onError?: (error: BusError) => void;
}

/** Handlers of one role, declared in Module.declare(). */
export interface RoleDeclaration {
  /**
   * Answers a request type; the handler returns the reply value, or
   * `replyLater(promise)` to end its mailbox turn before the reply is ready.
   */
  on<T, R>(
    type: RequestType<T, R>,
    handler: (value: T, meta: MessageMeta) => NoInfer<R> | ReplyLater<NoInfer<R>> | Promise<NoInfer<R> | ReplyLater<NoInfer<R>>>,
  ): RoleDeclaration;
  /** Takes a one-way message type (send). */
  onSend<T>(type: MessageType<T>, handler: (value: T, meta: MessageMeta) => void | Promise<void>): RoleDeclaration;
}

export interface Declarations {
  role(name: string): RoleDeclaration;
  /** Subscribes to a topic ("prefix/*" for a prefix) and decodes each publication as `type`. */
  topic<T>(topic: string, type: MessageType<T>, handler: (value: T, meta: MessageMeta) => void | Promise<void>): void;
  /** Topics this module publishes to (shown in the registry). */
  publishes(...topics: string[]): void;
}

/** What the runtime hands a module; authors use the Module methods instead. */
export interface ModuleContext<Config> {
  readonly bus: () => Bus;
  readonly log: Logger;
  readonly mailbox: Mailbox;
  config: Config;
  /** The folder for module state (module config `stateDir`); modules keep their own data under it. */
  readonly stateDir: string;
  readonly escalate: (error: unknown, where: string) => void;
}

/**
 * A Gridlink module: an actor in its own OS process. Subclasses set
 * `static info`, declare their roles and topics with handlers in
 * `declare()`, and override the lifecycle hooks they need. Messages reach
 * the module one at a time (its mailbox), timers too (`every`), so module
 * code never races with itself.
 *
 *   export default class Monitor extends Module {
 *     static info = { name: 'monitor', version: '1.0.0' };
 *     protected override start() { this.every(1000, () => this.poll()); }
 *   }
 */
export abstract class Module<Config = Record<string, unknown>> {
  static info: ModuleInfo;
  /** Default settings; a configuration file's "settings" are merged over them. */
  static defaults: Record<string, unknown> = {};

  private readonly children = new Map<string, ChildActor<unknown, unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly workers = new Set<WorkerHandle<unknown>>();

  constructor(protected readonly context: ModuleContext<Config>) {}

  // ------------------------------------------------------------ hooks

  /** Declares roles (with a handler per request type) and topics. Runs once, before the bus starts. */
  declare(on: Declarations): void {
    void on;
  }

  /** Restores what `saveState()` returned at the last accepted shutdown. Runs before `start()`. */
  restoreState(state: unknown): void | Promise<void> {
    void state;
  }

  /** The module is on the bus and may talk. */
  start(): void | Promise<void> {}

  /** The configuration changed at run time (file edit or ConfigChanged); no restart. */
  configChanged(next: Config, previous: Config): void | Promise<void> {
    void next;
    void previous;
  }

  /** Asked to shut down: accept (state is then saved) or refuse with a reason. Forced requests are accepted regardless. */
  shutdown(ask: ShutdownAsk): ShutdownDecision | Promise<ShutdownDecision> {
    void ask;
    return { accept: true };
  }

  /** State to hand to the next run (JSON-serialisable), asked for when a shutdown is accepted. */
  saveState(): unknown {
    return undefined;
  }

  /** The module-wide default error handler: failed requests and sends nobody else handled. */
  onError(error: BusError): void {
    this.log.warn(error.message, { code: error.code });
  }

  // ------------------------------------------------------------ for module authors

  get log(): Logger {
    return this.context.log;
  }

  get config(): Config {
    return this.context.config;
  }

  /** The folder for this module's state and data (module config `stateDir`). */
  get stateDir(): string {
    return this.context.stateDir;
  }

  /** This module's id on the bus (changes at every start). */
  get id(): string {
    return this.context.bus().id;
  }

  publish<T>(topic: string, type: MessageType<T>, value: T): void {
    this.context.bus().publish(topic, type, value);
  }

  /** Whether anyone (here or on a peer) subscribes to `topic` now: lets costly events be skipped. */
  hasSubscriber(topic: string): boolean {
    return this.context.bus().hasSubscriber(topic);
  }

  /** Sends to one holder of the role; if there is none, the default error handler hears of it. */
  send<T>(role: string, type: MessageType<T>, value: T): void {
    try {
      this.context.bus().send(role, type, value);
    } catch (error) {
      if (error instanceof BusError) this.onError(error);
      else throw error;
    }
  }

  /**
   * Asks one holder of the role and resolves with its reply. On failure
   * (no holder, timeout, error reply, peer gone) it resolves undefined and
   * the error goes to `options.onError`, or else to `onError()`, the
   * module's default error handler, which runs in the mailbox.
   */
  async request<T, R>(role: string, type: RequestType<T, R>, value: T, options: RequestCallOptions = {}): Promise<R | undefined> {
    try {
      return await this.requestOrThrow(role, type, value, options);
    } catch (error) {
      if (!(error instanceof BusError)) throw error;
      const handle = options.onError ?? ((e: BusError) => this.onError(e));
      this.context.mailbox.post(() => handle(error));
      return undefined;
    }
  }

  /** Like request(), but rejects with the BusError instead of calling a handler. */
  requestOrThrow<T, R>(role: string, type: RequestType<T, R>, value: T, options: { timeoutMs?: number } = {}): Promise<R> {
    return this.context.bus().request(role, type, value, type.reply, { timeoutMs: options.timeoutMs });
  }

  /**
   * Calls `task` every `ms` milliseconds, inside the mailbox. A tick that
   * comes while the previous one still runs (say, awaiting a slow request) is
   * skipped rather than queued, so a slow peer never piles up work. Stopped
   * at shutdown; returns the function that stops it earlier.
   */
  every(ms: number, task: () => void | Promise<void>): () => void {
    let busy = false;
    const tick = async (): Promise<void> => {
      try {
        await task();
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.context.mailbox.post(tick);
    }, ms);
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }

  /** Starts a child actor that this module supervises (see ChildActor). */
  spawnChild<M, S>(name: string, behavior: ChildBehavior<S, M>, options: ChildOptions<S>): ChildActor<M, S> {
    if (this.children.has(name)) throw new Error(`child "${name}" exists already`);
    const child = new ChildActor<M, S>(name, behavior, options, this.log.child(name), (error, where) => this.context.escalate(error, `child ${where}`));
    this.children.set(name, child as unknown as ChildActor<unknown, unknown>);
    return child;
  }

  /** Starts a worker thread for CPU-heavy work (its script calls exposeToModule). Terminated at shutdown. */
  startWorker<T>(script: URL): WorkerHandle<T> {
    const handle = startWorker<T>(script);
    this.workers.add(handle as WorkerHandle<unknown>);
    return handle;
  }

  /** Stops timers, children and workers; the runtime calls it on the way out. */
  async release(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    for (const child of this.children.values()) child.stop();
    this.children.clear();
    await Promise.all([...this.workers].map((w) => w.terminate()));
    this.workers.clear();
  }
}

/** A module class as `gridlink run` loads it. */
export type ModuleClass<Config = Record<string, unknown>> = (new (context: ModuleContext<Config>) => Module<Config>) & {
  info: ModuleInfo;
  defaults: Record<string, unknown>;
};

