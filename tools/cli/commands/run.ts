import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from '../commander.js';
import { Module, ModuleRuntime, type ModuleClass } from '../../../core/actor/index.js';
import { addBusOptions, busInput, readBusOptions } from '../bus-options.js';
import { CliError } from '../cli-error.js';

/** dist/actors: where compiled modules live. */
const actorsDir = fileURLToPath(new URL('../../../actors/', import.meta.url));

/** Every module the project ships, as `run` accepts it (e.g. "examples/generator"). */
export function knownModules(dir = actorsDir, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (existsSync(join(path, 'module.js'))) found.push(`${prefix}${entry}`);
    found.push(...knownModules(path, `${prefix}${entry}/`));
  }
  return found.sort();
}

/** A module name ("examples/generator") or a path to a compiled module file. */
export function resolveModule(spec: string): string {
  if (spec.endsWith('.js') || spec.startsWith('.') || isAbsolute(spec)) {
    const path = resolve(spec);
    if (!existsSync(path)) throw new CliError(`no module file at ${path}`, 2);
    return path;
  }
  if (spec.includes('..')) throw new CliError(`module name "${spec}" must not contain ".."`, 2);
  for (const candidate of [join(actorsDir, spec, 'module.js'), join(actorsDir, 'examples', spec, 'module.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new CliError(`no module "${spec}"; known: ${knownModules().join(', ') || '(none built; run npm run build)'}`, 2);
}

export async function loadModuleClass(path: string): Promise<ModuleClass> {
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    // A syntax error, a file that is not a module, or code that throws while loading.
    throw new CliError(`cannot load ${path}: ${(error as Error).message ?? String(error)}`, 2);
  }
  const candidate = loaded.default;
  if (typeof candidate !== 'function' || !(candidate.prototype instanceof Module)) {
    throw new CliError(`${relative(process.cwd(), path)} does not export a Module subclass as its default export`, 2);
  }
  return candidate as ModuleClass;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('run one module as this process, until it is asked to shut down or gets SIGTERM/SIGINT')
    .argument('[module]', 'a module name (e.g. examples/generator) or the path of a compiled module file')
    .option('--config <file>', 'configuration file (JSON: bus, proxies, stateDir, settings); edits apply while running')
    .option('--list', 'list the modules this installation ships and exit')
    .addHelpText(
      'after',
      `
Examples:
  npx gridlink run examples/generator
  npx gridlink run examples/monitor --config monitor.json --cluster lab
  npx gridlink run --list`,
    );
  addBusOptions(command);
  command.action(async (spec: string | undefined, options: { config?: string; list?: boolean }) => {
    if (options.list) {
      process.stdout.write(knownModules().join('\n') + '\n');
      return;
    }
    if (!spec) throw new CliError(`which module? known: ${knownModules().join(', ')}`, 2);
    const path = resolveModule(spec);
    const moduleClass = await loadModuleClass(path);
    const bus = readBusOptions(command);
    const overrides = busInput(moduleClass.info.name, bus);
    const { name: _name, ...busOverrides } = overrides;
    void _name;
    let runtime: ModuleRuntime;
    try {
      runtime = await ModuleRuntime.start(moduleClass, { configPath: options.config, busOverrides: flagsOnly(command, busOverrides), exitOnStop: true });
    } catch (error) {
      throw new CliError(`cannot start ${moduleClass.info.name}: ${(error as Error).message}`, 2);
    }
    await runtime.whenStopped();
  });
}

/** Only the bus options given on the command line (or in the environment) override the configuration file. */
function flagsOnly(command: Command, overrides: Record<string, unknown>): Record<string, unknown> {
  const given = (name: string): boolean => {
    const source = command.getOptionValueSource(name);
    return source === 'cli' || source === 'env';
  };
  const discovery: Record<string, unknown> = {};
  const from = (overrides.discovery ?? {}) as Record<string, unknown>;
  if (given('port')) discovery.port = from.port;
  if (given('cluster')) discovery.cluster = from.cluster;
  if (given('interface')) discovery.interface = from.interface;
  if (given('seed')) discovery.seeds = from.seeds;
  const result: Record<string, unknown> = Object.keys(discovery).length ? { discovery } : {};
  if (given('keyring')) result.keyring = overrides.keyring;
  return result;
}
