/**
 * Two test hosts on one machine: network namespaces joined by a veth pair,
 * made with iproute2 (`ip netns`), as root. Addresses are in a /24 of
 * 10.200.0.0/16 that only these namespaces use; nothing leaves the machine.
 */
import { execFileSync } from 'node:child_process';

export interface TestHost {
  namespace: string;
  device: string;
  address: string;
  /** Prefix for spawning a process inside the namespace. */
  wrap: string[];
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function requireRootAndIp(): void {
  if (process.getuid?.() !== 0) throw new Error('network namespace tests need root (CI runs as root; run `sudo npm test` by hand)');
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('network namespace tests need iproute2: apt-get install iproute2');
  }
}

export function createHostPair(): { hosts: [TestHost, TestHost]; destroy(): void } {
  requireRootAndIp();
  const tag = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  const subnet = `10.200.${Math.floor(Math.random() * 250) + 1}`;
  const names = [`glA${tag}`, `glB${tag}`];
  const devices = [`vA${tag}`, `vB${tag}`];
  const hosts = names.map((namespace, i) => ({
    namespace,
    device: devices[i],
    address: `${subnet}.${i + 1}`,
    wrap: ['ip', 'netns', 'exec', namespace],
  })) as [TestHost, TestHost];
  const destroy = (): void => {
    for (const name of names) {
      try {
        ip('netns', 'del', name);
      } catch {
        // Not created, or already gone.
      }
    }
  };
  try {
    for (const host of hosts) ip('netns', 'add', host.namespace);
    ip('link', 'add', devices[0], 'type', 'veth', 'peer', 'name', devices[1]);
    for (const host of hosts) {
      ip('link', 'set', host.device, 'netns', host.namespace);
      ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'brd', '+', 'dev', host.device);
      ip('-n', host.namespace, 'link', 'set', host.device, 'up');
      ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    destroy();
    throw error;
  }
  return { hosts, destroy };
}
