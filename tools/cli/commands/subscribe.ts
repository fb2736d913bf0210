/** `gridlink subscribe <topic>`: every publication on a topic as a JSON line. */
import { InvalidArgumentError, type Command } from '../commander.js';
import type { Bus } from '../../../core/bus/bus.js';
import { addBusOptions, readBusOptions, withBus } from '../bus-options.js';
import { followTopic } from '../follow-topic.js';
import { decodeBody } from '../messages.js';
import { printJsonLine } from '../output.js';

export function registerSubscribeCommand(program: Command): void {
  const command = program
    .command('subscribe')
    .summary('print the publications on a topic as JSON lines')
    .description('Print every publication on a topic as a JSON line {"topic", "type", "sender", "senderName", "value"} until Ctrl-C.')
    .argument('<topic>', 'the topic; a trailing "*" takes every topic with that prefix, e.g. "storage/*"')
    .option('--count <n>', 'stop after n publications', parseCount);
  addBusOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink subscribe storage/events
  $ npx gridlink subscribe 'measurements/*' --count 10 | jq .value

A body that does not decode as its type is printed with "error" and the raw
bytes in "base64" instead of "value". Ends on Ctrl-C, SIGTERM or --count.`,
  );
  command.action(async (topic: string, _options: unknown, self: Command) => {
    const count = self.opts<{ count?: number }>().count;
    const options = readBusOptions(self);
    await withBus('gridlink-cli.subscribe', options, {}, (bus, signal) => printPublications(bus, topic, count, signal));
  });
}

function printPublications(bus: Bus, topic: string, count: number | undefined, signal: AbortSignal): Promise<void> {
  return followTopic(bus, topic, count, signal, (delivery) => {
    // The body is only valid during this call: decode (or copy) it now.
    const decoded = decodeBody(delivery.type, delivery.body);
    const senderName = bus.registry.get(delivery.sender)?.name ?? null;
    printJsonLine({ topic: delivery.target, type: delivery.type, sender: delivery.sender, senderName, ...decoded });
    return true;
  });
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count)) {
    throw new InvalidArgumentError(`expected a whole number of publications, not "${value}".`);
  }
  return count;
}
