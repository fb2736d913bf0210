/**
 * `gridlink hosts list|scan|bootstrap|place`: the multi-host rollout from the command line
 * (core/provisioning/rollout): the inventory's hosts and their agents' reports, a host key to
 * confirm before pinning it, host agents bootstrapped over SSH, modules placed by policy.
 */
import { fileURLToPath } from 'node:url';
import { Option, type Command } from '../commander.js';
import type { Bus } from '../../../core/bus/bus.js';
import {
  bootstrapHost,
  describeHost,
  describePolicy,
  describeRuntime,
  findHost,
  HostMonitor,
  InventoryError,
  loadInventory,
  parsePolicy,
  placeModule,
  PlacementError,
  scanHostKey,
  type Inventory,
  type KnownHost,
} from '../../../core/provisioning/rollout/index.js';
import { addBusOptions, describeWhere, messageOf, pause, readBusOptions, unlessAborted, withBus, type BusCliOptions } from '../bus-options.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJsonLine, printNote } from '../output.js';

/** The Gridlink installation this command runs from (dist/tools/cli/commands -> the package root): what bootstrap copies. */
const RUNTIME_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Agents report every 2 s; waiting a little longer sees every live one once. */
const REPORT_WAIT_MS = 2500;

const INVENTORY_EXAMPLE = `
Inventory (YAML or JSON; relative key paths are relative to the file):
  defaults:
    user: root
    privateKey: keys/id_ed25519
    installDir: /opt/gridlink
    bus: { cluster: substation-7, port: 5670, interface: eth0 }
  hosts:
    - name: feeder-b
      address: 10.0.0.2
      hostKeys: ["SHA256:<43 base64 characters>"]   # from \`gridlink hosts scan feeder-b\`, confirmed on the host
    - name: feeder-c
      address: 10.0.0.3
      hostKeys: ["SHA256:..."]

Host keys are pinned: an unknown or changed key is refused (never trusted on first use).
This side joins the bus of the inventory's first host (cluster, port) unless --cluster/--port say otherwise.`;

export function registerHostsCommand(program: Command): void {
  const hosts = program
    .command('hosts')
    .summary('multi-host rollout: inventory, host keys, bootstrap of host agents over SSH, placement')
    .description('Hosts of an inventory file: list them with their agents\' reports, print a host key to pin, bootstrap a host agent on them over SSH, place a module on one by policy.');
  hosts.addHelpText('after', INVENTORY_EXAMPLE);

  const list = withInventory(hosts.command('list'))
    .summary("the inventory's hosts with their agents' last HostStatus (up, lost or unseen)")
    .description('Joins the bus, listens to the agents\' HostStatus reports for a moment, and prints one JSON line per host: state, load, CPUs, memory, running modules.');
  addBusOptions(list);
  list.addHelpText('after', `\nExample:\n  $ npx gridlink hosts list --inventory hosts.yaml\n  {"host":"feeder-b","address":"10.0.0.2","state":"up","load1m":0.12,"cpus":4,...}`);
  list.action(async (_options: unknown, self: Command) => {
    const inventory = readInventory(self);
    const bus = busFor(self, inventory);
    await withBus('gridlink-cli.hosts', bus, {}, async (peer, signal) => {
      const monitor = new HostMonitor(peer);
      try {
        await pause(bus.discoverMs + REPORT_WAIT_MS, signal);
        const seen = new Map(monitor.list().map((host) => [host.name, host]));
        for (const host of inventory.hosts) {
          const known = seen.get(host.name);
          seen.delete(host.name);
          printJsonLine({ host: host.name, address: host.address, ...statusJson(known) });
        }
        for (const known of seen.values()) printJsonLine({ host: known.name, address: null, inInventory: false, ...statusJson(known) });
      } finally {
        monitor.close();
      }
    });
  });

  const watch = hosts
    .command('watch')
    .summary('print every host coming up and every host lost (agent left the bus or stopped reporting), until Ctrl-C')
    .description("Listens to the agents' HostStatus reports and the registry, and prints one JSON line per change: {\"event\":\"up\",...} or {\"event\":\"lost\",\"reason\":...}.")
    .addOption(new Option('--stale-ms <ms>', 'a host that sends no HostStatus for this long is lost').default('10000'));
  addBusOptions(watch);
  watch.addHelpText('after', `\nExample:\n  $ npx gridlink hosts watch --interface eth0\n  {"event":"up","host":"feeder-b","agentId":"...","summary":"host feeder-b: load 0.12/4 CPUs, ..."}\n  {"event":"lost","host":"feeder-c","reason":"no HostStatus for 10.3 s (its agent stopped reporting)"}`);
  watch.action(async (options: { staleMs: string }, self: Command) => {
    const staleAfterMs = Number(options.staleMs);
    if (!Number.isInteger(staleAfterMs) || staleAfterMs < 1000) throw new CliError(`--stale-ms: expected a whole number of ms, at least 1000, not "${options.staleMs}"`, EXIT_USAGE);
    const bus = readBusOptions(self);
    await withBus('gridlink-cli.hosts', bus, {}, async (peer, signal) => {
      const monitor = new HostMonitor(peer, { staleAfterMs });
      monitor.onChange((change) => {
        const known = monitor.get(change.host);
        if (change.kind === 'up') printJsonLine({ event: 'up', host: change.host, agentId: change.status.agentId, summary: known ? describeHost(known) : undefined });
        else printJsonLine({ event: 'lost', host: change.host, reason: change.reason });
      });
      try {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      } finally {
        monitor.close();
      }
    });
  });

  const scan = hosts
    .command('scan')
    .summary("print a host's SSH host key fingerprint, for an administrator to confirm and pin")
    .description(
      'Connects to the SSH server, reads the host key it presents and disconnects without logging in. Confirm the fingerprint on the host itself ' +
        '(`ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub`) before adding it to hostKeys: this command does not make it trusted.',
    )
    .argument('<host>', 'a host of the inventory, or an address')
    .addOption(new Option('--inventory <file>', 'the inventory, to scan a host by name and compare with its pinned keys').env('GRIDLINK_INVENTORY'))
    .addOption(new Option('--ssh-port <port>', 'SSH port for an address (default 22)').default('22'));
  scan.addHelpText('after', `\nExamples:\n  $ npx gridlink hosts scan 10.0.0.2\n  $ npx gridlink hosts scan feeder-b --inventory hosts.yaml`);
  scan.action(async (target: string, options: { inventory?: string; sshPort: string }) => {
    const inventory = options.inventory ? loadOrFail(options.inventory) : undefined;
    const host = inventory?.hosts.find((h) => h.name === target);
    const address = host?.address ?? target;
    const port = host?.port ?? Number(options.sshPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--ssh-port: expected a port, not "${options.sshPort}"`, EXIT_USAGE);
    let fingerprint: string;
    try {
      fingerprint = await scanHostKey(address, port);
    } catch (error) {
      throw new CliError(`could not read the host key of ${address}:${port}: ${messageOf(error)}`, EXIT_FAILURE);
    }
    const pinned = host ? (host.hostKeys.includes(fingerprint) ? 'pinned' : host.hostKeys.length ? 'DIFFERENT from the pinned key(s)' : 'not pinned') : undefined;
    printJsonLine({ host: host?.name ?? null, address, port, fingerprint, ...(host ? { pinnedKeys: host.hostKeys, inventory: pinned } : {}) });
  });

  const bootstrap = withInventory(hosts.command('bootstrap'))
    .summary('copy the runtime (and app packages) to hosts over SSH, start their host agents, check they joined the bus')
    .description(
      "Per host: connects over SSH (pinned host key), sends this installation's runtime (dist/, bin/, package files, production node_modules) " +
        'as one tar stream unless the host has it already (same digest), copies the given packages by SFTP, starts `gridlink up` detached ' +
        '(log: <installDir>/agent.log) and waits until its HostStatus arrives here. An agent already running from the same runtime is kept.',
    )
    .argument('[hosts...]', 'names of inventory hosts (default: all)')
    .addOption(new Option('--package <zip>', 'an app package to copy into <installDir>/packages/ (repeatable)').default([], 'none').argParser((value: string, previous: string[]) => [...previous, value]))
    .option('--restart', 'restart an agent that already runs from the same runtime', false)
    .addOption(new Option('--join-timeout <ms>', 'how long an agent may take to show up on the bus').default('20000'));
  addBusOptions(bootstrap);
  bootstrap.addHelpText(
    'after',
    `\nExamples:\n  $ npx gridlink hosts bootstrap --inventory hosts.yaml --interface eth0\n  $ npx gridlink hosts bootstrap feeder-b --inventory hosts.yaml --package dist/apps/grm-1.2.0.zip\n\nOne JSON line per host: {"host":"feeder-b","runtime":"copied","agent":"started","agentPid":4711,...}; exit code 1 if any host failed.`,
  );
  bootstrap.action(async (names: string[], options: { package: string[]; restart: boolean; joinTimeout: string }, self: Command) => {
    const inventory = readInventory(self);
    const targets = names.length ? names.map((name) => findOrFail(inventory, name)) : inventory.hosts;
    const bus = busFor(self, inventory);
    const bundle = await describeRuntime(RUNTIME_ROOT).catch((error: unknown) => {
      throw new CliError(messageOf(error), EXIT_FAILURE);
    });
    let failed = 0;
    await withBus('gridlink-cli.hosts', bus, {}, async (peer, signal) => {
      const monitor = new HostMonitor(peer);
      try {
        for (const host of targets) {
          try {
            const result = await unlessAborted(
              bootstrapHost(host, {
                runtimeRoot: RUNTIME_ROOT,
                bundle,
                packages: options.package,
                monitor,
                restart: options.restart,
                joinTimeoutMs: Number(options.joinTimeout),
                onProgress: (step) => printNote(`${host.name}: ${step}`),
              }),
              signal,
            );
            printJsonLine(result);
          } catch (error) {
            if (error instanceof CliError) throw error;
            failed++;
            printNote(`gridlink hosts bootstrap: ${messageOf(error)}`);
            printJsonLine({ host: host.name, error: messageOf(error).split('\n')[0] });
          }
        }
      } finally {
        monitor.close();
      }
    });
    if (failed) throw new CliError(`${failed} of ${targets.length} host(s) failed (${describeWhere(bus)})`, EXIT_FAILURE);
  });

  const place = hosts
    .command('place')
    .summary('place a module on a host chosen by policy (least-loaded, spread, pinned:<host>), with the decision explained')
    .description(
      "Waits for the agents' HostStatus reports, chooses a host (lost hosts are excluded) and asks its agent to add the module to its tree (AddChild). " +
        'least-loaded scores load per CPU + 0.25 x modules per CPU + 0.5 x memory in use; spread takes the host with the fewest modules.',
    )
    .argument('<module>', 'as `gridlink run` takes it on the host: a module name (examples/monitor) or a file there')
    .requiredOption('--name <child>', 'child name in the host\'s tree')
    .option('--policy <policy>', 'least-loaded, spread or pinned:<host>', 'least-loaded')
    .option('--config <file>', 'configuration file of the module, on the host')
    .option('--supervisor <path>', 'supervisor of the host\'s tree to add it to', 'root');
  addBusOptions(place);
  place.addHelpText(
    'after',
    `\nExamples:\n  $ npx gridlink hosts place examples/monitor --name monitor --interface eth0\n  $ npx gridlink hosts place storage --name storage --policy pinned:feeder-c\n\nPrints {"host":"feeder-b","policy":"least-loaded","explanation":"least-loaded chose feeder-b: host feeder-b: load 0.10/4 CPUs, ...","message":"added root/monitor"}`,
  );
  place.action(async (module: string, options: { name: string; policy: string; config?: string; supervisor: string }, self: Command) => {
    let policy;
    try {
      policy = parsePolicy(options.policy);
    } catch (error) {
      throw new CliError(messageOf(error), EXIT_USAGE);
    }
    const bus = readBusOptions(self);
    await withBus('gridlink-cli.hosts', bus, {}, async (peer: Bus, signal) => {
      const monitor = new HostMonitor(peer);
      try {
        await pause(bus.discoverMs + REPORT_WAIT_MS, signal);
        if (monitor.list().length === 0) throw new CliError(`no host agent reported a HostStatus in ${describeWhere(bus)}; is \`gridlink up\` running there?`, EXIT_FAILURE);
        const placed = await unlessAborted(placeModule(peer, monitor, policy, { name: options.name, module, config: options.config, supervisor: options.supervisor }), signal);
        printJsonLine({ host: placed.decision.host, agentId: placed.decision.agentId, policy: describePolicy(policy), explanation: placed.decision.explanation, message: placed.message });
      } catch (error) {
        if (error instanceof CliError) throw error;
        if (error instanceof PlacementError) throw new CliError(error.message, EXIT_FAILURE);
        throw new CliError(`placing ${module} failed: ${messageOf(error)}`, EXIT_FAILURE);
      } finally {
        monitor.close();
      }
    });
  });
}

function withInventory(command: Command): Command {
  return command.addOption(new Option('--inventory <file>', 'the host inventory (YAML or JSON)').env('GRIDLINK_INVENTORY').makeOptionMandatory());
}

function loadOrFail(file: string): Inventory {
  try {
    return loadInventory(file);
  } catch (error) {
    if (error instanceof InventoryError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}

function readInventory(command: Command): Inventory {
  return loadOrFail(String(command.opts<{ inventory: string }>().inventory));
}

function findOrFail(inventory: Inventory, name: string): Inventory['hosts'][number] {
  try {
    return findHost(inventory, name);
  } catch (error) {
    throw new CliError(messageOf(error), EXIT_USAGE);
  }
}

/** The bus options, with the inventory's cluster and port where the command line left the defaults. */
function busFor(command: Command, inventory: Inventory): BusCliOptions {
  const options = readBusOptions(command);
  const first = inventory.hosts[0].bus;
  return {
    ...options,
    cluster: command.getOptionValueSource('cluster') === 'default' ? first.cluster : options.cluster,
    port: command.getOptionValueSource('port') === 'default' ? first.port : options.port,
  };
}

function statusJson(known: KnownHost | undefined): Record<string, unknown> {
  if (!known) return { state: 'unseen' };
  const s = known.status;
  return {
    state: known.lost ? 'lost' : 'up',
    ...(known.lost ? { lost: known.lost } : {}),
    agentId: s.agentId,
    agentPid: s.agentPid,
    load1m: Number(s.load1m.toFixed(2)),
    cpus: s.cpuCount,
    freeMemoryBytes: s.freeMemoryBytes,
    totalMemoryBytes: s.totalMemoryBytes,
    runningModules: s.runningModules,
    summary: describeHost(known),
  };
}
