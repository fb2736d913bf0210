/**
 * `gridlink simulate --out <dir>`: a synthetic LV feeder (tools/simulate) as
 * CIM files, its ground truth, and the profiles of its buildings and
 * monitoring points, as CSV files or (--storage) into the storage module.
 */
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from '../commander.js';
import { DEFAULT_CLUSTER, DEFAULT_DISCOVER_MS, DEFAULT_DISCOVERY_PORT, describeWhere, interrupted, otherModules, waitUntil, withBus, type BusCliOptions } from '../bus-options.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson } from '../output.js';
import { csvSink } from '../../simulate/csv-sink.js';
import { DEFAULT_FEEDER_OPTIONS, resolveOptions } from '../../simulate/feeder.js';
import { DEFAULT_SIMULATION, resolveSimulation, runSimulation, type Progress, type SimulationOptions, type SimulationSummary } from '../../simulate/simulation.js';
import { DEFAULT_STORAGE_BATCH, DEFAULT_STORAGE_WINDOW, storageSink } from '../../simulate/storage-sink.js';

interface SimulateCliOptions {
  out: string;
  buildings?: number;
  elements?: number;
  branching: number;
  switches?: number;
  monitoringPoints?: number;
  days: number;
  stepS: number;
  gapRate: number;
  gapLength: number;
  pvShare: number;
  seed: number;
  flip?: number;
  flipSwitch: string[];
  storage: boolean;
  role: string;
  window: number;
  batch: number;
  timeout: number;
  quiet: boolean;
  json: boolean;
  port: number;
  cluster: string;
  interface?: string;
  busSeed: string[];
  keyring?: string;
  discoverMs: number;
}

export function registerSimulateCommand(program: Command): void {
  const command = program
    .command('simulate')
    .summary('generate a synthetic LV feeder: CIM files, ground truth and load profiles')
    .description(
      'Generate a seeded synthetic low-voltage feeder (a 20/0.4 kV transformer, cables in a tree, buildings with and without PV, fuses, switches, open ring ties, monitoring points) and write <out>/feeder_EQ.xml and feeder_SSH.xml (CGMES 3 RDF/XML), <out>/feeder.json (options, ground truth: each building\'s node and nearest upstream monitoring point, data point names) and the active-power profile of every building and monitoring point (kW), as <out>/profiles/<data point>.csv or, with --storage, into the storage module over the bus. The same seed gives the same files byte for byte.',
    )
    .requiredOption('--out <dir>', 'the folder to write to (created when missing)')
    .option('--buildings <n>', `number of buildings (default ${DEFAULT_FEEDER_OPTIONS.buildings})`, wholeNumber(1))
    .option('--elements <n>', 'target number of network elements instead of --buildings (approximate)', wholeNumber(10))
    .option('--branching <n>', 'most cables leaving one cable node', wholeNumber(1), DEFAULT_FEEDER_OPTIONS.branching)
    .option('--switches <n>', 'switching devices: fuses/disconnectors/load-break switches on cables, about a quarter as normally open ring ties (default: one per 8 buildings, at least 2)', wholeNumber(0))
    .option('--monitoring-points <n>', 'monitoring points: the transformer, then heads of branches (default: 1 + one per 12 buildings, at most 12)', wholeNumber(1))
    .option('--days <d>', 'span of the profiles in days (fractions allowed)', positiveNumber, DEFAULT_SIMULATION.days)
    .option('--step-s <s>', 'seconds between samples', wholeNumber(1), DEFAULT_SIMULATION.stepMs / 1000)
    .option('--gap-rate <r>', 'share of samples missing from every profile, 0..0.9', shareOf(0.9), DEFAULT_SIMULATION.gapRate)
    .option('--gap-length <n>', 'mean length of a gap in samples', wholeNumber(1), DEFAULT_SIMULATION.gapMeanSamples)
    .option('--pv-share <p>', 'share of buildings with PV, 0..1', shareOf(1), DEFAULT_FEEDER_OPTIONS.pvShare)
    .option('--seed <n>', 'the random seed', wholeNumber(0), DEFAULT_FEEDER_OPTIONS.seed)
    .option('--flip <n>', 'record n switches in the wrong state in the CIM files (profiles follow the actual states; feeder.json lists actual vs recorded), for switch state detection', wholeNumber(0))
    .option('--flip-switch <name>', "record this switch (e.g. 'Switch 3') in the wrong state (repeatable)", collect, [])
    .option('--storage', 'send the profiles to the storage module over the bus instead of CSV files', false)
    .option('--role <role>', 'with --storage: the role of the storage module', 'storage')
    .option('--window <n>', 'with --storage: AddEntries requests in flight at most', wholeNumber(1), DEFAULT_STORAGE_WINDOW)
    .option('--batch <n>', "with --storage: samples per AddEntries request (at most the storage module's maxEntriesPerReply)", wholeNumber(1), DEFAULT_STORAGE_BATCH)
    .option('--timeout <ms>', 'with --storage: how long one request may take', wholeNumber(1), 30_000)
    .option('--quiet', 'no progress on stderr', false)
    .option('--json', 'print the summary as JSON', false)
    // The bus options of the other commands, except that --seed is the random seed here: a ROUTER seed is --bus-seed.
    .addOption(new Option('--port <udp>', 'with --storage: UDP port of the discovery beacons').env('GRIDLINK_DISCOVERY_PORT').default(DEFAULT_DISCOVERY_PORT).argParser(wholeNumber(1, 65535)))
    .addOption(new Option('--cluster <name>', 'with --storage: cluster name').env('GRIDLINK_CLUSTER').default(DEFAULT_CLUSTER))
    .addOption(new Option('--interface <lan>', 'with --storage: also discover modules on this LAN interface'))
    .addOption(new Option('--bus-seed <endpoint>', 'with --storage: ROUTER endpoint of a module in another subnet (repeatable)').default([], 'none').argParser(collect))
    .addOption(new Option('--keyring <file>', 'with --storage: CURVE keyring').env('GRIDLINK_KEYRING'))
    .addOption(new Option('--discover-ms <ms>', 'with --storage: how long to wait for the storage module to be discovered').default(DEFAULT_DISCOVER_MS).argParser(wholeNumber(0)));
  command.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink simulate --out sim/
  $ npx gridlink simulate --out sim/ --buildings 200 --branching 4 --switches 20 --monitoring-points 8 --seed 7
  $ npx gridlink simulate --out sim/ --elements 10000 --days 1 --step-s 900 --quiet
  $ npx gridlink simulate --out sim/ --buildings 20 --days 2 --gap-rate 0.02 --pv-share 0.5 --json
  $ npx gridlink simulate --out sim/ --buildings 10 --days 1 --storage     # a storage module must be running
  $ npx gridlink simulate --out sim/ --buildings 60 --switches 10 --monitoring-points 8 --days 1 --flip 2

Data points are named feeder<seed>.building<n>.p and feeder<seed>.mp<n>.p
(kW, consumption positive) and tagged building or mp, and feeder:<seed>.
Profiles start on Monday 2026-01-05 00:00 UTC. Progress goes to stderr.
Exit codes: 0 written; 1 writing failed or the storage module did not take
the data; 2 bad options.`,
  );
  command.action(async (options: SimulateCliOptions) => {
    let simulation: SimulationOptions;
    try {
      // The defaults of --switches and --monitoring-points follow the number of buildings, also when --elements decides it.
      const buildings = options.elements === undefined ? (options.buildings ?? DEFAULT_FEEDER_OPTIONS.buildings) : resolveOptions({ elements: options.elements, switches: 0, pvShare: options.pvShare }).buildings;
      simulation = resolveSimulation({
        seed: options.seed,
        buildings: options.buildings,
        elements: options.elements,
        branching: options.branching,
        switches: options.switches ?? Math.max(2, Math.round(buildings / 8)),
        monitoringPoints: options.monitoringPoints ?? Math.min(12, 1 + Math.round(buildings / 12)),
        pvShare: options.pvShare,
        days: options.days,
        stepMs: options.stepS * 1000,
        gapRate: options.gapRate,
        gapMeanSamples: options.gapLength,
        flips: options.flip,
        flipSwitches: options.flipSwitch,
      });
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error), EXIT_USAGE);
    }
    const out = resolve(options.out);
    const progress = options.quiet ? undefined : progressPrinter();
    let summary: SimulationSummary;
    try {
      if (!options.storage) {
        summary = await runSimulation(simulation, out, csvSink(join(out, 'profiles')), progress);
      } else {
        const bus = busOptionsOf(options);
        summary = await withBus('gridlink-cli.simulate', bus, {}, async (peer, signal) => {
          const ready = () => otherModules(peer).some((record) => record.state === 'running' && record.roles.some((role) => role.name === options.role));
          if (!(await waitUntil(ready, bus.discoverMs, signal))) {
            throw new CliError(`no running module holds role "${options.role}" in ${describeWhere(bus)} (waited ${bus.discoverMs} ms): start a storage module first`, EXIT_FAILURE);
          }
          const sink = storageSink(peer, { role: options.role, window: options.window, batch: options.batch, timeoutMs: options.timeout, signal });
          return await runSimulation(simulation, out, sink, progress);
        });
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (error instanceof Error && error.message === 'interrupted') throw interrupted();
      throw new CliError(`simulate failed: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILURE);
    }
    if (options.json) {
      printJson(summary);
      return;
    }
    process.stdout.write(
      `feeder seed ${summary.seed}: ${summary.elements} elements, ${summary.links} links, ${summary.buildings} buildings (${summary.pvBuildings} with PV), ` +
        `${summary.monitoringPoints} monitoring points, ${summary.switches.inline} switches on cables and ${summary.switches.ties} open ring ties\n` +
        `profiles: ${summary.buildings + summary.monitoringPoints} data points, ${summary.samplesPerProfile} samples each before gaps, ${summary.entries} entries\n` +
        `written:\n${summary.files
          .slice(0, 3)
          .map((file) => `  ${file}\n`)
          .join('')}` +
        (options.storage ? `  ${summary.files.slice(3).join('\n  ')}\n` : `  ${join(out, 'profiles')}/ (${summary.files.length - 3} CSV files)\n`),
    );
  });
}

function busOptionsOf(options: SimulateCliOptions): BusCliOptions {
  if (options.cluster === '') throw new CliError('--cluster must not be empty', EXIT_USAGE);
  return {
    port: options.port,
    cluster: options.cluster,
    interface: options.interface,
    seeds: options.busSeed,
    discoverMs: options.discoverMs,
    keyring: options.keyring,
  };
}

/** Progress on stderr: each phase's start, then about every tenth of it. */
function progressPrinter(): Progress {
  let lastPhase = '';
  let lastTenth = -1;
  return (phase, done, total) => {
    const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
    if (phase === lastPhase && tenth === lastTenth) return;
    if (phase !== lastPhase) lastTenth = -1;
    lastPhase = phase;
    lastTenth = tenth;
    process.stderr.write(`simulate: ${phase} ${done}/${total}\n`);
  };
}

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) throw new InvalidArgumentError(`expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, not "${value}".`);
    return number;
  };
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`expected a positive number, not "${value}".`);
  return number;
}

function shareOf(max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > max) throw new InvalidArgumentError(`expected a number from 0 to ${max}, not "${value}".`);
    return number;
  };
}

function collect(value: string, previous: string[]): string[] {
  if (!/^tcp:\/\/[^\s:/]+:\d{1,5}$/.test(value)) throw new InvalidArgumentError(`a seed endpoint is like tcp://10.0.0.2:5680, not "${value}".`);
  return [...previous, value];
}
