// The SCADA uplink: a gateway with only the uplink, a field gateway dialing our RTU, and our
// ControllingStation as the control centre. GI returns the configured points and the substation
// state; changes come spontaneously; a second connection of the redundancy group takes over with
// STARTDT; a permitted command goes over the bus as FieldCommand to the field gateway and on to
// the RTU; a command on an IOA not configured is refused with cause 47 and never reaches the bus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cause, Quality, type Asdu } from '../../core/protocols/iec104/api.js';
import { ControllingStation } from '../../core/protocols/iec104/controlling-station.js';
import { AlarmChanged, GetLinks, LinksReply, MeasurementEvent, SubstationState, type Alarm } from '../../schemas/generated/messages.js';
import { countLines, logLine, removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { eventually, freeTcpPort, Rtu, startGateway, TypeId, type RunningGateway } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let rtu: Rtu;
let uplink: RunningGateway;
let field: RunningGateway;
let scadaPort: number;
const masters: ControllingStation[] = [];

/** A control centre connection collecting every monitor ASDU it gets. */
async function scadaClient(): Promise<{ station: ControllingStation; received: Asdu[] }> {
  const station = new ControllingStation({ host: '127.0.0.1', port: scadaPort, params: { t1: 3000, t2: 500, t3: 5000 }, timeoutMs: 10_000 });
  const received: Asdu[] = [];
  station.onAsdu((asdu) => received.push(asdu));
  await station.connect();
  masters.push(station);
  return { station, received };
}

/** [type, ioa, value, quality] of every object, sorted by IOA. */
function objects(asdus: Asdu[]): [number, number, number, number][] {
  return asdus.flatMap((a) => a.objects.map((o): [number, number, number, number] => [a.typeId, o.ioa, o.value, o.quality])).sort((x, y) => x[1] - y[1]);
}

function spontaneous(received: Asdu[], ioa: number): { asdu: Asdu; value: number; timeMs?: number }[] {
  return received.filter((a) => a.cause === Cause.Spontaneous).flatMap((asdu) => asdu.objects.filter((o) => o.ioa === ioa).map((o) => ({ asdu, value: o.value, timeMs: o.timeMs })));
}

const state = (active: number, storm: boolean): SubstationState => ({
  active,
  unacknowledged: 2,
  administrator: 1,
  fieldEngineer: active - 1,
  worst: 'Major',
  storm,
  groups: [{ group: 'feeder:F1', active: 2, unacknowledged: 1, worst: 'Major', storm }],
  inGrace: false,
  atMs: Date.now(),
});

beforeAll(async () => {
  domain = await newDomain('gw104-scada');
  peer = await TestPeer.start(domain);
  rtu = await Rtu.start({
    commonAddress: 7,
    points: [
      { typeId: TypeId.M_ME_NC_1, ioa: 100, value: 0.5, quality: 0 },
      { typeId: TypeId.M_SP_NA_1, ioa: 101, value: 1, quality: 0 },
    ],
  });
  scadaPort = await freeTcpPort();
  uplink = await startGateway(
    peer,
    domain,
    {
      alarmsRole: '',
      scada: {
        host: '127.0.0.1',
        port: scadaPort,
        commonAddress: 1,
        maxConnections: 2,
        params: { t1: 3000, t2: 500, t3: 5000 },
        points: [
          { ioa: 1001, dataPoint: 'sub1.p', type: 'M_ME_NC_1' },
          { ioa: 1002, dataPoint: 'sub1.breaker', type: 'M_SP_TB_1' },
          { ioa: 1003, dataPoint: 'feeder.load', type: 'M_ME_NB_1' },
        ],
        state: { activeIoa: 2001, unacknowledgedIoa: 2002, worstSeverityIoa: 2003, stormIoa: 2004, groups: [{ group: 'feeder:F1', ioa: 2010 }], alarms: [{ keyPrefix: 'dp:sub1.', ioa: 2020 }] },
        commands: [{ ioa: 3001, type: 'C_SC_NA_1', dataPoint: 'sub1.breaker.cmd', selectBeforeOperate: true }],
      },
    },
    'uplink',
  );
  field = await startGateway(
    peer,
    domain,
    {
      flushIntervalMs: 50,
      links: [
        {
          name: 'rtu-1',
          host: '127.0.0.1',
          port: rtu.port,
          commonAddress: 7,
          // The RTU's t1 is 3 s: acknowledge well within it.
          params: { t1: 3000, t2: 500, t3: 5000 },
          points: [
            { ioa: 100, dataPoint: 'sub1.p', scale: 1000 },
            { ioa: 101, dataPoint: 'sub1.breaker' },
          ],
          commands: [{ ioa: 200, dataPoint: 'sub1.breaker.cmd', type: 'C_SC_NA_1' }],
        },
      ],
    },
    'field',
  );
  await eventually(async () => (await peer.bus.request('iec104-gateway', GetLinks, {}, LinksReply, { timeoutMs: 5000 })).links?.[0]?.state === 'Up', 'field link Up', 10_000, field.process);
}, 30_000);

afterAll(async () => {
  if (process.env.GRIDLINK_TEST_VERBOSE) console.log(uplink?.process.stderr.join('\n'));
  for (const master of masters) await master.close().catch(() => undefined);
  await rtu?.close();
  await peer?.close();
  removeTempDirs();
});

const scadaLink = async () => (await peer.bus.request('iec104-uplink', GetLinks, {}, LinksReply, { timeoutMs: 5000 })).links?.[0];

describe('iec104-gateway SCADA uplink', () => {
  it('is Connecting, not Down, while no control centre has connected yet', async () => {
    expect(await scadaLink()).toMatchObject({ link: 'scada', state: 'Connecting' });
  });

  it('answers GI with the configured points and the state (invalid until known), then sends changes spontaneously', async () => {
    const { station, received } = await scadaClient();
    const first = objects(await station.interrogate(1));
    expect(first.map(([type, ioa]) => [type, ioa])).toEqual([
      [TypeId.M_ME_NC_1, 1001],
      // Time-tagged types answer GI without their time tag.
      [TypeId.M_SP_NA_1, 1002],
      [TypeId.M_ME_NB_1, 1003],
      [TypeId.M_ME_NB_1, 2001],
      [TypeId.M_ME_NB_1, 2002],
      [TypeId.M_ME_NB_1, 2003],
      [TypeId.M_SP_NA_1, 2004],
      [TypeId.M_SP_NA_1, 2010],
      [TypeId.M_SP_NA_1, 2020],
    ]);
    // No alarms module has spoken: the state points are invalid.
    expect(first.filter(([, ioa]) => ioa >= 2001).every(([, , , quality]) => (quality & Quality.IV) !== 0)).toBe(true);

    // Field values reach the uplink over field/values (the RTU's changes after the subscriptions are in place).
    await eventually(
      async () => {
        rtu.send(TypeId.M_ME_NC_1, [{ ioa: 100, value: 0.25, quality: 0 }]);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return spontaneous(received, 1001).some((s) => s.value === 250);
      },
      'sub1.p spontaneous at the SCADA',
      10_000,
      uplink.process,
    );
    const t = Date.parse('2024-06-01T12:00:00.000Z');
    rtu.send(TypeId.M_SP_TB_1, [{ ioa: 101, value: 0, quality: 0, timeMs: t }]);
    const breaker = await until(() => spontaneous(received, 1002).find((s) => s.value === 0), 'breaker change at the SCADA', 10_000, uplink.process);
    expect(breaker.asdu.typeId).toBe(TypeId.M_SP_TB_1);
    expect(breaker.timeMs).toBe(t);
    // An unchanged value is not sent again.
    const before = spontaneous(received, 1001).length;
    rtu.send(TypeId.M_ME_NC_1, [{ ioa: 100, value: 0.25, quality: 0 }, { ioa: 101, value: 1, quality: 0 }]);
    await until(() => spontaneous(received, 1002).some((s) => s.value === 1), 'breaker back on');
    expect(spontaneous(received, 1001).length).toBe(before);

    // MeasurementEvent on `measurements`, scaled value clipped to 32767 with OV.
    await eventually(
      async () => {
        peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'feeder.load', timestampMs: Date.now(), value: 123.4 });
        await new Promise((resolve) => setTimeout(resolve, 100));
        return spontaneous(received, 1003).some((s) => s.value === 123);
      },
      'feeder.load at the SCADA',
    );
    peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'feeder.load', timestampMs: Date.now() + 1, value: 1e6 });
    await until(() => received.some((a) => a.objects.some((o) => o.ioa === 1003 && o.value === 32767 && (o.quality & Quality.OV) !== 0)), 'clipped load with OV');

    // The substation state from alarms/state.
    await eventually(
      async () => {
        peer.bus.publish('alarms/state', SubstationState, state(3, false));
        await new Promise((resolve) => setTimeout(resolve, 100));
        return spontaneous(received, 2001).some((s) => s.value === 3);
      },
      'substation state at the SCADA',
    );
    expect(spontaneous(received, 2002).map((s) => s.value)).toContain(2);
    expect(spontaneous(received, 2003).map((s) => s.value)).toContain(4);
    expect(spontaneous(received, 2010).map((s) => s.value)).toContain(1);
    const unacknowledgedSent = spontaneous(received, 2002).length;
    peer.bus.publish('alarms/state', SubstationState, state(4, true));
    await until(() => spontaneous(received, 2004).some((s) => s.value === 1), 'storm at the SCADA');
    expect(spontaneous(received, 2001).at(-1)?.value).toBe(4);
    expect(spontaneous(received, 2002).length).toBe(unacknowledgedSent);

    // One alarm point: on while an alarm whose key starts with "dp:sub1." is active (alarms/changes).
    const alarm = (state: Alarm['state'], active: boolean): AlarmChanged => ({
      alarm: { key: 'dp:sub1.p:high', state, severity: 'Major', audience: 'FieldEngineer', value: 0, hasValue: false, raisedAtMs: Date.now(), updatedAtMs: Date.now(), count: 1, shelvedUntilMs: 0, active },
      previous: 'Cleared',
      isNew: state === 'Raised',
    });
    peer.bus.publish('alarms/changes', AlarmChanged, alarm('Raised', true));
    await until(() => spontaneous(received, 2020).some((s) => s.value === 1), 'the alarm point on at the SCADA');
    peer.bus.publish('alarms/changes', AlarmChanged, alarm('Cleared', false));
    await until(() => spontaneous(received, 2020).at(-1)?.value === 0, 'the alarm point off at the SCADA');

    const again = objects(await station.interrogate(1));
    expect(again).toContainEqual([TypeId.M_SP_NA_1, 2020, 0, 0]);
    expect(again).toContainEqual([TypeId.M_ME_NC_1, 1001, 250, 0]);
    expect(again).toContainEqual([TypeId.M_SP_NA_1, 1002, 1, 0]);
    expect(again).toContainEqual([TypeId.M_ME_NB_1, 2001, 4, 0]);
    expect(again).toContainEqual([TypeId.M_SP_NA_1, 2004, 1, 0]);
  });

  it('moves data transfer to a second connection of the redundancy group at its STARTDT', async () => {
    const [first] = masters;
    const firstReceived: Asdu[] = [];
    first.onAsdu((asdu) => firstReceived.push(asdu));
    const second = await scadaClient();
    rtu.send(TypeId.M_ME_NC_1, [{ ioa: 100, value: 0.125, quality: 0 }]);
    await until(() => spontaneous(second.received, 1001).some((s) => s.value === 125), 'the change at the second connection', 10_000, uplink.process);
    expect(spontaneous(firstReceived, 1001).some((s) => s.value === 125)).toBe(false);
    const links = await peer.bus.request('iec104-uplink', GetLinks, {}, LinksReply, { timeoutMs: 5000 });
    expect(links.links?.[0]).toMatchObject({ link: 'scada', side: 'Scada', state: 'Up' });
    expect(links.links?.[0].peer).toContain('(started)');
  });

  it('passes a permitted command to the field gateway and refuses one on an IOA not configured', async () => {
    const station = masters[1];
    const sent = await station.command(1, TypeId.C_SC_NA_1, { ioa: 3001, value: 1, quality: 0 }, { selectBeforeOperate: true });
    expect(sent.confirmed).toBe(true);
    expect(sent.steps).toEqual(['select: ACTCON', 'execute: ACTCON', 'ACTTERM']);
    // The uplink's point requires select before operate, so its FieldCommand asks the field gateway for it too.
    expect(rtu.commands).toEqual([
      { typeId: TypeId.C_SC_NA_1, ioa: 200, value: 1, select: true },
      { typeId: TypeId.C_SC_NA_1, ioa: 200, value: 1, select: false },
    ]);

    const unpermitted = await station.command(1, TypeId.C_SC_NA_1, { ioa: 3999, value: 1, quality: 0 });
    expect(unpermitted.confirmed).toBe(false);
    expect(unpermitted.steps.join()).toContain('cause 47');
    await logLine(uplink.process, /not configured: refused.*ioa=3999/);

    const withoutSelect = await station.command(1, TypeId.C_SC_NA_1, { ioa: 3001, value: 0, quality: 0 });
    expect(withoutSelect.confirmed).toBe(false);
    expect(rtu.commands).toHaveLength(2);

    rtu.refuseIoas.add(200);
    const refusedInField = await station.command(1, TypeId.C_SC_NA_1, { ioa: 3001, value: 0, quality: 0 }, { selectBeforeOperate: true });
    expect(refusedInField.confirmed).toBe(false);
    expect(refusedInField.steps).toEqual(['select: ACTCON', 'execute: negative ACTCON']);
    expect(countLines(uplink.process, 'SCADA command failed in the field')).toBe(1);
  });

  it('is Down once every control centre that had started data transfer is gone', async () => {
    for (const master of masters) await master.close();
    await eventually(async () => (await scadaLink())?.state === 'Down', 'the uplink Down', 10_000, uplink.process);
    expect((await scadaLink())?.message).toMatch(/closed|no SCADA connection any more/);
  });
});
