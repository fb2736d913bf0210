// Server mode: the gateway listens and the RTU dials in (as over a mobile network). The RTU is our
// ControlledStation behind a TCP connection the test opens to the gateway; the gateway still acts
// as the master over it (STARTDT, GI, commands). Values reach the real storage module; hanging up
// gives Down, dialing again gives Up, and a second connection replaces the first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCommand, FieldCommandReply, GetLinks, LinksReply } from '../../schemas/generated/messages.js';
import { removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage } from '../storage/helpers.js';
import { dialFromRtu, entriesOnce, eventually, FieldListener, freeTcpPort, Rtu, startGateway, storedEntries, TypeId, type RunningGateway } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let listener: FieldListener;
let rtu: Rtu;
let gateway: RunningGateway;
let gatewayPort: number;

async function linkState(): Promise<string | undefined> {
  const reply = await peer.bus.request('iec104-gateway', GetLinks, {}, LinksReply, { timeoutMs: 5000 });
  return reply.links?.[0]?.state;
}

beforeAll(async () => {
  domain = await newDomain('gw104-server');
  peer = await TestPeer.start(domain);
  listener = new FieldListener(peer);
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  rtu = await Rtu.start({ commonAddress: 3, points: [{ typeId: TypeId.M_ME_NB_1, ioa: 10, value: 1200, quality: 0 }] });
  gatewayPort = await freeTcpPort();
  gateway = await startGateway(peer, domain, {
    flushIntervalMs: 50,
    links: [
      {
        name: 'dial-in',
        mode: 'server',
        host: '127.0.0.1',
        port: gatewayPort,
        commonAddress: 3,
        params: { t1: 3000, t2: 500, t3: 5000 },
        points: [{ ioa: 10, dataPoint: 'sub2.i', scale: 0.1 }],
        commands: [{ ioa: 20, dataPoint: 'sub2.tap', type: 'C_SE_NC_1', selectBeforeOperate: true }],
      },
    ],
  });
}, 30_000);

afterAll(async () => {
  await rtu?.close();
  await peer?.close();
  removeTempDirs();
});

describe('iec104-gateway field link (server mode)', () => {
  it('waits for the RTU, then starts data transfer, interrogates and stores over the RTU`s connection', async () => {
    expect(await linkState()).toBe('Connecting');
    const dial = await dialFromRtu(rtu, gatewayPort);
    await eventually(async () => (await linkState()) === 'Up', 'link Up', 10_000, gateway.process);
    const stored = await entriesOnce(peer, 'sub2.i', 1, gateway.process);
    expect(stored.map((e) => e.value)).toEqual([120]);
    rtu.send(TypeId.M_ME_NB_1, [{ ioa: 10, value: 1250, quality: 0 }]);
    await eventually(async () => (await storedEntries(peer, 'sub2.i')).some((e) => e.value === 125), 'the spontaneous value', 10_000, gateway.process);
    expect((await storedEntries(peer, 'sub2.i:quality')).map((e) => e.value)).toEqual([0]);

    const reply = await peer.bus.request('iec104-gateway', FieldCommand, { dataPoint: 'sub2.tap', value: 3, selectBeforeOperate: false }, FieldCommandReply, { timeoutMs: 10_000 });
    expect(reply.confirmed).toBe(true);
    expect(rtu.commands.map((c) => [c.ioa, c.value, c.select])).toEqual([
      [20, 3, true],
      [20, 3, false],
    ]);

    const from = listener.linkEvents.length;
    dial.close();
    const down = await until(() => listener.eventsOf('dial-in', from).find((e) => e.state === 'Down'), 'Down after the RTU hung up', 10_000, gateway.process);
    expect(down.message).toContain('waiting for the RTU to connect again');
  });

  it('takes the RTU`s next call, and a new call replaces an old one', async () => {
    const first = await dialFromRtu(rtu, gatewayPort);
    await eventually(async () => (await linkState()) === 'Up', 'link Up again', 10_000, gateway.process);
    const interrogations = rtu.interrogations;
    const second = await dialFromRtu(rtu, gatewayPort);
    await first.closed;
    await eventually(async () => (await linkState()) === 'Up' && rtu.interrogations > interrogations, 'the second call up and interrogated', 10_000, gateway.process);
    rtu.send(TypeId.M_ME_NB_1, [{ ioa: 10, value: 990, quality: 0 }]);
    await eventually(async () => (await storedEntries(peer, 'sub2.i')).some((e) => e.value === 99), 'a value over the second call', 10_000, gateway.process);
    second.close();
  });
});
