// Our controlling station against our controlled station over real TCP on 127.0.0.1: every monitor
// type spontaneous and in a general interrogation, clock synchronisation, commands direct and with
// select-before-operate, refusals, and the redundancy group of two masters.
import { afterEach, describe, expect, it } from 'vitest';
import { type Asdu, Cause, type InformationObject, type LinkClose, TypeId, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import { ControlledStation, type ControlledStationHandlerWithSelect, REFUSE_UNKNOWN_IOA } from '../../core/protocols/iec104/controlled-station.js';
import { ControllingStation } from '../../core/protocols/iec104/controlling-station.js';
import { typeInfo } from '../../core/protocols/iec104/type-info.js';
import { randomAsdu, seededRandom } from './codec-samples.js';
import { sleep, until } from './raw-peer.js';

const HOST = '127.0.0.1';
const CA = 1;
const MASTER_ORIGINATOR = 7;
const MONITOR_TYPES = (Object.values(TypeId) as TypeIdValue[]).filter((id) => typeInfo(id)?.direction === 'monitor' && id !== TypeId.M_EI_NA_1);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Monitor ASDUs of every type with seeded values, qualities and time tags (several objects each). */
function monitorAsdus(seed: number, cause: number): Asdu[] {
  const random = seededRandom(seed);
  return MONITOR_TYPES.map((typeId) => ({
    ...randomAsdu(random, typeId, 12),
    cause,
    negative: false,
    test: false,
    originator: 0,
    commonAddress: CA,
  }));
}

interface CommandSeen {
  commonAddress: number;
  typeId: number;
  object: InformationObject;
}

function recordingHandler(
  interrogation: Asdu[],
  options: { refuse?: Map<number, string>; selectRequired?: Set<number>; clockAccepted?: boolean } = {},
): ControlledStationHandlerWithSelect & { commands: CommandSeen[]; clock: number[] } {
  const commands: CommandSeen[] = [];
  const clock: number[] = [];
  return {
    commands,
    clock,
    interrogation: () => interrogation,
    command: async (commonAddress, asdu, object) => {
      commands.push({ commonAddress, typeId: asdu.typeId, object });
      return options.refuse?.get(object.ioa) ?? true;
    },
    clockSync: (_commonAddress, timeMs) => {
      clock.push(timeMs);
      return options.clockAccepted ?? true;
    },
    selectRequired: (_commonAddress, _typeId, ioa) => options.selectRequired?.has(ioa) ?? false,
  };
}

async function outstation(handler: ControlledStationHandlerWithSelect, extra: { maxConnections?: number } = {}): Promise<ControlledStation> {
  const station = await ControlledStation.listen({ host: HOST, port: 0, commonAddresses: [CA], handler, ...extra });
  cleanups.push(() => station.close());
  return station;
}

async function master(station: ControlledStation): Promise<ControllingStation> {
  const client = new ControllingStation({ host: HOST, port: station.address.port, params: {}, originator: MASTER_ORIGINATOR, timeoutMs: 5000 });
  cleanups.push(() => client.close());
  await client.connect();
  return client;
}

describe('controlling station against controlled station', () => {
  it('delivers every monitor type spontaneously with values, qualities and time tags unchanged', async () => {
    const station = await outstation(recordingHandler([]));
    const client = await master(station);
    const received: Asdu[] = [];
    client.onAsdu((asdu) => received.push(asdu));
    const sent = monitorAsdus(11, Cause.Spontaneous);
    expect(sent.length).toBe(12);
    for (const asdu of sent) station.send(asdu);
    await until(() => received.length === sent.length, 'all spontaneous ASDUs');
    expect(received).toEqual(sent);
    expect(received.some((asdu) => asdu.objects.some((object) => object.timeInvalid === true))).toBe(true);
    expect(client.state).toBe('started');
  });

  it('answers a general interrogation with ACTCON, every monitor type with cause 20, ACTTERM', async () => {
    const answer = monitorAsdus(12, Cause.Spontaneous);
    const station = await outstation(recordingHandler(answer));
    const client = await master(station);
    const seen: Asdu[] = [];
    client.onAsdu((asdu) => seen.push(asdu));
    const objects = await client.interrogate(CA);
    const expected = answer.map((asdu) => ({ ...asdu, cause: Cause.InterrogatedByStation, originator: MASTER_ORIGINATOR }));
    expect(objects).toEqual(expected);
    // The interrogated ASDUs also reach the monitor listeners.
    expect(seen).toEqual(expected);
    await expect(client.interrogate(5)).rejects.toThrow(/unknown common address \(cause 46\)/);
  });

  it('synchronises the clock; a refusal is confirmed:false', async () => {
    const handler = recordingHandler([]);
    const station = await outstation(handler);
    const client = await master(station);
    const time = Date.UTC(2024, 5, 30, 23, 59, 58, 765);
    expect(await client.clockSync(CA, time)).toEqual({ confirmed: true, steps: ['ACTCON'] });
    expect(handler.clock).toEqual([time]);

    const refusing = await outstation(recordingHandler([], { clockAccepted: false }));
    const second = await master(refusing);
    expect(await second.clockSync(CA, time)).toEqual({ confirmed: false, steps: ['negative ACTCON'] });
  });

  it('executes single, double and set-point commands, direct and with select-before-operate', async () => {
    const handler = recordingHandler([]);
    const station = await outstation(handler);
    const client = await master(station);

    const direct = await client.command(CA, TypeId.C_SC_NA_1, { ioa: 100, value: 1, quality: 0, qualifier: 0 });
    expect(direct).toEqual({ confirmed: true, steps: ['execute: ACTCON', 'ACTTERM'] });

    const double = await client.command(CA, TypeId.C_DC_NA_1, { ioa: 200, value: 2, quality: 0, qualifier: 1 }, { selectBeforeOperate: true });
    expect(double).toEqual({ confirmed: true, steps: ['select: ACTCON', 'execute: ACTCON', 'ACTTERM'] });

    const setPoint = await client.command(CA, TypeId.C_SE_NC_1, { ioa: 300, value: 231.5, quality: 0, qualifier: 0 }, { selectBeforeOperate: true });
    expect(setPoint).toEqual({ confirmed: true, steps: ['select: ACTCON', 'execute: ACTCON', 'ACTTERM'] });

    expect(handler.commands.map((c) => [c.typeId, c.object.ioa, c.object.value, Boolean(c.object.select)])).toEqual([
      [TypeId.C_SC_NA_1, 100, 1, false],
      [TypeId.C_DC_NA_1, 200, 2, true],
      [TypeId.C_DC_NA_1, 200, 2, false],
      [TypeId.C_SE_NC_1, 300, 231.5, true],
      [TypeId.C_SE_NC_1, 300, 231.5, false],
    ]);
    expect(handler.commands[1].object.qualifier).toBe(1);
  });

  it('reports refusals as confirmed:false with the step: handler refusal, unknown IOA, select required, mismatched execute', async () => {
    const handler = recordingHandler([], {
      refuse: new Map([
        [10, 'interlocked: earthing switch closed'],
        [11, `${REFUSE_UNKNOWN_IOA} 11`],
      ]),
      selectRequired: new Set([12]),
    });
    const station = await outstation(handler);
    const client = await master(station);

    expect(await client.command(CA, TypeId.C_SC_NA_1, { ioa: 10, value: 1, quality: 0 })).toEqual({ confirmed: false, steps: ['execute: negative ACTCON'] });
    expect(await client.command(CA, TypeId.C_SC_NA_1, { ioa: 10, value: 1, quality: 0 }, { selectBeforeOperate: true })).toEqual({
      confirmed: false,
      steps: ['select: negative ACTCON'],
    });
    expect(await client.command(CA, TypeId.C_DC_NA_1, { ioa: 11, value: 1, quality: 0 })).toEqual({
      confirmed: false,
      steps: ['execute: negative: unknown IOA (cause 47)'],
    });
    const before = handler.commands.length;
    expect(await client.command(CA, TypeId.C_SC_NA_1, { ioa: 12, value: 0, quality: 0 })).toEqual({ confirmed: false, steps: ['execute: negative ACTCON'] });
    expect(handler.commands.length).toBe(before); // refused by the station, the handler never saw the execute
    expect(await client.command(CA, TypeId.C_SC_NA_1, { ioa: 12, value: 0, quality: 0 }, { selectBeforeOperate: true })).toEqual({
      confirmed: true,
      steps: ['select: ACTCON', 'execute: ACTCON', 'ACTTERM'],
    });
    await expect(client.command(CA, TypeId.M_SP_NA_1, { ioa: 1, value: 1, quality: 0 })).rejects.toThrow(/not M_SP_NA_1/);
  });

  it('rejects with a clear error when the outstation does not confirm in time', async () => {
    const handler = recordingHandler([]);
    handler.command = () => new Promise<true | string>(() => undefined); // never answers
    const station = await outstation(handler);
    const client = await master(station);
    await expect(client.command(CA, TypeId.C_SC_NA_1, { ioa: 5, value: 1, quality: 0 }, { timeoutMs: 300 })).rejects.toThrow(
      /no ACTCON to the execute of C_SC_NA_1 IOA 5 at common address 1/,
    );
  });

  it('keeps monitor data while no master is started and delivers it at STARTDT', async () => {
    const station = await outstation(recordingHandler([]));
    const queued = monitorAsdus(13, Cause.Spontaneous).slice(0, 3);
    for (const asdu of queued) station.send(asdu);
    expect(station.backlog).toEqual({ queued: 3, dropped: 0 });
    const client = new ControllingStation({ host: HOST, port: station.address.port, originator: 1 });
    cleanups.push(() => client.close());
    const received: Asdu[] = [];
    client.onAsdu((asdu) => received.push(asdu));
    await client.connect();
    await until(() => received.length === 3, 'the queued ASDUs');
    expect(received).toEqual(queued);
    expect(station.backlog.queued).toBe(0);
  });

  it('redundancy: only the started connection gets data; STARTDT on another moves it there', async () => {
    const station = await outstation(recordingHandler(monitorAsdus(14, Cause.Spontaneous).slice(0, 2)), { maxConnections: 2 });
    const first = await master(station);
    const firstSeen: Asdu[] = [];
    first.onAsdu((asdu) => firstSeen.push(asdu));
    const [a, b] = monitorAsdus(15, Cause.Spontaneous);

    station.send(a);
    await until(() => firstSeen.length === 1, 'data on the first connection');

    const second = await master(station);
    const secondSeen: Asdu[] = [];
    second.onAsdu((asdu) => secondSeen.push(asdu));
    await until(() => station.connections().filter((c) => c.started).length === 1 && station.connections().length === 2 && station.connections()[1].started, 'the second connection started');
    expect(station.connections().map((c) => c.started)).toEqual([false, true]);

    station.send(b);
    await until(() => secondSeen.length === 1, 'data on the second connection');
    expect(secondSeen).toEqual([b]);
    // The stopped connection stays open and gets no I frames (the GI goes to the started one too).
    expect((await second.interrogate(CA)).length).toBe(2);
    await sleep(100);
    expect(firstSeen).toEqual([a]);
    expect(first.state).toBe('started'); // its master was not told: Ed.2 leaves STOPDT to the masters

    // A third master is refused at maxConnections, the others stay.
    const third = new ControllingStation({ host: HOST, port: station.address.port, params: { t1: 1000, t2: 500 } });
    cleanups.push(() => third.close());
    const thirdClosed = new Promise<LinkClose>((resolve) => third.onClose(resolve));
    await expect(third.connect()).rejects.toThrow();
    expect((await thirdClosed).reason).toMatch(/closed|ECONNRESET/);
    expect(station.connections().length).toBe(2);

    // The first master takes data transfer back with STOPDT + STARTDT on its own connection.
    await first.link!.stopDataTransfer();
    await first.link!.startDataTransfer();
    station.send(a);
    await until(() => firstSeen.length === 2, 'data back on the first connection');
    expect(station.connections().map((c) => c.started)).toEqual([true, false]);
    expect(secondSeen.filter((asdu) => asdu.cause === Cause.Spontaneous)).toEqual([b]);
  });
});
