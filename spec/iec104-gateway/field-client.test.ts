// The gateway as a real module process dialing an RTU (our ControlledStation in this process),
// with the real storage module: general interrogation and spontaneous values stored with their
// quality companions and time tags, FieldValues and link events published, FieldCommand carried
// to the RTU (select before operate, refused, unknown), the RTU going away and coming back, and
// an RTU sending a malformed APDU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Quality } from '../../core/protocols/iec104/api.js';
import { FieldCommand, FieldCommandReply, GetLinks, LinksReply } from '../../schemas/generated/messages.js';
import { countLines, logLine, removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage } from '../storage/helpers.js';
import { entriesOnce, eventually, FieldListener, fieldErrorOf, Rtu, startGateway, startMalformedRtu, storedEntries, TypeId, type RunningGateway } from './helpers.js';

const points = () => [
  { typeId: TypeId.M_ME_NC_1, ioa: 100, value: 0.5, quality: 0 },
  { typeId: TypeId.M_SP_NA_1, ioa: 101, value: 1, quality: 0 },
  { typeId: TypeId.M_ME_NC_1, ioa: 102, value: 230, quality: 0 },
  { typeId: TypeId.M_ME_NC_1, ioa: 999, value: 7, quality: 0 },
];

let domain: Domain;
let peer: TestPeer;
let listener: FieldListener;
let rtu: Rtu;
let port: number;
let gateway: RunningGateway;

beforeAll(async () => {
  domain = await newDomain('gw104-client');
  peer = await TestPeer.start(domain);
  listener = new FieldListener(peer);
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  rtu = await Rtu.start({ commonAddress: 7, points: points() });
  port = rtu.port;
  gateway = await startGateway(peer, domain, {
    flushIntervalMs: 50,
    links: [
      {
        name: 'rtu-1',
        host: '127.0.0.1',
        port,
        commonAddress: 7,
        backoff: { initialMs: 200, maxMs: 800 },
        params: { t1: 3000, t2: 500, t3: 5000 },
        points: [
          { ioa: 100, dataPoint: 'sub1.p', scale: 1000 },
          { ioa: 101, dataPoint: 'sub1.breaker' },
          { ioa: 102, dataPoint: 'sub1.u', scale: 1, offset: 0 },
        ],
        commands: [
          { ioa: 200, dataPoint: 'sub1.breaker.cmd', type: 'C_SC_NA_1', selectBeforeOperate: true },
          { ioa: 201, dataPoint: 'sub1.setpoint', type: 'C_SE_NC_1' },
          { ioa: 202, dataPoint: 'sub1.blocked', type: 'C_DC_NA_1' },
        ],
      },
    ],
  });
}, 30_000);

afterAll(async () => {
  await rtu?.close();
  await peer?.close();
  removeTempDirs();
});

describe('iec104-gateway field link (client mode)', () => {
  it('connects, interrogates and stores the interrogated values with their quality', async () => {
    // Asked, not heard: the first events may go out before this peer's subscription reaches the gateway.
    await eventually(async () => (await peer.bus.request('iec104-gateway', GetLinks, {}, LinksReply, { timeoutMs: 5000 })).links?.[0]?.state === 'Up', 'link Up', 10_000, gateway.process);
    const p = await entriesOnce(peer, 'sub1.p', 1, gateway.process);
    expect(p.map((e) => e.value)).toEqual([500]);
    expect((await storedEntries(peer, 'sub1.p:quality')).map((e) => e.value)).toEqual([0]);
    expect((await storedEntries(peer, 'sub1.breaker')).map((e) => e.value)).toEqual([1]);
    expect((await storedEntries(peer, 'sub1.u')).map((e) => e.value)).toEqual([230]);
    expect(rtu.interrogations).toBe(1);
    const unmapped = await logLine(gateway.process, 'unmapped IOA');
    expect(unmapped).toContain('ioa=999');
    const links = await peer.bus.request('iec104-gateway', GetLinks, {}, LinksReply, { timeoutMs: 5000 });
    expect(links.links?.[0]).toMatchObject({ gateway: 'iec104-gateway', link: 'rtu-1', protocol: 'iec104', side: 'Field', state: 'Up', peer: `127.0.0.1:${port}`, failures: 0 });
  });

  it('stores spontaneous values at their time tags, and the quality companion when the quality changes', async () => {
    const t = Date.parse('2024-05-01T10:00:00.250Z');
    rtu.send(TypeId.M_ME_TF_1, [{ ioa: 102, value: 231.5, quality: 0, timeMs: t }]);
    rtu.send(TypeId.M_ME_TF_1, [{ ioa: 102, value: 0, quality: Quality.IV | Quality.NT, timeMs: t + 1000 }]);
    rtu.send(TypeId.M_ME_NC_1, [{ ioa: 999, value: 8, quality: 0 }, { ioa: 100, value: 0.25, quality: 0 }]);
    const u = await entriesOnce(peer, 'sub1.u', 3, gateway.process);
    expect(u.filter((e) => e.timestampMs < Date.parse('2025-01-01')).map((e) => [e.timestampMs, e.value])).toEqual([
      [t, 231.5],
      [t + 1000, 0],
    ]);
    const quality = await storedEntries(peer, 'sub1.u:quality');
    // First value (interrogation, arrival time): 0; the time-tagged 231.5 kept quality 0: no entry; then IV|NT.
    expect(quality.map((e) => e.value).sort()).toEqual([0, Quality.IV | Quality.NT].sort());
    expect(quality.find((e) => e.value !== 0)?.timestampMs).toBe(t + 1000);
    const published = await until(() => (listener.published('sub1.u').length >= 3 ? listener.published('sub1.u') : undefined), 'sub1.u on field/values');
    expect(published).toContainEqual([t, 231.5, 0]);
    expect(published).toContainEqual([t + 1000, 0, Quality.IV | Quality.NT]);
    await until(() => listener.published('sub1.p').some(([, value]) => value === 250), 'scaled sub1.p on field/values');
    // The unmapped IOA was seen twice and reported once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(countLines(gateway.process, 'unmapped IOA')).toBe(1);
  });

  it('carries FieldCommands to the RTU: select before operate per point, direct, refused, unknown, out of range', async () => {
    const command = (dataPoint: string, value: number, selectBeforeOperate = false) =>
      peer.bus.request('iec104-gateway', FieldCommand, { dataPoint, value, selectBeforeOperate, origin: 'spec' }, FieldCommandReply, { timeoutMs: 10_000 });
    const breaker = await command('sub1.breaker.cmd', 1);
    expect(breaker.confirmed).toBe(true);
    expect(breaker.message).toContain('select: ACTCON');
    expect(breaker.message).toContain('execute: ACTCON');
    expect(rtu.commands.filter((c) => c.ioa === 200)).toEqual([
      { typeId: TypeId.C_SC_NA_1, ioa: 200, value: 1, select: true },
      { typeId: TypeId.C_SC_NA_1, ioa: 200, value: 1, select: false },
    ]);
    const setpoint = await command('sub1.setpoint', 42.5);
    expect(setpoint.confirmed).toBe(true);
    expect(rtu.commands.filter((c) => c.ioa === 201)).toEqual([{ typeId: TypeId.C_SE_NC_1, ioa: 201, value: 42.5, select: false }]);
    // The request's flag asks for select before operate on a point that does not require it.
    await command('sub1.setpoint', 10, true);
    expect(rtu.commands.filter((c) => c.ioa === 201).map((c) => c.select)).toEqual([false, true, false]);

    rtu.refuseIoas.add(202);
    const refused = await fieldErrorOf(command('sub1.blocked', 2));
    expect(refused.code).toBe('Refused');
    expect(refused.message).toContain('negative ACTCON');
    expect(refused.message).toContain('sub1.blocked');

    const unknown = await fieldErrorOf(command('sub1.nothing', 1));
    expect(unknown.code).toBe('NotFound');
    expect(unknown.message).toContain('sub1.breaker.cmd');
    const measured = await fieldErrorOf(command('sub1.p', 1));
    expect(measured.code).toBe('NotFound');
    expect(measured.message).toContain('measured point');
    const outOfRange = await fieldErrorOf(command('sub1.breaker.cmd', 5));
    expect(outOfRange.code).toBe('InvalidArgument');

    const links = await peer.bus.request('iec104-gateway', GetLinks, {}, LinksReply, { timeoutMs: 5000 });
    expect(links.links?.[0]).toMatchObject({ link: 'rtu-1', state: 'Up', side: 'Field' });
    expect(links.links?.[0].values).toBeGreaterThanOrEqual(7);
  });

  it('reports Down when the RTU goes away, reconnects with backoff and interrogates again', async () => {
    const from = listener.linkEvents.length;
    await rtu.close();
    const down = await until(() => listener.eventsOf('rtu-1', from).find((e) => e.state === 'Down'), 'link Down event', 10_000, gateway.process);
    expect(down.message).toContain('connection closed');
    // Attempts while nothing listens fail and are counted.
    await until(() => listener.eventsOf('rtu-1', from).filter((e) => e.state === 'Down').length >= 2, 'a failed attempt', 10_000, gateway.process);
    const command = await fieldErrorOf(peer.bus.request('iec104-gateway', FieldCommand, { dataPoint: 'sub1.setpoint', value: 1, selectBeforeOperate: false }, FieldCommandReply, { timeoutMs: 5000 }));
    expect(command.code).toBe('Unavailable');

    rtu = await Rtu.start({ port, commonAddress: 7, points: points() });
    const up = await until(() => listener.eventsOf('rtu-1', from).find((e) => e.state === 'Up'), 'link Up again', 10_000, gateway.process);
    expect(up.failures).toBeGreaterThanOrEqual(1);
    await until(() => rtu.interrogations === 1, 'interrogation after the reconnect', 10_000, gateway.process);
  });

  it('closes the link on a malformed APDU with the reason, keeps running and reconnects', async () => {
    const from = listener.linkEvents.length;
    await rtu.close();
    const bad = await startMalformedRtu(port, Uint8Array.from([0x55, 0x01, 0x02, 0x03]));
    const closed = await until(() => listener.eventsOf('rtu-1', from).find((e) => e.state === 'Down' && (e.message ?? '').includes('is not 0x68')), 'Down with the malformed reason', 10_000, gateway.process);
    expect(closed.message).toContain('start octet 0x55');
    await logLine(gateway.process, /field link closed.*is not 0x68/);
    await bad.close();

    rtu = await Rtu.start({ port, commonAddress: 7, points: points() });
    await until(() => listener.eventsOf('rtu-1', from).some((e) => e.state === 'Up'), 'link Up after the malformed RTU', 10_000, gateway.process);
    expect(gateway.process.child.exitCode).toBeNull();
    rtu.send(TypeId.M_ME_NC_1, [{ ioa: 100, value: 0.75, quality: 0 }]);
    await eventually(async () => (await storedEntries(peer, 'sub1.p')).some((e) => e.value === 750), 'a value after the reconnect', 10_000, gateway.process);
  });
});
