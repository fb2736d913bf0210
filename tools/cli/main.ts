/**
 * The `gridlink` command line (bin/gridlink.js loads the compiled form of
 * this file). Each subcommand lives in tools/cli/commands/<name>.ts and
 * exports one `register<Name>Command(program)`; the list below is the only
 * place that wires them in.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from './commander.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error.js';
import { registerPublishCommand } from './commands/publish.js';
import { registerRegistryCommand } from './commands/registry.js';
import { registerRequestCommand } from './commands/request.js';
import { registerSubscribeCommand } from './commands/subscribe.js';
import { registerRunCommand } from './commands/run.js';
import { registerKeygenCommand } from './commands/keygen.js';
import { registerUpCommand } from './commands/up.js';
import { registerPsCommand } from './commands/ps.js';
import { registerConsoleCommand } from './commands/console.js';
import { registerStoracleCommand } from './commands/storacle.js';
import { registerHostsCommand } from './commands/hosts.js';
import { registerPackCommand } from './commands/pack.js';
import { registerStoreCommand } from './commands/store.js';
import { registerAppCommand } from './commands/app.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerCimCommand } from './commands/cim.js';
import { registerAssessCommand } from './commands/assess.js';
import { registerAlarmsCommand } from './commands/alarms.js';
import { registerIec104Command } from './commands/iec104.js';
import { registerDashboardCommand } from './commands/dashboard.js';

// Bus peers log joins and leaves at info level; a CLI prints its own output
// on stdout and keeps stderr for problems. GRIDLINK_LOG=info shows the bus log.
// `run` is a module, not a tool: it logs at info unless told otherwise.
if (process.argv[2] !== 'run') process.env.GRIDLINK_LOG ??= 'warn';

const program = new Command('gridlink')
  .description('Gridlink: run, inspect and talk to the modules of a substation on the Gridlink bus.')
  .version(packageVersion(), '-V, --version', 'print the gridlink version')
  .showHelpAfterError('(add --help for usage)')
  // Errors are thrown to the catch below, which picks the exit code.
  .exitOverride();

program.addHelpText(
  'after',
  `
Examples:
  $ npx gridlink registry
  $ npx gridlink request storage GetTags '{}'
  $ npx gridlink subscribe 'storage/*'
  $ npx gridlink <command> --help

The bus commands find modules on this host by UDP beacons (port 5670, cluster
"gridlink"; --port/GRIDLINK_DISCOVERY_PORT and --cluster/GRIDLINK_CLUSTER change
them). Output is JSON on stdout; problems go to stderr.`,
);

// ---------------------------------------------------------------- subcommands
// One line per subcommand, each from tools/cli/commands/<name>.ts. Subcommands
// are created with program.command(...) inside register*, so they inherit the
// error handling configured above. Add yours here:
registerRegistryCommand(program);
registerRequestCommand(program);
registerPublishCommand(program);
registerSubscribeCommand(program);
registerRunCommand(program);
registerKeygenCommand(program);
registerUpCommand(program);
registerPsCommand(program);
registerConsoleCommand(program);
registerStoracleCommand(program);
registerHostsCommand(program);
registerPackCommand(program);
registerStoreCommand(program);
registerAppCommand(program);
registerSimulateCommand(program);
registerCimCommand(program);
registerAssessCommand(program);
registerAlarmsCommand(program);
registerIec104Command(program);
registerDashboardCommand(program);
// ------------------------------------------------------------ end subcommands

let running = 'gridlink';
program.hook('preAction', (_program, command) => {
  // The full path of a nested command ("gridlink storacle check"), for error messages.
  const names: string[] = [];
  for (let c: typeof command | null = command; c !== null && c !== program; c = c.parent) names.unshift(c.name());
  running = ['gridlink', ...names].join(' ');
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeOf(error);
}
// Every command closes what it opened; should a library still hold the
// event loop, do not hang a shell or a script for it.
setTimeout(() => process.exit(), 3000).unref();

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed the help, version or usage error already.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof CliError) {
    process.stderr.write(`${running}: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${running}: unexpected failure (a bug; please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_FAILURE;
}

function packageVersion(): string {
  try {
    // dist/tools/cli/main.js -> the package root.
    const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') return parsed.version;
  } catch {
    // Fall through: the version is informational.
  }
  return 'unknown';
}
