/**
 * The host inventory of a multi-host rollout: which machines, how to reach them over SSH, which
 * host keys they must present (pinned, never trusted on first use), where Gridlink goes on them
 * and how their agent joins the bus. A YAML or JSON file; `defaults` fills what a host leaves out.
 *
 *   defaults: { user: root, port: 22, privateKey: keys/id_ed25519, installDir: /opt/gridlink,
 *               bus: { cluster: substation-7, port: 5670, interface: eth0 } }
 *   hosts:
 *     - { name: feeder-b, address: 10.0.0.2, hostKeys: ["SHA256:..."] }
 *     - { name: feeder-c, address: 10.0.0.3, hostKeys: ["SHA256:..."], bus: { seeds: ["tcp://10.1.0.1:5680"] } }
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface InventoryBus {
  cluster: string;
  /** UDP port of the discovery beacons. */
  port: number;
  /** LAN interface of the host the agent discovers on (beacons across the subnet). */
  interface?: string;
  /** ROUTER endpoints of peers in other subnets. */
  seeds: string[];
}

export interface InventoryHost {
  /** The host's name in placement and reports; the agent publishes it as HostStatus.host. */
  name: string;
  address: string;
  port: number;
  user: string;
  privateKeyFile: string;
  /** Accepted host keys, as `ssh-keygen -l -E sha256` prints them: `SHA256:<base64>`. */
  hostKeys: string[];
  /** Absolute folder on the host that holds the runtimes, packages, logs and the agent's files. */
  installDir: string;
  /** The Node.js executable on the host (default "node" from its PATH). */
  node: string;
  bus: InventoryBus;
}

export interface Inventory {
  /** The file it was read from, if any. */
  file?: string;
  hosts: InventoryHost[];
}

export class InventoryError extends Error {
  override readonly name = 'InventoryError';
}

const HOST_FIELDS = new Set(['name', 'address', 'port', 'user', 'privateKey', 'hostKeys', 'installDir', 'node', 'bus']);
const BUS_FIELDS = new Set(['cluster', 'port', 'interface', 'seeds']);
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InventoryError(`cannot read the inventory ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InventoryError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  return { ...parseInventory(value, file, dirname(resolve(file))), file };
}

/** Checks an inventory value; relative private key paths resolve against `baseDir`. */
export function parseInventory(value: unknown, where: string, baseDir: string): Inventory {
  const top = object(value, where);
  unknownFields(top, new Set(['defaults', 'hosts']), where);
  const defaults = top.defaults === undefined ? {} : object(top.defaults, `${where}: defaults`);
  unknownFields(defaults, HOST_FIELDS, `${where}: defaults`);
  if (!Array.isArray(top.hosts) || top.hosts.length === 0) throw new InventoryError(`${where}: hosts: expected a non-empty list of hosts`);
  const hosts = top.hosts.map((raw, index) => parseHost(raw, defaults, `${where}: hosts[${index}]`, baseDir));
  const seen = new Set<string>();
  for (const host of hosts) {
    if (seen.has(host.name)) throw new InventoryError(`${where}: host name "${host.name}" appears twice`);
    seen.add(host.name);
  }
  return { hosts };
}

export function findHost(inventory: Inventory, name: string): InventoryHost {
  const host = inventory.hosts.find((h) => h.name === name);
  if (!host) throw new InventoryError(`no host "${name}" in the inventory (hosts: ${inventory.hosts.map((h) => h.name).join(', ')})`);
  return host;
}

function parseHost(raw: unknown, defaults: Record<string, unknown>, where: string, baseDir: string): InventoryHost {
  const own = object(raw, where);
  unknownFields(own, HOST_FIELDS, where);
  const merged: Record<string, unknown> = { ...defaults, ...own };
  const name = text(merged.name, `${where}.name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new InventoryError(`${where}.name: "${name}" is not a host name (letters, digits, . _ -)`);
  const hostKeys = merged.hostKeys === undefined ? [] : list(merged.hostKeys, `${where}.hostKeys`);
  for (const key of hostKeys) {
    if (!FINGERPRINT.test(key)) throw new InventoryError(`${where}.hostKeys: "${key}" is not a SHA-256 fingerprint like SHA256:<43 base64 characters> (\`gridlink hosts scan\` prints it)`);
  }
  const installDir = merged.installDir === undefined ? '/opt/gridlink' : text(merged.installDir, `${where}.installDir`);
  if (!installDir.startsWith('/') || installDir.includes("'") || installDir.includes('\n')) {
    throw new InventoryError(`${where}.installDir: expected an absolute path without quotes, not "${installDir}"`);
  }
  const privateKey = text(merged.privateKey, `${where}.privateKey`);
  const expanded = privateKey.startsWith('~/') ? resolve(homedir(), privateKey.slice(2)) : privateKey;
  const defaultBus = defaults.bus === undefined ? {} : object(defaults.bus, `${where}: defaults.bus`);
  const ownBus = own.bus === undefined ? {} : object(own.bus, `${where}.bus`);
  const bus = { ...defaultBus, ...ownBus };
  unknownFields(bus, BUS_FIELDS, `${where}.bus`);
  return {
    name,
    address: text(merged.address, `${where}.address`),
    port: port(merged.port ?? 22, `${where}.port`),
    user: merged.user === undefined ? 'root' : text(merged.user, `${where}.user`),
    privateKeyFile: isAbsolute(expanded) ? expanded : resolve(baseDir, expanded),
    hostKeys,
    installDir: installDir.replace(/\/+$/, ''),
    node: merged.node === undefined ? 'node' : text(merged.node, `${where}.node`),
    bus: {
      cluster: bus.cluster === undefined ? 'gridlink' : text(bus.cluster, `${where}.bus.cluster`),
      port: port(bus.port ?? 5670, `${where}.bus.port`),
      interface: bus.interface === undefined ? undefined : text(bus.interface, `${where}.bus.interface`),
      seeds: bus.seeds === undefined ? [] : list(bus.seeds, `${where}.bus.seeds`),
    },
  };
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InventoryError(`${where}: expected an object`);
  return value as Record<string, unknown>;
}

function unknownFields(value: Record<string, unknown>, known: Set<string>, where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new InventoryError(`${where}: unknown field "${key}" (known: ${[...known].join(', ')})`);
  }
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InventoryError(`${where}: ${value === undefined ? 'missing' : 'expected a non-empty string'}`);
  return value;
}

function list(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new InventoryError(`${where}: expected a list of strings`);
  return value as string[];
}

function port(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw new InventoryError(`${where}: expected a port from 1 to 65535, not ${JSON.stringify(value)}`);
  return value;
}
