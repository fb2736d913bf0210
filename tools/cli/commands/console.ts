/** `gridlink console`: a terminal UI on one host agent (tools/console). */
import type { Command } from '../commander.js';
import type { ModuleRecord } from '../../../core/bus/registry.js';
import { SUPERVISOR_ROLE } from '../../../supervisor/agent.js';
import { agentsIn, matchAgents, runConsole } from '../../console/app.js';
import { chooseAgent } from '../../console/choose.js';
import { addBusOptions, describeWhere, readBusOptions, waitUntil, withBus } from '../bus-options.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';

export function registerConsoleCommand(program: Command): void {
  const command = program
    .command('console')
    .summary('a live terminal view of a host agent: tree, events, logs, restart/stop/start')
    .description(
      'Show the supervision tree of a host agent (role "supervisor", started with `gridlink up`) live in the terminal: ' +
        'states, pids, uptime, restarts, memory and CPU; the recent restarts and escalations; the log of the selected child. ' +
        'Keys: ↑↓ or j/k select, r restart, s stop, S start, f force stop, l reload the log, q or Ctrl-C quit.',
    )
    .option('--agent <name or id>', 'the agent to watch when several are reachable: its module id, host name or module name (default: the only one, or a choice)');
  addBusOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink console
  $ npx gridlink console --agent substation-7 --cluster field`,
  );
  command.action(async (_options: unknown, self: Command) => {
    const own = self.opts<{ agent?: string }>();
    const bus = readBusOptions(self);
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw new CliError('the console needs a terminal on stdin and stdout; use `gridlink ps` in scripts', EXIT_USAGE);
    await withBus('gridlink-cli.console', bus, { topics: ['supervisor/events'] }, async (peer, signal) => {
      const found = (): ModuleRecord[] => matchAgents(agentsIn(peer), own.agent);
      // Wait the whole discovery time without --agent: a second agent may still show up.
      await waitUntil(() => own.agent !== undefined && found().length > 0, bus.discoverMs, signal);
      const agents = found();
      if (agents.length === 0) {
        const which = own.agent === undefined ? `no host agent (role "${SUPERVISOR_ROLE}")` : `no host agent "${own.agent}"`;
        throw new CliError(`${which} found in ${describeWhere(bus)} within ${bus.discoverMs} ms; is \`gridlink up\` running?`, EXIT_FAILURE);
      }
      const agent = agents.length === 1 ? agents[0] : await chooseAgent(agents, process.stdin, process.stdout, signal);
      if (!agent) return;
      await runConsole({ bus: peer, agent, cluster: bus.cluster, input: process.stdin, output: process.stdout, signal });
    });
  });
}
