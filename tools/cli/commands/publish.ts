/** `gridlink publish <topic> <Type> '<json>'`: one publication, printed as sent. */
import type { Command } from '../commander.js';
import type { Bus, ModuleRecord } from '../../../core/bus/bus.js';
import { addBusOptions, describeWhere, otherModules, pause, readBusOptions, waitUntil, withBus } from '../bus-options.js';
import { resolveMessageType, valueFromJsonArgument } from '../messages.js';
import { printJson, printNote } from '../output.js';

/**
 * After publishing, how long the peer stays so the publication leaves its
 * socket before close (publications are batched on the next turn of the
 * event loop and the publisher does not linger on close).
 */
const SEND_GRACE_MS = 300;

export function registerPublishCommand(program: Command): void {
  const command = program
    .command('publish')
    .summary('publish one message on a topic')
    .description('Publish one message on a topic and print what was sent: {"topic", "type", "sender", "value", "subscribers"}.')
    .argument('<topic>', 'the topic, e.g. storage/events')
    .argument('<type>', 'the message type, fully qualified (gridlink.storage.MeasurementEvent) or short when unique')
    .argument('[json]', 'the message as JSON; "-" reads it from stdin, "@file" from a file', '{}');
  addBusOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink publish measurements/meterA MeasurementEvent '{"data_point": "meterA.u1", "timestamp_ms": 1700000000000, "value": 231.4}'
  $ npx gridlink publish config/generator gridlink.bus.ConfigChanged @config.json

Publications go only to subscribers connected at that moment, so the CLI
first waits until the subscribers of the topic that the registry knows have
connected (at most --discover-ms), then publishes once. "subscribers" lists
the modules that were subscribed. Exit code 2 for bad input (type or JSON).`,
  );
  command.action(async (topic: string, typeName: string, json: string, _options: unknown, self: Command) => {
    const options = readBusOptions(self);
    const type = resolveMessageType(typeName);
    const { value, bytes } = valueFromJsonArgument(json, type);
    await withBus('gridlink-cli.publish', options, { publishes: [topic] }, async (bus, signal) => {
      await waitUntil(() => subscribersConnected(bus, topic), options.discoverMs, signal);
      bus.publishRaw(topic, type.name, bytes);
      await pause(SEND_GRACE_MS, signal);
      const subscribers = subscribersOf(bus, topic);
      printJson({ topic, type: type.name, sender: bus.id, value: type.toJson(value), subscribers: subscribers.map((record) => record.name) });
      if (subscribers.length === 0) {
        printNote(`gridlink publish: no module subscribed to "${topic}" in ${describeWhere(options)} within ${options.discoverMs} ms; nobody received it`);
      }
    });
  });
}

/** Whether a subscription (exact, or a prefix ending in "*") takes the topic. */
export function topicMatches(subscription: string, topic: string): boolean {
  return subscription.endsWith('*') ? topic.startsWith(subscription.slice(0, -1)) : subscription === topic;
}

function subscribersOf(bus: Bus, topic: string): ModuleRecord[] {
  return otherModules(bus).filter((record) => record.topics.some((subscription) => topicMatches(subscription, topic)));
}

/**
 * True once some module subscribes to the topic and every subscription the
 * registry knows of has reached our publisher: each peer that heard of us
 * connects its SUB socket to our publisher and sends one subscription per
 * topic, which the publisher counts.
 */
function subscribersConnected(bus: Bus, topic: string): boolean {
  if (subscribersOf(bus, topic).length === 0) return false;
  const expected = otherModules(bus).reduce((sum, record) => sum + record.topics.length, 0);
  return (bus.snapshotStats().subscriptionEvents ?? 0) >= expected;
}
