/** `gridlink request <role> <Type> '<json>'`: one request, its reply printed as JSON. */
import type { Command } from '../commander.js';
import type { Bus, ReplyMessage } from '../../../core/bus/bus.js';
import { BusError, RecipientFailureError } from '../../../core/bus/errors.js';
import { handlesType } from '../../../core/bus/registry.js';
import { isRequestType, shortName } from '../../../core/schema/index.js';
import {
  addBusOptions,
  describeWhere,
  otherModules,
  parseMilliseconds,
  readBusOptions,
  unlessAborted,
  waitUntil,
  withBus,
  type BusCliOptions,
} from '../bus-options.js';
import { CliError, EXIT_FAILURE } from '../cli-error.js';
import { decodeBody, resolveMessageType, valueFromJsonArgument, type AnyMessageType } from '../messages.js';
import { jsonText, printJson, printNote } from '../output.js';

const DEFAULT_TIMEOUT_MS = 5000;

export function registerRequestCommand(program: Command): void {
  const command = program
    .command('request')
    .summary('send one request to a module holding a role; print the reply')
    .description('Send one request to a live module holding a role and print its reply as JSON: {"type", "sender", "senderName", "value"}.')
    .argument('<role>', 'the role to address, e.g. storage; role@name or role@id picks one module, e.g. shutdown@monitor')
    .argument('<type>', 'the request type, fully qualified (gridlink.storage.AddEntry) or short (AddEntry) when unique')
    .argument('[json]', 'the request as JSON; "-" reads it from stdin, "@file" from a file', '{}')
    .option('--timeout <ms>', 'how long to wait for the reply', parseMilliseconds, DEFAULT_TIMEOUT_MS);
  addBusOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink request storage CreateDataPoint '{"data_point": "meterA.u1", "tags": ["feeder3"], "unit": "V"}'
  $ npx gridlink request storage gridlink.storage.GetTags '{}' --timeout 2000
  $ npx gridlink request storage AddEntry @entry.json

The request is sent as soon as a module holding the role (and handling the
type) is discovered, at the latest after --discover-ms.
Exit codes: 0 reply printed; 1 no module holds the role, timeout, error reply
or a reply that does not decode; 2 bad input (unknown or ambiguous type name,
JSON that is invalid or does not fit the type: the message says which field).`,
  );
  command.action(async (role: string, typeName: string, json: string, _options: unknown, self: Command) => {
    const timeoutMs = self.opts<{ timeout: number }>().timeout;
    const options = readBusOptions(self);
    // Input errors end here, before the CLI joins the bus.
    const type = resolveMessageType(typeName);
    const { bytes } = valueFromJsonArgument(json, type);
    await withBus('gridlink-cli.request', options, {}, async (bus, signal) => {
      await waitForHolder(bus, role, type, options, signal);
      let reply: ReplyMessage;
      try {
        reply = await unlessAborted(bus.requestRaw(role, type.name, bytes, { timeoutMs }), signal);
      } catch (error) {
        throw explainFailure(error, role, options);
      }
      printReply(bus, type, reply);
    });
  });
}

async function waitForHolder(bus: Bus, address: string, type: AnyMessageType, options: BusCliOptions, signal: AbortSignal): Promise<void> {
  // "role@x" addresses the module whose id or name is x.
  const at = address.indexOf('@');
  const role = at > 0 ? address.slice(0, at) : address;
  const only = at > 0 ? address.slice(at + 1) : undefined;
  const holders = () =>
    otherModules(bus).filter(
      (record) => (only === undefined || record.id === only || record.name === only) && record.roles.some((entry) => entry.name === role),
    );
  const ready = () => holders().some((record) => record.state === 'running' && handlesType(record, role, type.name));
  if (await waitUntil(ready, options.discoverMs, signal)) return;
  const found = holders();
  if (found.length === 0) {
    const roles = [...new Set(otherModules(bus).flatMap((record) => record.roles.map((entry) => entry.name)))].sort();
    const known = roles.length > 0 ? `; roles held: ${roles.join(', ')}` : '; no modules found at all';
    throw new CliError(`no module holds role "${address}" in ${describeWhere(options)} (waited ${options.discoverMs} ms)${known}`, EXIT_FAILURE);
  }
  const what = found.map((record) => {
    const entry = record.roles.find((candidate) => candidate.name === role);
    const types = entry && entry.requestTypes.length > 0 ? entry.requestTypes.map(shortName).join(', ') : 'every type';
    return `${record.name} (${record.state}) handles ${types}`;
  });
  throw new CliError(`no running module holding role "${role}" handles ${type.name}: ${what.join('; ')}`, EXIT_FAILURE);
}

function explainFailure(error: unknown, role: string, options: BusCliOptions): unknown {
  if (error instanceof CliError || !(error instanceof BusError)) return error;
  switch (error.code) {
    case 'NoHandlers':
      return new CliError(`no module holds role "${role}" in ${describeWhere(options)} (${error.message})`, EXIT_FAILURE);
    case 'Timeout':
      return new CliError(`timed out: ${error.message}`, EXIT_FAILURE);
    case 'RecipientFailure': {
      if (!(error instanceof RecipientFailureError) || error.replyType === 'gridlink.bus.BusError') {
        return new CliError(`error reply: ${error.message}`, EXIT_FAILURE);
      }
      const decoded = decodeBody(error.replyType, error.replyBody);
      const body = 'value' in decoded ? jsonText(decoded.value) : `(${decoded.error}; base64 ${decoded.base64})`;
      return new CliError(`error reply to ${error.messageType} from role "${role}": ${error.replyType} ${body}`, EXIT_FAILURE);
    }
    default:
      return new CliError(`request failed: ${error.message}`, EXIT_FAILURE);
  }
}

function printReply(bus: Bus, type: AnyMessageType, reply: ReplyMessage): void {
  const senderName = bus.registry.get(reply.sender)?.name ?? null;
  const decoded = decodeBody(reply.type, reply.body);
  printJson({ type: reply.type, sender: reply.sender, senderName, ...decoded });
  if (!('value' in decoded)) {
    printNote(`gridlink request: the reply does not decode: ${decoded.error}`);
    process.exitCode = EXIT_FAILURE;
    return;
  }
  const expected = isRequestType(type) ? type.reply.name : undefined;
  if (expected !== undefined && reply.type !== expected) {
    printNote(`gridlink request: ${type.name} expects a ${expected} reply; ${senderName ?? reply.sender} answered with ${reply.type}`);
    process.exitCode = EXIT_FAILURE;
  }
}

