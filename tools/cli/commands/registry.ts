/** `gridlink registry`: the live modules of the bus, once or as a stream of changes. */
import type { Command } from '../commander.js';
import type { Bus, ModuleRecord, RegistryChange } from '../../../core/bus/bus.js';
import { shortName } from '../../../core/schema/index.js';
import { addBusOptions, describeWhere, otherModules, pause, readBusOptions, withBus, type BusCliOptions } from '../bus-options.js';
import { printJson, printJsonLine, printNote, recordJson, sortRecords, textTable } from '../output.js';

interface RegistryOptions {
  json: boolean;
  watch: boolean;
}

export function registerRegistryCommand(program: Command): void {
  const command = program
    .command('registry')
    .summary('list the live modules, or watch them come and go')
    .description('List the live modules of the bus: name, host, pid, state, roles (with the request types each handles) and topics.')
    .option('--json', 'print one JSON array of module records instead of a table', false)
    .option('--watch', 'keep running and print join, update and leave events as JSON lines until Ctrl-C', false);
  addBusOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink registry                     a table of the modules on this host
  $ npx gridlink registry --json | jq '.[].name'
  $ npx gridlink registry --watch --cluster lab

The table waits --discover-ms for the modules to answer; the CLI's own peer is
not listed. With --watch, every line is {"event":"join"|"update"|"leave",
"time":..., "module":{...}} (leave adds "reason", update adds "changed").`,
  );
  command.action(async (_options: unknown, self: Command) => {
    const own = self.opts<RegistryOptions>();
    const bus = readBusOptions(self);
    await withBus('gridlink-cli.registry', bus, {}, (peer, signal) => (own.watch ? watch(peer, signal) : list(peer, bus, own.json, signal)));
  });
}

async function list(bus: Bus, options: BusCliOptions, json: boolean, signal: AbortSignal): Promise<void> {
  await pause(options.discoverMs, signal);
  const records = sortRecords(otherModules(bus));
  if (json) {
    printJson(records.map(recordJson));
    return;
  }
  if (records.length === 0) {
    printNote(`no modules found in ${describeWhere(options)} within ${options.discoverMs} ms`);
    return;
  }
  const rows = records.map((record) => [
    record.name,
    record.version,
    record.host,
    String(record.pid),
    record.state,
    record.roles.map(describeRole).join(' ') || '-',
    record.topics.join(' ') || '-',
    record.id.slice(0, 8),
  ]);
  process.stdout.write(`${textTable(['NAME', 'VERSION', 'HOST', 'PID', 'STATE', 'ROLES', 'TOPICS', 'ID'], rows)}\n`);
}

/** "storage(AddEntry,GetTags)"; a role that takes every type is "storage(*)". */
function describeRole(role: ModuleRecord['roles'][number]): string {
  const types = role.requestTypes.length === 0 ? '*' : role.requestTypes.map(shortName).join(',');
  return `${role.name}(${types})`;
}

function watch(bus: Bus, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    // What was heard before we listened is reported as joins, in the same
    // tick as the subscription, so nothing falls between the two.
    for (const record of sortRecords(otherModules(bus))) printJsonLine(event({ kind: 'join', record }));
    const subscription = bus.registry.changes.subscribe((change) => {
      if (change.record.id !== bus.id) printJsonLine(event(change));
    });
    signal.addEventListener(
      'abort',
      () => {
        subscription.unsubscribe();
        resolve();
      },
      { once: true },
    );
  });
}

function event(change: RegistryChange): Record<string, unknown> {
  const line: Record<string, unknown> = { event: change.kind, time: new Date().toISOString(), module: recordJson(change.record) };
  if (change.kind === 'leave') line.reason = change.reason;
  if (change.kind === 'update') line.changed = changedFields(change.previous, change.record);
  return line;
}

function changedFields(previous: ModuleRecord, current: ModuleRecord): string[] {
  const before: Record<string, unknown> = recordJson(previous);
  const after: Record<string, unknown> = recordJson(current);
  return Object.keys(after).filter((key) => key !== 'seq' && JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}
