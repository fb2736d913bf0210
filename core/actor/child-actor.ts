import type { Logger } from '../log/logger.js';
import { Mailbox } from './mailbox.js';

export type ChildRestart = 'permanent' | 'transient' | 'temporary';

export interface ChildOptions<S> {
  /** Fresh state at start and after every restart. */
  initialState: () => S;
  /** permanent/transient: a crash restarts the child with fresh state; temporary: a crash stops it. */
  restart?: ChildRestart;
  /** More crashes than this within `withinMs` escalate to the module. Default 3 in 5 s (OTP's spirit, a bit more lenient). */
  maxRestarts?: number;
  withinMs?: number;
}

export type ChildBehavior<S, M> = (state: S, message: M) => S | Promise<S>;

/**
 * An actor inside a module process, supervised by the module: its messages
 * run one at a time; a message that throws restarts it with fresh state
 * (the message is lost, as in OTP); too many crashes in a window escalate,
 * which ends the module process so that its OS-level supervisor restarts it.
 */
export class ChildActor<M, S = unknown> {
  private state: S;
  private readonly mailbox: Mailbox;
  private readonly crashes: number[] = [];
  private stopped = false;
  restarts = 0;

  constructor(
    readonly name: string,
    private readonly behavior: ChildBehavior<S, M>,
    private readonly options: ChildOptions<S>,
    private readonly log: Logger,
    private readonly escalate: (error: unknown, child: string) => void,
  ) {
    this.state = options.initialState();
    this.mailbox = new Mailbox(`child-${name}`, (error) => this.log.error('child mailbox error', { child: name, error: String(error) }));
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Posts a message; it is handled after the ones before it. */
  tell(message: M): void {
    if (this.stopped) return;
    this.mailbox.post(async () => {
      await this.handle(message);
    });
  }

  /** Posts a message and resolves once it was handled (rejects if it crashed the child). */
  async tellAndWait(message: M): Promise<void> {
    if (this.stopped) throw new Error(`child ${this.name} is stopped`);
    let failure: unknown;
    await this.mailbox.call(async () => {
      failure = await this.handle(message);
    });
    if (failure !== undefined) throw failure;
  }

  /** Reads the state inside the mailbox (after every message posted before). */
  inspect<R>(read: (state: S) => R): Promise<R> {
    return this.mailbox.call(() => read(this.state));
  }

  stop(): void {
    this.stopped = true;
    this.mailbox.stop();
  }

  private async handle(message: M): Promise<unknown> {
    if (this.stopped) return undefined;
    try {
      this.state = await this.behavior(this.state, message);
      return undefined;
    } catch (error) {
      this.crashed(error);
      return error;
    }
  }

  private crashed(error: unknown): void {
    const now = Date.now();
    const within = this.options.withinMs ?? 5000;
    const max = this.options.maxRestarts ?? 3;
    this.crashes.push(now);
    while (this.crashes.length && this.crashes[0] < now - within) this.crashes.shift();
    if ((this.options.restart ?? 'permanent') === 'temporary') {
      this.log.warn('temporary child crashed; stopped', { child: this.name, error: String(error) });
      this.stop();
      return;
    }
    if (this.crashes.length > max) {
      this.log.error('child crashed too often; escalating', { child: this.name, crashes: this.crashes.length, withinMs: within, error: String(error) });
      this.stop();
      this.escalate(error, this.name);
      return;
    }
    this.restarts++;
    this.state = this.options.initialState();
    this.log.warn('child crashed; restarted with fresh state', { child: this.name, restarts: this.restarts, error: String(error) });
  }
}
