// The command syntax of the XMPP gateway. A chat message is either a line of text
//   help | info [name] | catalogue | plan <name> [range]
//   install <name> [range] [--plan <id>] [--no-start] [--config <json>]
//   start <name> [--only] | stop <name> [--force] | remove <name> [--delete-data]
//   upgrade <name> [range] [--health-window <ms>] | revert <name> [--health-window <ms>]
//   config <name> [--host <host>] <json>
// where every command but catalogue and plan also takes `--host <host>` (install: a host name or
// a placement policy, least-loaded | spread | pinned:<host>; the others: the app's host),
// or a JSON object with the REST API's fields plus "command", e.g.
//   {"command": "install", "name": "grm", "version_range": "^1.0", "operation_id": "op-1"}
// A text command is answered in text, a JSON command in JSON (docs/PROVISIONING.md, gateways).

import type { AppCommand, CommandKind } from '../../core/provisioning/app-manager-client/index.js';
import { BodyFields, checkOperationId, commandFromFields } from './app-command.js';
import { GatewayError } from './gateway-error.js';

export interface ChatCommand {
  /** undefined: "help". */
  command?: AppCommand;
  /** The requester chose it (JSON form), else the gateway does. */
  operationId?: string;
  format: 'text' | 'json';
}

const KINDS: Record<string, CommandKind> = {
  info: 'apps',
  apps: 'apps',
  list: 'apps',
  catalogue: 'catalogue',
  catalog: 'catalogue',
  plan: 'plan',
  install: 'install',
  start: 'start',
  stop: 'stop',
  remove: 'remove',
  upgrade: 'upgrade',
  revert: 'revert',
  config: 'config',
  configure: 'config',
};

export const CHAT_HELP = `Commands (one per message; a JSON object with the REST fields and "command" works too):
  info [name]                      installed apps (or one)
  catalogue                        what the App Store offers
  plan <name> [range]              what installing would do; answers a plan id
  install <name> [range] [--plan <id>] [--no-start] [--config <json>]
  start <name> [--only]            (--only: without its dependencies)
  stop <name> [--force]
  remove <name> [--delete-data]
  upgrade <name> [range] [--health-window <ms>]
  revert <name> [--health-window <ms>]   back to the version kept before the last upgrade
  config <name> <json>             replace the app's configuration
Every command but catalogue and plan takes --host <host> (before the JSON of config): the host
of the app; for install also least-loaded, spread or pinned:<host>. Without: this host.
Progress of install/start/stop/remove/upgrade/revert/config comes as separate messages.`;

export function parseChatCommand(body: string): ChatCommand {
  const text = body.trim();
  if (text.startsWith('{')) return parseJsonCommand(text);
  return { ...parseTextCommand(text), format: 'text' };
}

function parseJsonCommand(text: string): ChatCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('InvalidArgument', `not valid JSON: ${(error as Error).message}`);
  }
  const fields = BodyFields.of(parsed, 'command');
  const word = fields.text('command');
  if (word === undefined) throw new GatewayError('InvalidArgument', 'a JSON command needs "command" (e.g. "install")');
  if (word === 'help') return { format: 'json' };
  const kind = KINDS[word];
  if (kind === undefined) throw new GatewayError('InvalidArgument', `unknown command "${word}" (send "help")`);
  const name = fields.text('name');
  const operationId = fields.text('operation_id');
  const command = commandFromFields(kind, name, fields);
  fields.done();
  return operationId === undefined ? { command, format: 'json' } : { command, operationId: checkOperationId(operationId), format: 'json' };
}

function parseTextCommand(text: string): { command?: AppCommand } {
  const [word = '', ...args] = text.split(/\s+/);
  const lower = word.toLowerCase();
  if (lower === '' || lower === 'help' || lower === '?') return {};
  const kind = KINDS[lower];
  if (kind === undefined) throw new GatewayError('InvalidArgument', `unknown command "${word}" (send "help")`);
  if (kind === 'config') {
    // Everything after the name (and an optional --host) is the JSON configuration, spaces included.
    const match = /^\S+\s+(\S+)\s+(?:--host\s+(\S+)\s+)?([\s\S]+)$/.exec(text);
    if (!match) throw new GatewayError('InvalidArgument', 'usage: config <name> [--host <host>] <json>');
    let config: unknown;
    try {
      config = JSON.parse(match[3]!);
    } catch (error) {
      throw new GatewayError('InvalidArgument', `config: the configuration is not valid JSON: ${(error as Error).message}`);
    }
    return { command: commandFromFields('config', match[1], BodyFields.of({ config, ...(match[2] ? { host: match[2] } : {}) }, 'config')) };
  }
  const fields: Record<string, unknown> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new GatewayError('InvalidArgument', `${lower}: ${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--plan':
        fields.plan_id = value();
        break;
      case '--no-start':
        fields.start = false;
        break;
      case '--config': {
        const raw = args.slice(i + 1).join(' ');
        i = args.length;
        try {
          fields.config = JSON.parse(raw);
        } catch (error) {
          throw new GatewayError('InvalidArgument', `${lower}: --config is not valid JSON: ${(error as Error).message}`);
        }
        break;
      }
      case '--host':
        if (kind === 'catalogue' || kind === 'plan') throw new GatewayError('InvalidArgument', `${lower}: --host does not apply (the catalogue is the same everywhere; a plan is made here)`);
        fields.host = value();
        break;
      case '--only':
        fields.with_dependencies = false;
        break;
      case '--force':
        fields.force = true;
        break;
      case '--delete-data':
        fields.delete_data = true;
        break;
      case '--health-window': {
        const ms = Number(value());
        if (!Number.isInteger(ms) || ms < 0) throw new GatewayError('InvalidArgument', `${lower}: --health-window needs a whole number of ms`);
        fields.health_window_ms = ms;
        break;
      }
      default:
        if (arg.startsWith('--')) throw new GatewayError('InvalidArgument', `${lower}: unknown option ${arg} (send "help")`);
        positional.push(arg);
    }
  }
  const [name, range, ...extra] = positional;
  const takesRange = kind === 'plan' || kind === 'install' || kind === 'upgrade';
  if (extra.length > 0 || (range !== undefined && !takesRange) || (kind === 'catalogue' && name !== undefined)) {
    throw new GatewayError('InvalidArgument', `${lower}: too many arguments (send "help")`);
  }
  if (range !== undefined) fields.version_range = range;
  return { command: commandFromFields(kind, name, BodyFields.of(fields, lower)) };
}
