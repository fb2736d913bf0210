/**
 * `gridlink console` at run time: a bus peer that polls one host agent for
 * its tree every second, redraws at once on each of the agent's
 * SupervisorEvents, fetches the log of the selected child, and turns keys
 * into ChildCommands. Every request is asynchronous with a timeout and at
 * most one of each kind is in flight, so a slow or vanished agent never
 * blocks the screen or the keys: the header says "agent not answering" and
 * the last tree stays.
 */
import type { Bus } from '../../core/bus/bus.js';
import type { ModuleRecord } from '../../core/bus/registry.js';
import {
  ChildCommand,
  ChildCommandReply,
  LogsReply,
  LogsRequest,
  SupervisorEvent,
  TreeReply,
  TreeRequest,
  type ChildAction,
  type ChildInfo,
} from '../../schemas/generated/messages.js';
import { SUPERVISOR_ROLE } from '../../supervisor/agent.js';
import { moveSelection, parseKeys, type KeyAction } from './keys.js';
import { flattenTree, renderScreen, type Connection, type ConsoleState, type LineStyle } from './render.js';
import { ENTER, frame, LEAVE } from './terminal.js';

export const EVENTS_TOPIC = 'supervisor/events';
const POLL_MS = 1000;
const TREE_TIMEOUT_MS = 2000;
const LOGS_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 20_000;
const LOG_LINES = 50;
const KEEP_EVENTS = 50;

export interface ConsoleOptions {
  readonly bus: Bus;
  readonly agent: ModuleRecord;
  readonly cluster: string;
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
  /** Aborted on SIGINT/SIGTERM: the console ends as on q. */
  readonly signal: AbortSignal;
}

/** The agents (role supervisor) in the registry, without this peer. */
export function agentsIn(bus: Bus): ModuleRecord[] {
  return bus.registry.list().filter((record) => record.id !== bus.id && record.roles.some((role) => role.name === SUPERVISOR_ROLE));
}

/** The agents `--agent` names: by module id, host name or module name. */
export function matchAgents(agents: readonly ModuleRecord[], wanted: string | undefined): ModuleRecord[] {
  if (wanted === undefined) return [...agents];
  const byId = agents.filter((record) => record.id === wanted);
  return byId.length ? byId : agents.filter((record) => record.host === wanted || record.name === wanted);
}

/** Runs the console until q, Ctrl-C or the signal; the terminal is restored whatever happens. */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const app = new ConsoleApp(options);
  await app.run();
}

class ConsoleApp {
  private agent: ModuleRecord;
  private root: ChildInfo | undefined;
  private host: string;
  private connection: Connection = 'connecting';
  private lastTreeAtMs: number | undefined;
  private selected: string | undefined;
  private events: SupervisorEvent[] = [];
  private logChild: string | undefined;
  private logLines: string[] = [];
  private status: { text: string; style: LineStyle } | undefined;
  private treeInFlight = false;
  /** An event came while a TreeRequest was out: ask again when it is answered. */
  private treeStale = false;
  private logsInFlight = false;
  private commandInFlight = false;
  private closed = false;
  private finish: () => void = () => undefined;

  constructor(private readonly options: ConsoleOptions) {
    this.agent = options.agent;
    this.host = options.agent.host;
  }

  async run(): Promise<void> {
    const { input, output, bus, signal } = this.options;
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    const onKeys = (chunk: Buffer | string): void => this.keys(chunk.toString());
    const onResize = (): void => this.draw(true);
    const onAbort = (): void => this.finish();
    const unsubscribe = bus.subscribe(EVENTS_TOPIC, (delivery) => {
      if (delivery.sender !== this.agent.id) return;
      try {
        this.event(SupervisorEvent.decode(delivery.body));
      } catch {
        // A malformed event is not worth ending the console for.
      }
    });
    const poll = setInterval(() => this.refresh(), POLL_MS);
    // Redraw at least every second: the refresh age in the header moves even when the agent is silent.
    const clock = setInterval(() => this.draw(), POLL_MS);
    // Should anything end the process without the finally below, still give the terminal back.
    const onExit = (): void => {
      if (input.isTTY) input.setRawMode(false);
      output.write(LEAVE);
    };
    process.once('exit', onExit);
    output.write(ENTER);
    if (input.isTTY) input.setRawMode(true);
    input.on('data', onKeys);
    input.resume();
    output.on('resize', onResize);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.draw(true);
      this.refresh();
      if (signal.aborted) this.finish();
      await done;
    } finally {
      this.closed = true;
      clearInterval(poll);
      clearInterval(clock);
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      output.off('resize', onResize);
      input.off('data', onKeys);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      output.write(LEAVE);
      process.off('exit', onExit);
    }
  }

  private state(): ConsoleState {
    return {
      host: this.host,
      cluster: this.options.cluster,
      connection: this.connection,
      lastTreeAtMs: this.lastTreeAtMs,
      root: this.root,
      selected: this.selected,
      events: this.events,
      logChild: this.logChild,
      logLines: this.logLines,
      status: this.status,
    };
  }

  private draw(clear = false): void {
    if (this.closed) return;
    const { output } = this.options;
    const lines = renderScreen(this.state(), output.columns || 80, output.rows || 24, Date.now());
    output.write((clear ? '\u001b[2J' : '') + frame(lines));
  }

  private address(): string {
    return `${SUPERVISOR_ROLE}@${this.agent.id}`;
  }

  /** Asks for the tree unless a request is still out; also follows an agent that came back with a new id. */
  private refresh(): void {
    if (this.closed) return;
    if (this.treeInFlight) {
      this.treeStale = true;
      return;
    }
    this.treeStale = false;
    this.followAgent();
    this.treeInFlight = true;
    this.options.bus
      .request(this.address(), TreeRequest, {}, TreeReply, { timeoutMs: TREE_TIMEOUT_MS })
      .then(
        (reply) => {
          this.root = reply.root;
          if (reply.host) this.host = reply.host;
          this.connection = 'connected';
          this.lastTreeAtMs = Date.now();
          this.keepSelection();
        },
        () => {
          this.connection = 'agent not answering';
        },
      )
      .finally(() => {
        this.treeInFlight = false;
        this.draw();
        if (this.treeStale && this.connection === 'connected') this.refresh();
      });
    this.fetchLogs();
  }

  /** A restarted agent is a new module id on the same host: switch to it when the old one left. */
  private followAgent(): void {
    const bus = this.options.bus;
    if (bus.registry.get(this.agent.id)) return;
    const successor = agentsIn(bus).filter((record) => record.host === this.agent.host && record.name === this.agent.name);
    if (successor.length === 1 && successor[0]) this.agent = successor[0];
  }

  private keepSelection(): void {
    const rows = flattenTree(this.root);
    if (rows.some((row) => row.info.path === this.selected)) return;
    this.selected = rows[0]?.info.path;
  }

  private fetchLogs(): void {
    const child = this.selected;
    const node = flattenTree(this.root).find((row) => row.info.path === child)?.info;
    if (this.closed || this.logsInFlight || child === undefined || node?.kind !== 'Worker') {
      if (node && node.kind !== 'Worker') {
        this.logChild = child;
        this.logLines = ['(a supervisor has no log of its own; select a worker)'];
      }
      return;
    }
    this.logsInFlight = true;
    this.options.bus
      .request(this.address(), LogsRequest, { child, lines: LOG_LINES }, LogsReply, { timeoutMs: LOGS_TIMEOUT_MS })
      .then(
        (reply) => {
          if (child !== this.selected) return;
          this.logChild = child;
          this.logLines = reply.lines ?? [];
        },
        () => undefined, // the header already tells when the agent does not answer
      )
      .finally(() => {
        this.logsInFlight = false;
        this.draw();
      });
  }

  private event(event: SupervisorEvent): void {
    this.events.push(event);
    if (this.events.length > KEEP_EVENTS) this.events.splice(0, this.events.length - KEEP_EVENTS);
    this.draw();
    // The event changed the tree: ask now rather than at the next tick.
    this.refresh();
  }

  private keys(chunk: string): void {
    for (const action of parseKeys(chunk)) this.act(action);
    this.draw();
  }

  private act(action: KeyAction): void {
    switch (action.kind) {
      case 'quit':
        this.finish();
        return;
      case 'move': {
        const rows = flattenTree(this.root);
        const index = Math.max(0, rows.findIndex((row) => row.info.path === this.selected));
        const next = rows[moveSelection(index, action.by, rows.length)]?.info.path;
        if (next !== this.selected) {
          this.selected = next;
          this.logChild = next;
          this.logLines = [];
          this.fetchLogs();
        }
        return;
      }
      case 'logs':
        this.fetchLogs();
        return;
      case 'command':
        this.command(action.action, action.force);
        return;
    }
  }

  private command(action: ChildAction, force: boolean): void {
    const child = this.selected;
    if (child === undefined) {
      this.status = { text: 'nothing selected', style: 'warn' };
      return;
    }
    if (this.commandInFlight) {
      this.status = { text: 'a command is still running; wait for its reply', style: 'warn' };
      return;
    }
    const what = `${force ? 'force ' : ''}${action.toLowerCase()} ${child}`;
    this.commandInFlight = true;
    this.status = { text: `${what}…`, style: 'dim' };
    this.options.bus
      .request(this.address(), ChildCommand, { child, action, force, reason: 'gridlink console' }, ChildCommandReply, { timeoutMs: COMMAND_TIMEOUT_MS })
      .then(
        (reply) => {
          const message = reply.message ? `: ${reply.message}` : '';
          if (reply.ok) this.status = { text: `${what}${message || ': done'}`, style: 'plain' };
          else if (reply.refused) this.status = { text: `${what}: refused${message}; press f to force stop`, style: 'warn' };
          else this.status = { text: `${what}: failed${message}`, style: 'alert' };
        },
        (error: unknown) => {
          this.status = { text: `${what}: no answer (${error instanceof Error ? error.message : String(error)})`, style: 'alert' };
        },
      )
      .finally(() => {
        this.commandInFlight = false;
        this.refresh();
        this.draw();
      });
  }
}
