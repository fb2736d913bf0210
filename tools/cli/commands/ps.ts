/** `gridlink ps [--json]`: the supervision tree of a host agent, as text or JSON. */
import type { Command } from '../commander.js';
import type { Bus } from '../../../core/bus/bus.js';
import { TreeReply, TreeRequest, type ChildInfo } from '../../../schemas/generated/messages.js';
import { SUPERVISOR_ROLE } from '../../../supervisor/agent.js';
import { addBusOptions, describeWhere, messageOf, readBusOptions, unlessAborted, waitUntil, withBus } from '../bus-options.js';
import { CliError, EXIT_FAILURE } from '../cli-error.js';
import { printJson, textTable } from '../output.js';

export function registerPsCommand(program: Command): void {
  const command = program
    .command('ps')
    .summary('show the supervision tree of a host agent')
    .description('Ask a host agent (role "supervisor", started with `gridlink up`) for its tree: per child the state, pid, uptime, restarts, memory, CPU and how its last run ended.')
    .option('--json', 'print the TreeReply as one JSON document', false)
    .option('--host <name>', 'the agent of this host, when several agents share the bus');
  addBusOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink ps
  $ npx gridlink ps --json | jq '.root.children[].state'`,
  );
  command.action(async (_options: unknown, self: Command) => {
    const own = self.opts<{ json: boolean; host?: string }>();
    const bus = readBusOptions(self);
    await withBus('gridlink-cli.ps', bus, {}, async (peer, signal) => {
      const agent = await findAgent(peer, bus.discoverMs, own.host, signal);
      if (!agent) throw new CliError(`no host agent (role "${SUPERVISOR_ROLE}") found in ${describeWhere(bus)} within ${bus.discoverMs} ms; is \`gridlink up\` running?`, EXIT_FAILURE);
      let reply: TreeReply;
      try {
        reply = await unlessAborted(peer.request(`${SUPERVISOR_ROLE}@${agent}`, TreeRequest, {}, TreeReply, { timeoutMs: 5000 }), signal);
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(`the host agent did not answer: ${messageOf(error)}`, EXIT_FAILURE);
      }
      if (own.json) printJson(treeJson(reply));
      else process.stdout.write(treeText(reply));
    });
  });
}

async function findAgent(bus: Bus, maxMs: number, host: string | undefined, signal: AbortSignal): Promise<string | undefined> {
  const pick = (): string | undefined =>
    bus.registry.list().find((record) => record.id !== bus.id && record.roles.some((role) => role.name === SUPERVISOR_ROLE) && (host === undefined || record.host === host))?.id;
  await waitUntil(() => pick() !== undefined, maxMs, signal);
  return pick();
}

/** The reply as plain JSON (the incarnation as a decimal string). */
export function treeJson(reply: TreeReply): unknown {
  const node = (info: ChildInfo): Record<string, unknown> => ({ ...info, incarnation: info.incarnation.toString(), children: (info.children ?? []).map(node) });
  return { host: reply.host, root: reply.root ? node(reply.root) : undefined };
}

export function treeText(reply: TreeReply): string {
  const rows: string[][] = [];
  const walk = (info: ChildInfo, depth: number): void => {
    const indent = '  '.repeat(depth);
    const worker = info.kind === 'Worker';
    rows.push([
      `${indent}${info.name ?? '?'}`,
      worker ? (info.module ?? '') : `<${info.strategy}>`,
      info.state,
      worker && info.pid ? String(info.pid) : '-',
      info.state === 'Running' ? seconds(info.uptimeMs) : '-',
      String(info.restarts),
      worker && info.memoryBytes ? `${(info.memoryBytes / 1_048_576).toFixed(1)} MB` : '-',
      worker && info.pid ? `${info.cpuPercent.toFixed(1)}%` : '-',
      info.lastExit || '-',
    ]);
    for (const child of info.children ?? []) walk(child, depth + 1);
  };
  if (reply.root) walk(reply.root, 0);
  return `host ${reply.host ?? '?'}\n${textTable(['NAME', 'MODULE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'MEMORY', 'CPU', 'LAST EXIT'], rows)}\n`;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min`;
}
