import { isDeepStrictEqual } from 'node:util';
import { ConfigApplied, ConfigChanged, ShutdownReply, ShutdownRequest } from '../../schemas/generated/messages.js';
import { Bus, type Delivery, type ReplyValue } from '../bus/bus.js';
import type { BusOptionsInput } from '../bus/config.js';
import { buildProxies } from '../bus/proxies/from-config.js';
import type { RoleEntry } from '../bus/registry.js';
import { loadModuleConfig, parseModuleConfig, watchModuleConfig, type ModuleConfig } from '../config/module-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { MessageType } from '../schema/message-type.js';
import { Mailbox } from './mailbox.js';
import { ReplyLater } from './reply-later.js';
import { ReplyError, type Declarations, type MessageMeta, type Module, type ModuleClass, type ModuleContext, type RoleDeclaration } from './module.js';
import { StateStore } from './state-store.js';

/** Roles every module holds: address one instance as "shutdown@<id or name>". */
export const SHUTDOWN_ROLE = 'shutdown';
export const CONFIG_ROLE = 'config';

export interface RunOptions {
  /** A configuration file (JSON); watched for changes. */
  configPath?: string;
  /** A configuration given in code (tests, embedding); ignored when configPath is set. */
  config?: unknown;
  /** Bus options that win over the file (e.g. from command-line flags). */
  busOverrides?: Partial<Omit<BusOptionsInput, 'name'>>;
  /** Exit the process when the module stops (true for `gridlink run`). */
  exitOnStop?: boolean;
}

type Handler = (body: Uint8Array, meta: MessageMeta) => Promise<ReplyValue | void>;

/**
 * Runs one module class as this process: reads its configuration, collects
 * its declarations, starts its bus node, restores its state, wires every
 * handler through the module's mailbox, and handles the lifecycle
 * (ShutdownRequest, configuration changes, signals, escalation).
 */
export class ModuleRuntime<Config = Record<string, unknown>> {
  readonly log: Logger;
  readonly mailbox: Mailbox;
  private bus?: Bus;
  private module!: Module<Config>;
  private config: ModuleConfig;
  private readonly handlers = new Map<string, { roles: Set<string>; handle: Handler }>();
  private readonly topics: { topic: string; handler: (d: Delivery) => void }[] = [];
  private readonly publishes: string[] = [];
  private readonly state: StateStore;
  private stopWatching?: () => void;
  private stopping?: Promise<void>;
  /**
   * Set once a shutdown is accepted: from then on the module takes no more messages (a request
   * fails at once, a publication is dropped), so nothing changes the state it hands over.
   */
  private leaving = false;
  private revision = 0;
  /** Senders (and types) of publications that did not decode as their declared type: each is logged once. */
  private readonly undecodableSources = new Set<string>();
  private readonly stopped: Promise<void>;
  private markStopped!: () => void;

  private constructor(private readonly moduleClass: ModuleClass<Config>, private readonly options: RunOptions) {
    const info = moduleClass.info;
    if (!info?.name || !info.version) throw new Error('a module class needs `static info = { name, version }`');
    this.log = createLogger(info.name);
    this.config = options.configPath ? loadModuleConfig(options.configPath) : parseModuleConfig(options.config ?? {}, 'configuration');
    this.mailbox = new Mailbox(info.name, (error) => this.log.error('mailbox task failed', { error: describe(error) }));
    this.state = new StateStore(this.config.stateDir, info.name, this.log);
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
  }

  /** Starts a module; resolves once it runs on the bus. */
  static async start<C>(moduleClass: ModuleClass<C>, options: RunOptions = {}): Promise<ModuleRuntime<C>> {
    const runtime = new ModuleRuntime(moduleClass, options);
    try {
      await runtime.open();
    } catch (error) {
      // A module whose start failed leaves the bus at once (peers learn it is gone) and frees
      // what it opened, instead of lingering half-started until something else ends the process.
      runtime.mailbox.stop();
      await runtime.bus?.close('start failed').catch(() => undefined);
      throw error;
    }
    return runtime;
  }

  get busNode(): Bus {
    if (!this.bus) throw new Error('the bus is not started yet');
    return this.bus;
  }

  /** Resolves when the module has stopped. */
  whenStopped(): Promise<void> {
    return this.stopped;
  }

  private settings(): Config {
    return { ...this.moduleClass.defaults, ...this.config.settings } as Config;
  }

  private async open(): Promise<void> {
    const info = this.moduleClass.info;
    const context: ModuleContext<Config> = {
      bus: () => this.busNode,
      log: this.log,
      mailbox: this.mailbox,
      config: this.settings(),
      stateDir: this.config.stateDir,
      escalate: (error, where) => this.escalate(error, where),
    };
    this.module = new this.moduleClass(context);
    this.module.declare(this.declarations());
    this.declareLifecycle();

    const roles = new Map<string, string[]>();
    for (const [type, entry] of this.handlers) for (const role of entry.roles) (roles.get(role) ?? roles.set(role, []).get(role)!).push(type);
    const roleEntries: RoleEntry[] = [...roles].map(([name, requestTypes]) => ({ name, requestTypes }));
    this.bus = await Bus.start(
      { ...this.config.bus, ...this.options.busOverrides, name: info.name, version: info.version } as BusOptionsInput,
      { roles: roleEntries, topics: [], publishes: this.publishes },
    );
    this.bus.setDefaultErrorHandler((error) => this.mailbox.post(() => this.module.onError(error)));
    this.applyProxies();
    for (const [type, entry] of this.handlers) {
      this.bus.handle(type, (delivery) => entry.handle(delivery.body, delivery));
    }
    this.bus.declare({ state: 'starting' });

    const saved = this.state.load();
    if (saved !== undefined) {
      await this.mailbox.call(() => this.module.restoreState(saved));
      this.log.info('state restored', { file: this.state.path });
    }
    await this.mailbox.call(() => this.module.start());
    for (const { topic, handler } of this.topics) this.bus.subscribe(topic, handler);
    this.bus.declare({ state: 'running' });

    if (this.options.configPath) {
      this.stopWatching = watchModuleConfig(
        this.options.configPath,
        (config) => void this.reconfigure(config, 'file'),
        (error) => this.log.error('configuration change ignored', { error: error.message }),
      );
    }
    if (this.options.exitOnStop) this.installProcessHandlers();
    this.log.info('module running', { id: this.bus.id, version: info.version, roles: roleEntries.map((r) => r.name).join(',') });
  }

  /**
   * How handlers run: module handlers in the mailbox, one at a time. The
   * implicit lifecycle roles are urgent: when a task is under way (say, awaiting
   * a slow request for seconds), they do not queue behind it but run at once,
   * at that task's await point, so an administrator's ShutdownRequest or
   * ConfigChanged is answered promptly. With an idle mailbox they run in it.
   */
  private declarations(urgent = false): Declarations {
    const run = <T>(task: () => T | Promise<T>): Promise<T> => {
      if (urgent) return this.mailbox.depth > 0 ? Promise.resolve().then(task) : this.mailbox.call(task);
      // Checked when the task's turn comes, so messages queued behind an accepted shutdown fail too.
      return this.mailbox.call(() => {
        if (this.leaving) throw new Error(`${this.moduleClass.info.name} is shutting down and takes no more messages; ask again`);
        return task();
      });
    };
    const add = (role: string, type: MessageType<unknown>, handle: Handler): void => {
      const existing = this.handlers.get(type.name);
      if (existing && existing.handle !== handle) throw new Error(`${type.name} has two handlers; one handler per message type`);
      const entry = existing ?? { roles: new Set<string>(), handle };
      entry.roles.add(role);
      this.handlers.set(type.name, entry);
    };
    const role = (name: string): RoleDeclaration => {
      const declaration: RoleDeclaration = {
        on: (type, handler) => {
          type Reply = Parameters<typeof type.reply.encode>[0];
          const encode = async (reply: Reply | Promise<Reply>): Promise<ReplyValue> => {
            try {
              return { type: type.reply.name, body: type.reply.encode(await reply) };
            } catch (error) {
              if (error instanceof ReplyError) return { type: error.type.name, body: error.type.encode(error.value), error: true };
              throw error;
            }
          };
          add(name, type as MessageType<unknown>, async (body, meta) => {
            // The mailbox turn ends when the handler returns; a ReplyLater is awaited outside it.
            const result = await run(async (): Promise<ReplyValue | ReplyLater<Reply>> => {
              let reply: Reply | ReplyLater<Reply>;
              try {
                reply = await handler(type.decode(body), meta);
              } catch (error) {
                return encode(Promise.reject(error));
              }
              return reply instanceof ReplyLater ? reply : encode(reply);
            });
            return result instanceof ReplyLater ? encode(result.reply) : result;
          });
          return declaration;
        },
        onSend: (type, handler) => {
          add(name, type as MessageType<unknown>, (body, meta) => run(() => handler(type.decode(body), meta)));
          return declaration;
        },
      };
      return declaration;
    };
    return {
      role,
      topic: (topic, type, handler) => {
        this.topics.push({
          topic,
          handler: (delivery) => {
            if (delivery.type !== type.name) {
              this.log.debug('publication of another type ignored', { topic, type: delivery.type, expected: type.name });
              return;
            }
            this.mailbox.post(async () => {
              if (this.leaving) return;
              let value;
              try {
                value = type.decode(delivery.body);
              } catch (error) {
                const source = `${delivery.sender}\u0000${delivery.type}`;
                if (!this.undecodableSources.has(source) && this.undecodableSources.size < 1000) {
                  this.undecodableSources.add(source);
                  this.log.warn('undecodable publication dropped (further ones from this sender are counted, not logged)', {
                    topic,
                    type: delivery.type,
                    sender: delivery.sender,
                    error: describe(error),
                  });
                }
                return;
              }
              await handler(value, delivery);
            });
          },
        });
      },
      publishes: (...topics) => this.publishes.push(...topics),
    };
  }

  /** The implicit roles: shutdown and config, each addressable per instance. */
  private declareLifecycle(): void {
    const role = this.declarations(true).role;
    role(SHUTDOWN_ROLE).on(ShutdownRequest, async (ask) => {
      const force = ask.force ?? false;
      const decision = await this.module.shutdown({ reason: ask.reason ?? '', force });
      if (!decision.accept && !force) {
        this.log.info('shutdown refused', { reason: decision.reason, asked: ask.reason ?? '' });
        return { accepted: false, reason: decision.reason };
      }
      this.log.info('shutdown accepted', { reason: ask.reason ?? '', force });
      this.leaving = true;
      this.bus?.declare({ state: 'stopping' });
      // Saved now, should the process be killed before it gets further, and again in stop()
      // once the mailbox has run dry (a task under way may still change the state).
      this.saveState();
      // Answer first, then leave: the reply must reach the administrator.
      setTimeout(() => void this.stop('shutdown request'), 50);
      return { accepted: true, reason: decision.accept ? '' : `forced over: ${decision.reason}` };
    });
    void ShutdownReply;
    role(CONFIG_ROLE).on(ConfigChanged, async (change) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(change.configJson ?? '{}');
      } catch (error) {
        return { revision: change.revision, applied: false, message: `ConfigChanged.configJson: not valid JSON: ${describe(error)}` };
      }
      let next: ModuleConfig;
      try {
        next = parseModuleConfig(parsed, 'ConfigChanged.configJson');
      } catch (error) {
        return { revision: change.revision, applied: false, message: describe(error) };
      }
      await this.reconfigure(next, 'bus', false);
      return { revision: change.revision, applied: true, message: `revision ${this.revision}` };
    });
    void ConfigApplied;
  }

  /** Applies a new configuration: proxies at once (invisible to the module), settings through configChanged. */
  private async reconfigure(next: ModuleConfig, source: string, viaMailbox = true): Promise<void> {
    const previous = this.config;
    this.config = { ...next, bus: previous.bus, stateDir: previous.stateDir };
    this.revision++;
    if (!isDeepStrictEqual(next.proxies, previous.proxies)) this.applyProxies();
    const before = this.context().config;
    const after = this.settings();
    if (!isDeepStrictEqual(before, after)) {
      this.context().config = after;
      const run = () => this.module.configChanged(after, before);
      if (viaMailbox) await this.mailbox.call(run);
      else await run();
    }
    if (!isDeepStrictEqual(next.bus, previous.bus)) this.log.warn('bus options changed; they take effect at the next start', { source });
    this.log.info('configuration applied', { source, revision: this.revision });
  }

  private context(): ModuleContext<Config> {
    return (this.module as unknown as { context: ModuleContext<Config> }).context;
  }

  private applyProxies(): void {
    try {
      const chains = buildProxies(this.config.proxies, this.log);
      this.busNode.setProxies(chains.outbound, chains.inbound);
    } catch (error) {
      this.log.error('proxy configuration rejected; the previous proxies stay', { error: describe(error) });
    }
  }

  private saveState(): void {
    try {
      this.state.save(this.module.saveState());
    } catch (error) {
      this.log.error('could not save state', { error: describe(error), file: this.state.path });
    }
  }

  /** Saves the state once the tasks in the mailbox have run, or after `limitMs` if one hangs. */
  private async saveStateWhenIdle(limitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
    await Promise.race([this.mailbox.call(() => this.saveState()), limit]).catch((error: unknown) =>
      this.log.warn('state not saved again at stop', { error: describe(error) }),
    );
    clearTimeout(timer);
  }

  /** Leaves the bus and releases everything; idempotent. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('stopping', { reason });
      this.stopWatching?.();
      try {
        this.bus?.declare({ state: 'stopping' });
        if (this.leaving) await this.saveStateWhenIdle(2000);
        await this.module.release();
        await this.bus?.close(reason);
      } finally {
        this.mailbox.stop();
        this.markStopped();
        if (this.options.exitOnStop) process.exit(0);
      }
    })();
    return this.stopping;
  }

  /** A failure in-process supervision does not absorb: end the process so its OS supervisor restarts it. */
  private escalate(error: unknown, where: string): void {
    this.log.error('escalating: the module process exits for its supervisor to restart it', { where, error: describe(error) });
    if (this.options.exitOnStop) {
      void this.bus?.close('escalated').finally(() => process.exit(70));
      setTimeout(() => process.exit(70), 1000).unref();
    }
  }

  private installProcessHandlers(): void {
    const onSignal = (signal: string) => () => {
      // SIGTERM is the supervisor's "stop now": save what can be saved and go.
      this.saveState();
      void this.stop(signal);
    };
    process.once('SIGTERM', onSignal('SIGTERM'));
    process.once('SIGINT', onSignal('SIGINT'));
    process.on('uncaughtException', (error) => this.escalate(error, 'uncaught exception'));
    process.on('unhandledRejection', (error) => this.escalate(error, 'unhandled rejection'));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
