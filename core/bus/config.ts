import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CURVE keyring: our key pair and the public keys we accept (Z85 text). */
export interface Keyring {
  publicKey: string;
  secretKey: string;
  /** Public keys of the peers allowed to connect; our own is always allowed. */
  allowed: readonly string[];
}

/** A peer outside the broadcast domain, reached directly. */
export interface SeedEndpoint {
  /** The peer's ROUTER endpoint, e.g. "tcp://10.0.0.2:5680". */
  endpoint: string;
  /** Its CURVE public key; required when a keyring is configured. */
  publicKey?: string;
}

export interface DiscoveryOptions {
  /** UDP port of the beacons; modules with the same port and cluster find each other. */
  port: number;
  /** Only beacons with the same cluster name are heard. */
  cluster: string;
  /** Beacon period on loopback and LAN. */
  intervalMs: number;
  /**
   * Name of a LAN interface (e.g. "eth0"): beacons are broadcast there too and
   * the module also listens on that interface's address. Unset: loopback and ipc only.
   */
  interface?: string;
  /** Static peers in other subnets. */
  seeds: readonly SeedEndpoint[];
}

export interface HeartbeatOptions {
  /** How often every peer gets a Heartbeat. */
  intervalMs: number;
  /** Silence after which a peer is evasive (skipped by round-robin while others exist). */
  evasiveMs: number;
  /** Silence after which a peer is removed and its pending requests fail. */
  expiredMs: number;
}

export interface BusOptions {
  /** Module name, e.g. "generator". */
  name: string;
  version: string;
  discovery: DiscoveryOptions;
  heartbeat: HeartbeatOptions;
  /** Folder of the ipc endpoints. */
  runtimeDir: string;
  /** CURVE on every socket when set. */
  keyring?: Keyring;
  /** High-water marks (messages) of the ZeroMQ sockets. */
  highWaterMark: number;
  /** Batches waiting in JS for one peer before sends fail with Backpressure. */
  maxQueuedBatches: number;
  /** Default request timeout. */
  requestTimeoutMs: number;
}

export const defaultBusOptions: Omit<BusOptions, 'name'> = {
  version: '0.0.0',
  discovery: { port: 5670, cluster: 'gridlink', intervalMs: 1000, seeds: [] },
  heartbeat: { intervalMs: 1000, evasiveMs: 3000, expiredMs: 10_000 },
  runtimeDir: join(tmpdir(), `gridlink-${process.getuid?.() ?? 'user'}`),
  highWaterMark: 10_000,
  maxQueuedBatches: 10_000,
  requestTimeoutMs: 5000,
};

/** Partial options as a caller gives them; nested objects may be partial too. */
export type BusOptionsInput = Partial<Omit<BusOptions, 'discovery' | 'heartbeat'>> & {
  name: string;
  discovery?: Partial<DiscoveryOptions>;
  heartbeat?: Partial<HeartbeatOptions>;
};

export function resolveBusOptions(input: BusOptionsInput): BusOptions {
  const discovery = { ...defaultBusOptions.discovery, ...input.discovery };
  const heartbeat = { ...defaultBusOptions.heartbeat, ...input.heartbeat };
  const options: BusOptions = { ...defaultBusOptions, ...input, discovery, heartbeat };
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(options.name)) {
    throw new Error(`bus: module name "${options.name}" must be 1-64 letters, digits, '_', '.' or '-'`);
  }
  if (!(heartbeat.intervalMs > 0 && heartbeat.evasiveMs > heartbeat.intervalMs && heartbeat.expiredMs > heartbeat.evasiveMs)) {
    throw new Error(
      `bus: heartbeat timings must satisfy 0 < intervalMs < evasiveMs < expiredMs (got ${heartbeat.intervalMs}, ${heartbeat.evasiveMs}, ${heartbeat.expiredMs})`,
    );
  }
  if (!Number.isInteger(discovery.port) || discovery.port < 1 || discovery.port > 65535) {
    throw new Error(`bus: discovery.port must be an integer 1-65535 (got ${discovery.port})`);
  }
  if (options.keyring) {
    for (const seed of discovery.seeds) {
      if (!seed.publicKey) throw new Error(`bus: seed ${seed.endpoint} needs a publicKey when a keyring is configured`);
    }
  }
  return options;
}
