/**
 * What a supervisor sees of each of its children, worker (module process)
 * or supervisor alike, and what it hands them.
 */
import type { Bus } from '../core/bus/bus.js';
import type { ChildInfo, ChildState, EventKind } from '../schemas/generated/messages.js';
import type { RegistryWatcher } from './registry-watcher.js';
import type { LogSpec, RestartKind } from './spec.js';

/** How a child's run ended. */
export interface ExitInfo {
  /** Exit code 0 without a signal: transient children are not restarted after it. */
  readonly normal: boolean;
  readonly code: number | null;
  readonly signal: string | null;
  /** "exit code 1", "SIGKILL", "escalated: ...", "heartbeats stopped: ... (SIGKILL)". */
  readonly description: string;
  readonly pid: number;
  /** How long the run lasted. */
  readonly uptimeMs: number;
}

export interface StopOptions {
  /** Stop even when the module refuses its ShutdownRequest. */
  readonly force: boolean;
  readonly reason: string;
}

/** The child stopped, or refused to (only possible without force). */
export type StopOutcome = { readonly stopped: true } | { readonly stopped: false; readonly refused: string };

/** A supervisor event before the agent adds the host and the time. */
export interface TreeEvent {
  readonly kind: EventKind;
  readonly child: string;
  readonly pid?: number;
  readonly exitCode?: number;
  readonly signal?: string;
  readonly message?: string;
}

/** What every node of a tree shares: the agent's bus, where logs go, how children join the bus, the event sink. */
export interface TreeContext {
  readonly bus: Bus;
  readonly watcher: RegistryWatcher;
  readonly logs: LogSpec;
  /** Command-line flags that put a module process on the agent's bus (--port, --cluster, ...). */
  readonly childBusArgs: readonly string[];
  /** Working directory of the module processes. */
  readonly cwd: string;
  /** How long a starting module may take to register before the next sibling starts anyway. */
  readonly registerTimeoutMs: number;
  emit(event: TreeEvent): void;
}

export interface ChildNode {
  readonly name: string;
  /** Path from the root, e.g. "root/grid/grm". */
  readonly path: string;
  readonly restartKind: RestartKind;
  /** The process id of a running worker (undefined for supervisors and while not running). */
  readonly pid?: number;
  state: ChildState;
  /** How often the supervisor restarted it. */
  restarts: number;
  /** Called when the child ends without being asked to (a crash, a normal exit, an escalation). */
  onExit: (info: ExitInfo) => void;
  /** Starts the child; resolves once it runs (a module process once it registered or its start timed out). */
  start(): Promise<void>;
  stop(options: StopOptions): Promise<StopOutcome>;
  /** Milliseconds since the current run began (0 when not running). */
  uptimeMs(): number;
  info(): ChildInfo;
}

export const RESTART_TYPE = { permanent: 'Permanent', transient: 'Transient', temporary: 'Temporary' } as const;
