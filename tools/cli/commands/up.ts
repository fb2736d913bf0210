/** `gridlink up <tree file>`: the host agent with its supervision tree, in the foreground until SIGTERM/SIGINT. */
import type { Command } from '../commander.js';
import { loadKeyring } from '../../../core/bus/keyring-file.js';
import { HostAgent } from '../../../supervisor/agent.js';
import { loadTreeFile, TreeFileError } from '../../../supervisor/tree-file.js';
import { addBusOptions, messageOf, readBusOptions } from '../bus-options.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJsonLine, printNote } from '../output.js';

/** Exit code of `up` when the root supervisor gave up (its restart intensity was exceeded). */
export const EXIT_ESCALATED = 3;

export function registerUpCommand(program: Command): void {
  const command = program
    .command('up')
    .summary('run the host agent: a supervision tree of modules, until SIGTERM/SIGINT')
    .description(
      'Start the host agent: the modules of a tree file (JSON or YAML) as supervised processes, restarted by their ' +
        "supervisor's strategy, with their output in rotated log files. The agent joins the bus with role " +
        '"supervisor" (see `gridlink ps`) and prints every supervisor event as a JSON line on stdout.',
    )
    .argument('<tree-file>', 'the supervision tree (.json, .yaml or .yml)');
  addBusOptions(command);
  command.addHelpText(
    'after',
    `
Example tree file (substation.json; docs/SUPERVISION.md describes every field):
  {
    "root": {
      "strategy": "one_for_one", "intensity": 3, "periodMs": 5000,
      "backoff": { "minMs": 100, "maxMs": 10000, "randomFactor": 0.2, "resetAfterMs": 10000 },
      "children": [
        { "name": "storage", "module": "storage" },
        { "name": "generator", "module": "examples/generator", "restart": "permanent", "shutdown": 5000 },
        { "name": "monitor", "module": "examples/monitor", "restart": "transient" }
      ]
    },
    "logs": { "dir": ".gridlink/logs", "maxBytes": 1048576, "keep": 3 }
  }

  $ npx gridlink up supervisor/examples/substation.json
  $ npx gridlink ps                         (in a second terminal)

Exit codes: 0 after SIGTERM/SIGINT (every module stopped, in reverse order),
2 for a bad tree file, ${EXIT_ESCALATED} when the root supervisor gave up.`,
  );
  command.action(async (file: string, _options: unknown, self: Command) => {
    let tree;
    try {
      tree = loadTreeFile(file);
    } catch (error) {
      if (error instanceof TreeFileError) throw new CliError(error.message, EXIT_USAGE);
      throw error;
    }
    const bus = readBusOptions(self);
    let keyring;
    try {
      keyring = bus.keyring ? loadKeyring(bus.keyring) : undefined;
    } catch (error) {
      throw new CliError(messageOf(error), EXIT_USAGE);
    }
    let finish!: (code: number) => void;
    const finished = new Promise<number>((resolve) => (finish = resolve));
    const onSignal = (signal: NodeJS.Signals): void => {
      printNote(`gridlink up: ${signal}: stopping every module in reverse order`);
      finish(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let agent: HostAgent;
    try {
      agent = await HostAgent.start({
        tree,
        discovery: { port: bus.port, cluster: bus.cluster, interface: bus.interface, seeds: bus.seeds },
        keyring,
        keyringFile: bus.keyring,
        onEvent: (event) => printJsonLine({ event: 'supervisor', ...event }),
      });
    } catch (error) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      throw new CliError(`could not start the host agent: ${messageOf(error)}`, EXIT_FAILURE);
    }
    agent.onRootFailed((reason) => {
      printNote(`gridlink up: the root supervisor gave up: ${reason}`);
      finish(EXIT_ESCALATED);
    });
    printJsonLine({ event: 'up', pid: process.pid, id: agent.bus.id, host: agent.host, children: agent.root.children.length });
    const code = await finished;
    await agent.stop(code === 0 ? 'host agent stopped' : 'root supervisor gave up');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    printJsonLine({ event: 'down' });
    if (code !== 0) throw new CliError('the root supervisor gave up', code);
  });
}
