/** Placement decisions and inventory checks of the rollout, without hosts (pure functions). */
import { describe, expect, it } from 'vitest';
import {
  choosePlacement,
  InventoryError,
  loadScore,
  parseInventory,
  parsePolicy,
  PlacementError,
  shellQuote,
  type KnownHost,
} from '../../core/provisioning/rollout/index.js';

const GB = 1e9;

function host(name: string, load1m: number, cpuCount: number, freeGb: number, runningModules: number, lost?: string): KnownHost {
  return {
    name,
    lastSeenMs: 0,
    lost,
    status: { host: name, agentId: `agent-${name}`, agentPid: 1, load1m, cpuCount, freeMemoryBytes: freeGb * GB, totalMemoryBytes: 32 * GB, runningModules, atMs: 0 },
  };
}

describe('placement', () => {
  it('least-loaded takes the lowest load per CPU and names every host with its figures', () => {
    const decision = choosePlacement({ kind: 'least-loaded' }, [host('c', 1.9, 2, 20.1, 0), host('b', 0.1, 2, 20.1, 0), host('d', 3.0, 8, 20.1, 0)]);
    expect(decision.host).toBe('b');
    expect(decision.agentId).toBe('agent-b');
    expect(decision.explanation).toBe(
      'least-loaded chose b: host b: load 0.10/2 CPUs, 20.1 GB free of 32.0 GB, 0 modules (score 0.24); ' +
        'host d: load 3.00/8 CPUs, 20.1 GB free of 32.0 GB, 0 modules (score 0.56); ' +
        'host c: load 1.90/2 CPUs, 20.1 GB free of 32.0 GB, 0 modules (score 1.14)',
    );
  });

  it('least-loaded weighs memory in use and running modules when the load is equal', () => {
    expect(choosePlacement({ kind: 'least-loaded' }, [host('b', 0.5, 4, 2, 0), host('c', 0.5, 4, 30, 0)]).host).toBe('c');
    expect(choosePlacement({ kind: 'least-loaded' }, [host('b', 0.5, 4, 20, 3), host('c', 0.5, 4, 20, 1)]).host).toBe('c');
    expect(loadScore(host('x', 1, 4, 16, 4).status)).toBeCloseTo(0.25 + 0.25 + 0.25, 10);
  });

  it('excludes lost hosts and says why', () => {
    const decision = choosePlacement({ kind: 'least-loaded' }, [host('b', 1.5, 2, 10, 3), host('c', 0, 2, 30, 0, 'its agent left the bus')]);
    expect(decision.host).toBe('b');
    expect(decision.explanation).toMatch(/host c: lost \(its agent left the bus\), excluded$/);
    expect(() => choosePlacement({ kind: 'spread' }, [host('c', 0, 2, 30, 0, 'gone')])).toThrow(/no host is up to place on \(host c: lost \(gone\), excluded\)/);
    expect(() => choosePlacement({ kind: 'least-loaded' }, [])).toThrow(/no host agent has reported/);
  });

  it('pinned takes the named host only when it is up', () => {
    const hosts = [host('b', 3, 2, 1, 9), host('c', 0, 2, 30, 0, 'no HostStatus for 12.0 s')];
    expect(choosePlacement({ kind: 'pinned', host: 'b' }, hosts)).toMatchObject({ host: 'b', explanation: 'pinned to b: host b: load 3.00/2 CPUs, 1.0 GB free of 32.0 GB, 9 modules' });
    expect(() => choosePlacement({ kind: 'pinned', host: 'c' }, hosts)).toThrow('pinned host "c" is lost: no HostStatus for 12.0 s');
    expect(() => choosePlacement({ kind: 'pinned', host: 'z' }, hosts)).toThrow(PlacementError);
  });

  it('spread takes the fewest modules and rotates among ties', () => {
    const hosts = [host('c', 0, 2, 20, 1), host('b', 0, 2, 20, 1), host('d', 0, 2, 20, 4)];
    expect([0, 1, 2].map((cursor) => choosePlacement({ kind: 'spread' }, hosts, cursor).host)).toEqual(['b', 'c', 'b']);
    expect(choosePlacement({ kind: 'spread' }, hosts).explanation).toMatch(/^spread chose b, fewest modules \(2 hosts tied at 1, round robin\): host b: .*; host c: .*; host d: .*4 modules$/);
  });

  it('parses policies and refuses unknown ones', () => {
    expect(parsePolicy('least-loaded')).toEqual({ kind: 'least-loaded' });
    expect(parsePolicy('pinned:feeder-b')).toEqual({ kind: 'pinned', host: 'feeder-b' });
    expect(() => parsePolicy('pinned:')).toThrow(/unknown placement policy "pinned:"/);
    expect(() => parsePolicy('random')).toThrow(PlacementError);
  });
});

describe('inventory', () => {
  const key = 'SHA256:' + 'A'.repeat(43);

  it('fills hosts from defaults and resolves key paths against the inventory folder', () => {
    const inventory = parseInventory(
      {
        defaults: { privateKey: 'keys/id', installDir: '/opt/gl/', bus: { cluster: 'sub-7', interface: 'eth0' } },
        hosts: [
          { name: 'b', address: '10.0.0.2', hostKeys: [key] },
          { name: 'c', address: '10.0.0.3', port: 2222, user: 'gridlink', hostKeys: [key], bus: { seeds: ['tcp://10.1.0.1:5680'] } },
        ],
      },
      'hosts.yaml',
      '/etc/gridlink',
    );
    expect(inventory.hosts[0]).toEqual({
      name: 'b',
      address: '10.0.0.2',
      port: 22,
      user: 'root',
      privateKeyFile: '/etc/gridlink/keys/id',
      hostKeys: [key],
      installDir: '/opt/gl',
      node: 'node',
      bus: { cluster: 'sub-7', port: 5670, interface: 'eth0', seeds: [] },
    });
    expect(inventory.hosts[1]).toMatchObject({ port: 2222, user: 'gridlink', bus: { cluster: 'sub-7', interface: 'eth0', seeds: ['tcp://10.1.0.1:5680'] } });
  });

  it('names the field of every mistake', () => {
    const parse = (value: unknown) => () => parseInventory(value, 'hosts.yaml', '/');
    const one = (extra: Record<string, unknown>) => ({ hosts: [{ name: 'b', address: 'x', privateKey: '/k', ...extra }] });
    expect(parse({ hosts: [] })).toThrow('hosts.yaml: hosts: expected a non-empty list of hosts');
    expect(parse(one({ hostKeys: ['md5:aa'] }))).toThrow(/hosts\[0\]\.hostKeys: "md5:aa" is not a SHA-256 fingerprint/);
    expect(parse(one({ addr: '1' }))).toThrow(/hosts\[0\]: unknown field "addr"/);
    expect(parse(one({ port: 70000 }))).toThrow(/hosts\[0\]\.port: expected a port/);
    expect(parse(one({ installDir: 'relative/dir' }))).toThrow(/hosts\[0\]\.installDir: expected an absolute path/);
    expect(parse({ hosts: [{ name: 'b', address: 'x' }] })).toThrow(/hosts\[0\]\.privateKey: missing/);
    expect(parse({ hosts: [one({}).hosts[0], one({}).hosts[0]] })).toThrow(/host name "b" appears twice/);
    expect(parse(one({ bus: { clusterName: 'x' } }))).toThrow(InventoryError);
  });

  it('quotes values for the remote shell', () => {
    expect(shellQuote("it's /opt/a b")).toBe(`'it'\\''s /opt/a b'`);
  });
});
