/**
 * The supervision tree as an administrator writes it (tree file or AddChild),
 * and its validation: every error names the field that is wrong, e.g.
 * `root.children[1].strategy: expected one of one_for_one, ...`.
 */

export type RestartKind = 'permanent' | 'transient' | 'temporary';
export type StrategyName = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';
/** Grace period of a shutdown in ms, or brutal_kill (SIGKILL at once), or infinity (wait for ever). */
export type ShutdownSpec = number | 'brutal_kill' | 'infinity';

export const RESTART_KINDS: readonly RestartKind[] = ['permanent', 'transient', 'temporary'];
export const STRATEGIES: readonly StrategyName[] = ['one_for_one', 'one_for_all', 'rest_for_one', 'simple_one_for_one'];

/** Exponential backoff between restarts of one child, with jitter. */
export interface BackoffSpec {
  /** Delay before the second restart in a row (the first is immediate). */
  minMs: number;
  /** The delay never grows beyond this. */
  maxMs: number;
  /** Each delay is stretched by a random part of up to this fraction (0..1). */
  randomFactor: number;
  /** A child that ran this long counts as stable: its next crash restarts at once again. */
  resetAfterMs: number;
}

/** A module process. */
export interface WorkerSpec {
  readonly kind: 'worker';
  readonly name: string;
  /** What `gridlink run` accepts: a module name (examples/generator) or a compiled module file (absolute after loading). */
  readonly module: string;
  /** Configuration file of the module (absolute after loading). */
  readonly config?: string;
  readonly restart: RestartKind;
  readonly shutdown: ShutdownSpec;
}

/** A supervisor: its children are workers or supervisors. */
export interface SupervisorSpec {
  readonly kind: 'supervisor';
  readonly name: string;
  readonly strategy: StrategyName;
  /** More than `intensity` restarts within `periodMs` make the supervisor give up and escalate. */
  readonly intensity: number;
  readonly periodMs: number;
  readonly backoff: BackoffSpec;
  readonly restart: RestartKind;
  readonly children: readonly ChildSpecNode[];
}

export type ChildSpecNode = WorkerSpec | SupervisorSpec;

/** Where the children's stdout and stderr go. */
export interface LogSpec {
  /** Folder of the log files, one `<path with / as .>.log` per child. */
  dir: string;
  /** A file is rotated when it grows beyond this. */
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep: number;
}

/** Liveness: a child whose bus heartbeats stop for `expiredMs` is killed and counted as a crash. */
export interface LivenessSpec {
  intervalMs: number;
  evasiveMs: number;
  expiredMs: number;
}

export interface TreeSpec {
  readonly root: SupervisorSpec;
  readonly logs: LogSpec;
  readonly liveness: LivenessSpec;
}

export const DEFAULTS = {
  strategy: 'one_for_one' as StrategyName,
  intensity: 3,
  periodMs: 5000,
  restart: 'permanent' as RestartKind,
  workerShutdown: 5000 as ShutdownSpec,
  supervisorShutdown: 'infinity' as ShutdownSpec,
  backoff: { minMs: 100, maxMs: 10_000, randomFactor: 0.2, resetAfterMs: 10_000 } satisfies BackoffSpec,
  logs: { dir: '.gridlink/logs', maxBytes: 1_048_576, keep: 3 } satisfies LogSpec,
  liveness: { intervalMs: 1000, evasiveMs: 3000, expiredMs: 10_000 } satisfies LivenessSpec,
};

/** A tree file or child spec that is not valid; `field` is the path of the bad field. */
export class TreeSpecError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'TreeSpecError';
  }
}

/** How module names are checked (the loader passes one that knows the built modules). */
export interface ValidationContext {
  /** Resolves a module as `gridlink run` would; returns undefined when there is none. */
  resolveModule(module: string): string | undefined;
  /** Resolves a relative configuration file path. */
  resolveFile(file: string): string;
}

type Json = Record<string, unknown>;

const WORKER_FIELDS = new Set(['name', 'module', 'config', 'restart', 'shutdown']);
const SUPERVISOR_FIELDS = new Set(['name', 'strategy', 'intensity', 'periodMs', 'backoff', 'restart', 'shutdown', 'children']);
const TREE_FIELDS = new Set(['root', 'logs', 'liveness']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Validates a parsed tree file; throws TreeSpecError naming the bad field. */
export function validateTree(raw: unknown, context: ValidationContext): TreeSpec {
  const tree = object(raw, '(tree file)');
  unknownFields(tree, TREE_FIELDS, '');
  if (tree.root === undefined) throw new TreeSpecError('root', 'missing: the root supervisor');
  const root = validateSupervisor(object(tree.root, 'root'), 'root', context);
  const logs = tree.logs === undefined ? { ...DEFAULTS.logs } : validateLogs(object(tree.logs, 'logs'), context);
  const liveness = tree.liveness === undefined ? { ...DEFAULTS.liveness } : validateLiveness(object(tree.liveness, 'liveness'));
  return { root, logs, liveness };
}

/** Validates one child spec (a worker when it has `module`, else a supervisor); `field` prefixes errors. */
export function validateChild(raw: unknown, field: string, context: ValidationContext): ChildSpecNode {
  const value = object(raw, field);
  if ('module' in value) return validateWorker(value, field, context);
  if ('children' in value || 'strategy' in value) return validateSupervisor(value, field, context);
  throw new TreeSpecError(field, 'a child needs "module" (a module process) or "children" (a supervisor)');
}

function validateWorker(value: Json, field: string, context: ValidationContext): WorkerSpec {
  unknownFields(value, WORKER_FIELDS, field);
  const name = validName(value.name, `${field}.name`);
  const moduleName = string(value.module, `${field}.module`);
  const resolved = context.resolveModule(moduleName);
  if (resolved === undefined) throw new TreeSpecError(`${field}.module`, `unknown module "${moduleName}"`);
  const config = value.config === undefined ? undefined : context.resolveFile(string(value.config, `${field}.config`));
  return {
    kind: 'worker',
    name,
    module: resolved,
    config,
    restart: restartKind(value.restart, `${field}.restart`),
    shutdown: shutdown(value.shutdown, `${field}.shutdown`, DEFAULTS.workerShutdown),
  };
}

function validateSupervisor(value: Json, field: string, context: ValidationContext): SupervisorSpec {
  unknownFields(value, SUPERVISOR_FIELDS, field);
  const name = value.name === undefined && field === 'root' ? 'root' : validName(value.name, `${field}.name`);
  const strategy = value.strategy === undefined ? DEFAULTS.strategy : oneOf(value.strategy, STRATEGIES, `${field}.strategy`);
  if (!Array.isArray(value.children)) throw new TreeSpecError(`${field}.children`, value.children === undefined ? 'missing: a list of children' : 'expected a list of children');
  const children = value.children.map((child, index) => validateChild(child, `${field}.children[${index}]`, context));
  const seen = new Set<string>();
  children.forEach((child, index) => {
    if (seen.has(child.name)) throw new TreeSpecError(`${field}.children[${index}].name`, `duplicate name "${child.name}" under "${name}"`);
    seen.add(child.name);
  });
  if (strategy === 'simple_one_for_one') {
    children.forEach((child, index) => {
      if (child.kind !== 'worker') throw new TreeSpecError(`${field}.children[${index}]`, 'simple_one_for_one supervises module processes only');
      if (child.module !== (children[0] as WorkerSpec).module) throw new TreeSpecError(`${field}.children[${index}].module`, 'simple_one_for_one children all run the same module');
    });
  }
  return {
    kind: 'supervisor',
    name,
    strategy,
    intensity: wholeNumber(value.intensity, `${field}.intensity`, DEFAULTS.intensity, 0),
    periodMs: wholeNumber(value.periodMs, `${field}.periodMs`, DEFAULTS.periodMs, 1),
    backoff: value.backoff === undefined ? { ...DEFAULTS.backoff } : validateBackoff(object(value.backoff, `${field}.backoff`), `${field}.backoff`),
    restart: restartKind(value.restart, `${field}.restart`),
    children,
  };
}

function validateBackoff(value: Json, field: string): BackoffSpec {
  unknownFields(value, new Set(Object.keys(DEFAULTS.backoff)), field);
  const d = DEFAULTS.backoff;
  const minMs = wholeNumber(value.minMs, `${field}.minMs`, d.minMs, 0);
  const maxMs = wholeNumber(value.maxMs, `${field}.maxMs`, Math.max(d.maxMs, minMs), 0);
  if (maxMs < minMs) throw new TreeSpecError(`${field}.maxMs`, `must not be below minMs (${minMs})`);
  const randomFactor = value.randomFactor === undefined ? d.randomFactor : number(value.randomFactor, `${field}.randomFactor`);
  if (randomFactor < 0 || randomFactor > 1) throw new TreeSpecError(`${field}.randomFactor`, `expected a number from 0 to 1, got ${randomFactor}`);
  return { minMs, maxMs, randomFactor, resetAfterMs: wholeNumber(value.resetAfterMs, `${field}.resetAfterMs`, d.resetAfterMs, 0) };
}

function validateLogs(value: Json, context: ValidationContext): LogSpec {
  unknownFields(value, new Set(['dir', 'maxBytes', 'keep']), 'logs');
  return {
    dir: context.resolveFile(value.dir === undefined ? DEFAULTS.logs.dir : string(value.dir, 'logs.dir')),
    maxBytes: wholeNumber(value.maxBytes, 'logs.maxBytes', DEFAULTS.logs.maxBytes, 1024),
    keep: wholeNumber(value.keep, 'logs.keep', DEFAULTS.logs.keep, 0),
  };
}

function validateLiveness(value: Json): LivenessSpec {
  unknownFields(value, new Set(['intervalMs', 'evasiveMs', 'expiredMs']), 'liveness');
  const d = DEFAULTS.liveness;
  const intervalMs = wholeNumber(value.intervalMs, 'liveness.intervalMs', d.intervalMs, 1);
  const evasiveMs = wholeNumber(value.evasiveMs, 'liveness.evasiveMs', Math.max(d.evasiveMs, intervalMs * 3), 1);
  const expiredMs = wholeNumber(value.expiredMs, 'liveness.expiredMs', Math.max(d.expiredMs, evasiveMs * 2), 1);
  if (evasiveMs <= intervalMs) throw new TreeSpecError('liveness.evasiveMs', `must be above intervalMs (${intervalMs})`);
  if (expiredMs <= evasiveMs) throw new TreeSpecError('liveness.expiredMs', `must be above evasiveMs (${evasiveMs})`);
  return { intervalMs, evasiveMs, expiredMs };
}

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TreeSpecError(field, `expected an object, got ${describe(value)}`);
  return value as Json;
}

function unknownFields(value: Json, known: ReadonlySet<string>, field: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new TreeSpecError(field ? `${field}.${key}` : key, `unknown field; expected one of ${[...known].join(', ')}`);
  }
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new TreeSpecError(field, value === undefined ? 'missing' : `expected a non-empty string, got ${describe(value)}`);
  return value;
}

function validName(value: unknown, field: string): string {
  const name = string(value, field);
  if (!NAME.test(name)) throw new TreeSpecError(field, `"${name}" is not a name (letters, digits, _ . -; no "/")`);
  return name;
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TreeSpecError(field, `expected a number, got ${describe(value)}`);
  return value;
}

function wholeNumber(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = number(value, field);
  if (!Number.isSafeInteger(n) || n < min) throw new TreeSpecError(field, `expected a whole number of at least ${min}, got ${n}`);
  return n;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new TreeSpecError(field, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
  return value as T;
}

function restartKind(value: unknown, field: string): RestartKind {
  return value === undefined ? DEFAULTS.restart : oneOf(value, RESTART_KINDS, field);
}

function shutdown(value: unknown, field: string, fallback: ShutdownSpec): ShutdownSpec {
  if (value === undefined) return fallback;
  if (value === 'brutal_kill' || value === 'infinity') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value === 0 ? 'brutal_kill' : value;
  throw new TreeSpecError(field, `expected a grace period in ms, "brutal_kill" or "infinity", got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `"${value}"` : typeof value === 'object' ? (value === null ? 'null' : 'an object') : String(value);
}
