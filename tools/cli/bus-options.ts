/**
 * What every bus subcommand of the CLI shares: the discovery options, a
 * short-lived bus peer that always leaves the mesh cleanly, and waiting for
 * the registry to show what a command needs.
 */
import { InvalidArgumentError, Option, type Command } from './commander.js';
import { Bus, type Declaration } from '../../core/bus/bus.js';
import type { BusOptionsInput } from '../../core/bus/config.js';
import { loadKeyring } from '../../core/bus/keyring-file.js';
import type { ModuleRecord } from '../../core/bus/registry.js';
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE } from './cli-error.js';

/** The discovery options of a subcommand, parsed and checked. */
export interface BusCliOptions {
  /** UDP port of the beacons. */
  port: number;
  /** Cluster name; only modules of the same cluster are seen. */
  cluster: string;
  /** LAN interface to discover on as well as loopback. */
  interface?: string;
  /** ROUTER endpoints of peers in other subnets. */
  seeds: string[];
  /** How long to wait for the registry to fill before acting. */
  discoverMs: number;
  /** CURVE keyring file, when the cluster uses CURVE. */
  keyring?: string;
}

export const DEFAULT_DISCOVERY_PORT = 5670;
export const DEFAULT_CLUSTER = 'gridlink';
export const DEFAULT_DISCOVER_MS = 1500;

/** Adds --port, --cluster, --interface, --seed and --discover-ms to a command. */
export function addBusOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--port <udp>', 'UDP port of the discovery beacons')
        .env('GRIDLINK_DISCOVERY_PORT')
        .default(DEFAULT_DISCOVERY_PORT)
        .argParser(parsePort),
    )
    .addOption(
      new Option('--cluster <name>', 'cluster name; only modules of the same cluster are seen')
        .env('GRIDLINK_CLUSTER')
        .default(DEFAULT_CLUSTER),
    )
    .addOption(new Option('--interface <lan>', 'also discover modules on this LAN interface, e.g. eth0 (default: this host only)'))
    .addOption(
      new Option('--seed <endpoint>', 'ROUTER endpoint of a module in another subnet, e.g. tcp://10.0.0.2:5680 (repeatable)')
        .default([], 'none')
        .argParser(collectSeed),
    )
    .addOption(new Option('--keyring <file>', 'CURVE keyring (JSON from `gridlink keygen`) for a cluster that uses CURVE').env('GRIDLINK_KEYRING'))
    .addOption(
      new Option('--discover-ms <ms>', 'how long to wait for modules to be discovered before acting')
        .default(DEFAULT_DISCOVER_MS)
        .argParser(parseMilliseconds),
    );
}

/** Reads the options added by addBusOptions from a command after parsing. */
export function readBusOptions(command: Command): BusCliOptions {
  // Commander runs the parsers above on command-line and environment values alike.
  const values = command.opts<Record<string, unknown>>();
  const { port, cluster, interface: lan, seed, discoverMs, keyring } = values;
  if (typeof port !== 'number') throw new CliError(`--port: expected a UDP port, got ${String(port)}`, EXIT_USAGE);
  if (typeof cluster !== 'string' || cluster === '') throw new CliError('--cluster must not be empty', EXIT_USAGE);
  return {
    port,
    cluster,
    interface: typeof lan === 'string' && lan !== '' ? lan : undefined,
    seeds: Array.isArray(seed) ? seed.filter((s): s is string => typeof s === 'string') : [],
    discoverMs: typeof discoverMs === 'number' ? discoverMs : DEFAULT_DISCOVER_MS,
    keyring: typeof keyring === 'string' && keyring !== '' ? keyring : undefined,
  };
}

/** The options Bus.start takes for a CLI peer. */
export function busInput(name: string, options: BusCliOptions): BusOptionsInput {
  let keyring;
  try {
    keyring = options.keyring ? loadKeyring(options.keyring) : undefined;
  } catch (error) {
    throw new CliError(messageOf(error), EXIT_USAGE);
  }
  return {
    name,
    keyring,
    version: '0.0.0',
    discovery: {
      port: options.port,
      cluster: options.cluster,
      interface: options.interface,
      seeds: options.seeds.map((endpoint) => ({ endpoint })),
    },
  };
}

/** "cluster "gridlink" on UDP port 5670": where a command looked. */
export function describeWhere(options: BusCliOptions): string {
  const lan = options.interface ? ` and interface ${options.interface}` : '';
  const seeds = options.seeds.length ? ` and seeds ${options.seeds.join(', ')}` : '';
  return `cluster "${options.cluster}" on UDP port ${options.port}${lan}${seeds}`;
}

/**
 * Runs a command body with a short-lived bus peer. Ctrl-C and SIGTERM abort
 * the signal the body gets; whatever happens, the peer leaves the mesh (a
 * Leave to every peer and a leaving beacon), so the other registries drop it
 * at once instead of after the heartbeat timeout.
 */
export async function withBus<R>(
  name: string,
  options: BusCliOptions,
  declaration: Declaration,
  body: (bus: Bus, signal: AbortSignal) => Promise<R>,
): Promise<R> {
  let bus: Bus;
  try {
    bus = await Bus.start(busInput(name, options), declaration);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`could not join the bus (${describeWhere(options)}): ${messageOf(error)}`, EXIT_FAILURE);
  }
  const controller = new AbortController();
  // Once: a second Ctrl-C while closing falls back to the default (kill).
  const onSignal = (signal: NodeJS.Signals): void => controller.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(bus, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await bus.close('gridlink CLI done');
  }
}

/** The modules the registry holds, without this CLI peer itself. */
export function otherModules(bus: Bus): readonly ModuleRecord[] {
  return bus.registry.list().filter((record) => record.id !== bus.id);
}

/**
 * Waits until `condition` holds (checked every few milliseconds), at most
 * `maxMs`. Resolves true when it held, false on time-out; rejects with an
 * interruption error when the signal aborts.
 */
export function waitUntil(condition: () => boolean, maxMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const deadline = Date.now() + maxMs;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interrupted());
    };
    const check = (): void => {
      if (signal.aborted) return onAbort();
      if (condition()) {
        signal.removeEventListener('abort', onAbort);
        return resolve(true);
      }
      if (Date.now() >= deadline) {
        signal.removeEventListener('abort', onAbort);
        return resolve(false);
      }
      timer = setTimeout(check, 10);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

/** Waits `ms`, or less when the signal aborts (without an error). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Settles with the promise, or rejects with an interruption error when the signal aborts first. */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function interrupted(): CliError {
  return new CliError('interrupted', EXIT_INTERRUPTED);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`a UDP port is a whole number from 1 to 65535, not "${value}".`);
  }
  return port;
}

/** Parses a whole number of milliseconds (for --discover-ms, --timeout and the like). */
export function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(ms)) {
    throw new InvalidArgumentError(`expected a whole number of milliseconds, not "${value}".`);
  }
  return ms;
}

function collectSeed(value: string, previous: string[]): string[] {
  if (!/^tcp:\/\/[^\s:/]+:\d{1,5}$/.test(value)) {
    throw new InvalidArgumentError(`a seed is a ROUTER endpoint like tcp://10.0.0.2:5680, not "${value}".`);
  }
  return [...previous, value];
}
