/**
 * The `gridlink` CLI as people use it: the compiled CLI in its own process,
 * real bus peers in this one, real ZeroMQ sockets and UDP beacons between
 * them. A random discovery port and a unique cluster keep this suite apart
 * from every other one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus, type Delivery } from '../../core/bus/bus.js';
import { messageTypeByName, type MessageType } from '../../core/schema/index.js';
import { assertCliBuilt, eventually, freeUdpPort, jsonLines, runCli, startCli, uniqueCluster } from './helpers.js';

function typeNamed(name: string): MessageType<unknown> {
  const type = messageTypeByName(name);
  if (!type) throw new Error(`test setup: no message type ${name}`);
  return type;
}

const AddEntry = typeNamed('gridlink.storage.AddEntry');
const GetTags = typeNamed('gridlink.storage.GetTags');
const GetMostRecentEntry = typeNamed('gridlink.storage.GetMostRecentEntry');
const SuccessReply = typeNamed('gridlink.storage.SuccessReply');
const MeasurementEvent = typeNamed('gridlink.storage.MeasurementEvent');

const ROLE = 'cli-storage';

let port = 0;
let cluster = '';
/** Holds ROLE: answers AddEntry, fails GetTags, never answers GetMostRecentEntry. */
let storage: Bus;
/** Subscribes to measurements/*. */
let listener: Bus;
const storedEntries: unknown[] = [];
const heardMeasurements: { topic: string; type: string; sender: string; value: unknown }[] = [];

/** The discovery options every CLI call of this suite gets. */
function bus(...args: string[]): string[] {
  return [...args, '--port', String(port), '--cluster', cluster];
}

beforeAll(async () => {
  assertCliBuilt();
  port = await freeUdpPort();
  cluster = uniqueCluster('cli-spec');
  const discovery = { port, cluster };
  storage = await Bus.start(
    { name: 'cli-spec-storage', version: '1.2.3', discovery },
    { roles: [{ name: ROLE, requestTypes: [AddEntry.name, GetTags.name, GetMostRecentEntry.name] }], publishes: ['measurements/*'] },
  );
  storage.handle(AddEntry.name, (delivery: Delivery) => {
    const entry = AddEntry.toJson(AddEntry.decode(delivery.body));
    storedEntries.push(entry);
    return { type: SuccessReply.name, body: SuccessReply.encode(SuccessReply.fromJson({ message: `stored ${JSON.stringify(entry)}` })) };
  });
  storage.handle(GetTags.name, () => {
    throw new Error('tag index is being rebuilt');
  });
  storage.handle(GetMostRecentEntry.name, () => new Promise<void>(() => undefined));
  listener = await Bus.start({ name: 'cli-spec-listener', discovery }, {});
  listener.subscribe('measurements/*', (delivery) => {
    const type = typeNamed(delivery.type);
    heardMeasurements.push({ topic: delivery.target, type: delivery.type, sender: delivery.sender, value: type.toJson(type.decode(delivery.body)) });
  });
  await eventually(() => storage.registry.get(listener.id) !== undefined && listener.registry.get(storage.id) !== undefined, 'the two test peers to meet');
});

afterAll(async () => {
  await listener?.close();
  await storage?.close();
});

describe('gridlink --help', () => {
  it('describes the CLI and every command, each with an example', async () => {
    const commands = ['registry', 'request', 'publish', 'subscribe'];
    const top = await runCli(['--help']);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toContain('Usage: gridlink');
    for (const command of commands) expect(top.stdout).toContain(command);

    const results = await Promise.all(commands.map((command) => runCli([command, '--help'])));
    results.forEach((result, i) => {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Usage: gridlink ${commands[i]}`);
      expect(result.stdout).toContain('Example');
      expect(result.stdout).toContain(`npx gridlink ${commands[i]}`);
      expect(result.stdout).toContain('--discover-ms');
    });
  });

  it('exits 2 with the usage hint on a missing argument', async () => {
    const result = await runCli(['request', ROLE]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing required argument 'type'/);
    expect(result.stderr).toContain('--help');
  });
});

describe('gridlink registry', () => {
  it('--json lists the live modules with their roles and topics, not itself', async () => {
    // Port and cluster through the environment this time.
    const result = await runCli(['registry', '--json'], { GRIDLINK_DISCOVERY_PORT: String(port), GRIDLINK_CLUSTER: cluster });
    expect(result.code, result.stderr).toBe(0);
    const records = JSON.parse(result.stdout) as { id: string; name: string; version: string; pid: number; state: string; roles: { name: string; requestTypes: string[] }[]; topics: string[] }[];
    expect(records.map((record) => record.name).sort()).toEqual(['cli-spec-listener', 'cli-spec-storage']);
    const holder = records.find((record) => record.name === 'cli-spec-storage')!;
    expect(holder).toMatchObject({ id: storage.id, version: '1.2.3', pid: process.pid, state: 'running' });
    // Its own role, then the role every bus node holds for its counters.
    expect(holder.roles).toEqual([
      { name: ROLE, requestTypes: [AddEntry.name, GetTags.name, GetMostRecentEntry.name] },
      { name: 'bus', requestTypes: ['gridlink.bus.BusStatsRequest'] },
    ]);
    expect(records.find((record) => record.name === 'cli-spec-listener')!.topics).toEqual(['measurements/*']);
  });

  it('prints a table for people, and leaves the registry as soon as it is done', async () => {
    const seen = new Set<string>();
    const subscription = storage.registry.changes.subscribe((change) => {
      if (change.record.name === 'gridlink-cli.registry') seen.add(change.kind);
    });
    try {
      const result = await runCli(bus('registry', '--discover-ms', '800'));
      expect(result.code, result.stderr).toBe(0);
      const [header, ...rows] = result.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^NAME\s+VERSION\s+HOST\s+PID\s+STATE\s+ROLES\s+TOPICS\s+ID$/);
      expect(rows).toHaveLength(2);
      expect(rows.find((row) => row.startsWith('cli-spec-storage'))).toContain(`${ROLE}(AddEntry,GetTags,GetMostRecentEntry)`);
      expect(rows.find((row) => row.startsWith('cli-spec-listener'))).toContain('measurements/*');
      // Its Leave arrives before the process has exited, not after a heartbeat timeout.
      await eventually(() => seen.has('leave'), 'the CLI peer to leave', 1000);
      expect(seen.has('join')).toBe(true);
      expect(storage.registry.list().some((record) => record.name === 'gridlink-cli.registry')).toBe(false);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('--watch prints joins and leaves as JSON lines until SIGINT', async () => {
    const watching = startCli(bus('registry', '--watch'));
    await eventually(() => watching.lines().length >= 2, 'the watch to report the modules already there');
    const late = await Bus.start({ name: 'cli-spec-late', discovery: { port, cluster } }, { roles: [{ name: 'late', requestTypes: [] }] });
    await eventually(() => watching.stdout().includes('cli-spec-late'), 'the join of a new module');
    await late.close('test over');
    await eventually(() => watching.lines().some((line) => line.includes('"leave"')), 'the leave of the new module');
    watching.child.kill('SIGINT');
    const result = await watching.done;
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout) as { event: string; time: string; module: { name: string; roles: unknown[] }; reason?: string }[];
    expect(events.slice(0, 2).map((e) => [e.event, e.module.name]).sort()).toEqual([
      ['join', 'cli-spec-listener'],
      ['join', 'cli-spec-storage'],
    ]);
    const lateEvents = events.filter((e) => e.module.name === 'cli-spec-late');
    expect(lateEvents[0]).toMatchObject({ event: 'join', module: { roles: [{ name: 'late', requestTypes: [] }, { name: 'bus' }] } });
    expect(lateEvents.at(-1)).toMatchObject({ event: 'leave' });
    // The Leave message or the leaving beacon, whichever comes first.
    expect(lateEvents.at(-1)!.reason).toMatch(/^left/);
    expect(Number.isNaN(Date.parse(events[0]!.time))).toBe(false);
  });
});

describe('gridlink request', () => {
  const entry = { data_point: 'meterA.u1', timestamp_ms: 1_700_000_000_000, value: 231.4 };

  it('sends a request to the holder of the role and prints the decoded reply', async () => {
    // A long discovery window: the request goes out as soon as the holder is known.
    const result = await runCli(bus('request', ROLE, 'AddEntry', JSON.stringify(entry), '--discover-ms', '15000'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.elapsedMs).toBeLessThan(10_000);
    const reply = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(reply).toEqual({
      type: SuccessReply.name,
      sender: storage.id,
      senderName: 'cli-spec-storage',
      value: { message: `stored ${JSON.stringify(entry)}` },
    });
    expect(storedEntries).toContainEqual(entry);
  });

  it('takes the fully qualified type name and JSON from a file', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'gridlink-cli-')), 'entry.json');
    const second = { ...entry, value: 229.9 };
    writeFileSync(file, JSON.stringify(second));
    const result = await runCli(bus('request', ROLE, 'gridlink.storage.AddEntry', `@${file}`));
    expect(result.code, result.stderr).toBe(0);
    expect(storedEntries).toContainEqual(second);
  });

  it('fails with exit 1 and "no module holds role" when nobody holds it', async () => {
    const result = await runCli(bus('request', 'nobody-here', 'AddEntry', JSON.stringify(entry), '--discover-ms', '500'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no module holds role "nobody-here"');
    expect(result.stderr).toContain(`roles held: bus, ${ROLE}`);
  });

  it('fails with exit 1 when the holders of the role do not handle the type', async () => {
    const result = await runCli(bus('request', ROLE, 'UpdateTags', '{"data_point": "meterA.u1"}', '--discover-ms', '500'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no running module holding role "${ROLE}" handles gridlink.storage.UpdateTags`);
    expect(result.stderr).toContain('cli-spec-storage (running) handles AddEntry, GetTags, GetMostRecentEntry');
  });

  it('prints an error reply on stderr and exits 1', async () => {
    const result = await runCli(bus('request', ROLE, 'GetTags', '{}'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/error reply: .*tag index is being rebuilt/);
  });

  it('times out after --timeout with exit 1', async () => {
    const result = await runCli(bus('request', ROLE, 'GetMostRecentEntry', '{"data_point": "meterA.u1"}', '--timeout', '300'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/timed out: no reply from "cli-storage" .* within 300 ms/);
  });

  it('rejects JSON that does not fit the type with exit 2, naming the field', async () => {
    const result = await runCli(bus('request', ROLE, 'AddEntry', '{"data_point": "meterA.u1", "value": "high"}'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('does not fit gridlink.storage.AddEntry');
    expect(result.stderr).toContain('gridlink.storage.AddEntry.value');
  });

  it('rejects a missing required field and unknown fields with exit 2', async () => {
    const missing = await runCli(bus('request', ROLE, 'AddEntry', '{"value": 1}'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('data_point');
    const unknown = await runCli(bus('request', ROLE, 'AddEntry', '{"data_point": "x", "voltage": 1}'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('voltage');
  });

  it('rejects text that is not JSON with exit 2', async () => {
    const result = await runCli(bus('request', ROLE, 'AddEntry', "{data_point: 'x'}"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the JSON is not valid JSON');
  });

  it('rejects an unknown type name with exit 2 and the candidates', async () => {
    const result = await runCli(bus('request', ROLE, 'AddEntri', '{}'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown message type "AddEntri"; did you mean gridlink.storage.AddEntries, gridlink.storage.AddEntriesReply, gridlink.storage.AddEntry?');
  });
});

describe('gridlink publish', () => {
  it('publishes once to the subscribers and prints what it sent', async () => {
    const event = { data_point: 'meterB.p', timestamp_ms: 1_700_000_001_000, value: -12.5 };
    const before = heardMeasurements.length;
    const result = await runCli(bus('publish', 'measurements/meterB', 'MeasurementEvent', JSON.stringify(event)));
    expect(result.code, result.stderr).toBe(0);
    const sent = JSON.parse(result.stdout) as { topic: string; type: string; sender: string; value: unknown; subscribers: string[] };
    expect(sent).toMatchObject({ topic: 'measurements/meterB', type: MeasurementEvent.name, value: event, subscribers: ['cli-spec-listener'] });
    await eventually(() => heardMeasurements.length > before, 'the publication to arrive', 2000);
    expect(heardMeasurements.slice(before)).toEqual([{ topic: 'measurements/meterB', type: MeasurementEvent.name, sender: sent.sender, value: event }]);
  });

  it('says so on stderr when nobody subscribes to the topic', async () => {
    const result = await runCli(bus('publish', 'nobody/listens', 'MeasurementEvent', '{"data_point": "x"}', '--discover-ms', '300'));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ topic: 'nobody/listens', subscribers: [] });
    expect(result.stderr).toContain('no module subscribed to "nobody/listens"');
  });

  it('rejects JSON that does not fit the type with exit 2', async () => {
    const result = await runCli(bus('publish', 'measurements/x', 'MeasurementEvent', '{"data_point": 7}'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('gridlink.storage.MeasurementEvent.data_point');
  });
});

describe('gridlink subscribe', () => {
  it('prints each publication as a JSON line, undecodable ones as base64, and stops after --count', async () => {
    const source = await Bus.start({ name: 'cli-spec-source', discovery: { port, cluster } }, {});
    try {
      const watching = startCli(bus('subscribe', 'alarms/*', '--count', '2'));
      // Wait until the CLI is subscribed and its subscription reached our publisher.
      await eventually(() => source.registry.list().some((record) => record.name === 'gridlink-cli.subscribe' && record.topics.includes('alarms/*')), 'the CLI to subscribe');
      await eventually(() => {
        const expected = source.registry.list().filter((r) => r.id !== source.id).reduce((sum, r) => sum + r.topics.length, 0);
        return source.snapshotStats().subscriptionEvents >= expected;
      }, 'the subscription to reach the publisher');
      const event = { data_point: 'feeder3.i', timestamp_ms: 1_700_000_002_000, value: 412 };
      source.publishRaw('alarms/feeder3', MeasurementEvent.name, MeasurementEvent.encode(MeasurementEvent.fromJson(event)));
      source.publishRaw('alarms/feeder3', MeasurementEvent.name, new Uint8Array([1, 2, 3, 4, 5]));
      source.publishRaw('elsewhere/feeder3', MeasurementEvent.name, MeasurementEvent.encode(MeasurementEvent.fromJson(event)));
      const result = await watching.done;
      expect(result.code, result.stderr).toBe(0);
      const lines = jsonLines(result.stdout);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toEqual({ topic: 'alarms/feeder3', type: MeasurementEvent.name, sender: source.id, senderName: 'cli-spec-source', value: event });
      expect(lines[1]).toMatchObject({ topic: 'alarms/feeder3', type: MeasurementEvent.name, sender: source.id, base64: 'AQIDBAU=' });
      expect((lines[1] as { error: string }).error).toContain(`could not decode ${MeasurementEvent.name}`);
    } finally {
      await source.close();
    }
  });

  it('ends cleanly on SIGTERM and leaves the registry at once', async () => {
    const watching = startCli(bus('subscribe', 'quiet/topic'));
    await eventually(() => storage.registry.list().some((record) => record.name === 'gridlink-cli.subscribe'), 'the CLI to join');
    watching.child.kill('SIGTERM');
    const result = await watching.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    await eventually(() => !storage.registry.list().some((record) => record.name === 'gridlink-cli.subscribe'), 'the CLI to leave', 1000);
  });
});
