// The APCI state machine against a hand-driven raw peer on real TCP: the k window, w and t2
// acknowledgements, t1 and t3, STOPDT, t0 and STARTDT con on the controlling side, and that a
// closed link leaves no timers behind. Timers are small (hundreds of ms); the tests assert what
// happens, not when.
import { afterEach, describe, expect, it } from 'vitest';
import { type Asdu, Cause, type LinkClose, TypeId } from '../../core/protocols/iec104/api.js';
import { ControlledStation } from '../../core/protocols/iec104/controlled-station.js';
import { ControllingStation } from '../../core/protocols/iec104/controlling-station.js';
import { RawPeer, RawServer, sleep, until } from './raw-peer.js';

const HOST = '127.0.0.1';
const CA = 3;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function measurement(ioa: number, value: number): Asdu {
  return {
    typeId: TypeId.M_ME_NC_1,
    sequence: false,
    cause: Cause.Spontaneous,
    negative: false,
    test: false,
    originator: 0,
    commonAddress: CA,
    objects: [{ ioa, value, quality: 0 }],
  };
}

async function outstation(params: Parameters<typeof ControlledStation.listen>[0]['params']): Promise<{ station: ControlledStation; closes: LinkClose[] }> {
  const station = await ControlledStation.listen({
    host: HOST,
    port: 0,
    params,
    commonAddresses: [CA],
    handler: { interrogation: () => [], command: async () => true },
  });
  const closes: LinkClose[] = [];
  station.onConnectionClose((_peer, close) => closes.push(close));
  cleanups.push(() => station.close());
  return { station, closes };
}

async function rawMaster(port: number, start = true): Promise<RawPeer> {
  const peer = await RawPeer.connect(HOST, port);
  cleanups.push(() => peer.close());
  if (start) {
    peer.send({ kind: 'U', fn: 'STARTDT_ACT' });
    await until(() => peer.count('STARTDT_CON') === 1, 'STARTDT con');
  }
  return peer;
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('IEC 104 link', () => {
  it('k window: stops after k unacknowledged I frames and resumes on the S frame', async () => {
    const { station } = await outstation({ k: 4, w: 2, t1: 10_000, t2: 5000, t3: 20_000 });
    const peer = await rawMaster(station.address.port);
    for (let i = 0; i < 10; i++) station.send(measurement(100 + i, i));
    await until(() => peer.iFrames().length === 4, 'the first k I frames');
    await sleep(150);
    expect(peer.iFrames().length).toBe(4);

    peer.send({ kind: 'S', recvSeq: 2 }); // acknowledges two: room for two more
    await until(() => peer.iFrames().length === 6, 'two more I frames');
    await sleep(100);
    expect(peer.iFrames().length).toBe(6);

    peer.acknowledge();
    await until(() => peer.iFrames().length === 10, 'the rest');
    const frames = peer.iFrames();
    expect(frames.map((frame) => frame.sendSeq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peer.asdus().map((asdu) => asdu.objects[0].value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('w: the controlling station acknowledges every w I frames, t2 acknowledges the rest when idle', async () => {
    const server = new RawServer((peer) => {
      // An outstation that confirms STARTDT and then sends 9 I frames at once.
      const check = setInterval(() => {
        if (peer.count('STARTDT_ACT') === 1) {
          clearInterval(check);
          peer.send({ kind: 'U', fn: 'STARTDT_CON' });
          for (let i = 0; i < 9; i++) peer.sendAsdu(measurement(i, i * 1.5));
        }
      }, 5);
      cleanups.push(() => clearInterval(check));
    });
    const port = await server.listen();
    cleanups.push(() => server.close());
    const client = new ControllingStation({ host: HOST, port, params: { k: 12, w: 4, t1: 8000, t2: 2000, t3: 20_000 } });
    cleanups.push(() => client.close());
    const received: Asdu[] = [];
    client.onAsdu((asdu) => received.push(asdu));
    await client.connect();
    const peer = server.peers[0];
    await until(() => received.length === 9, 'the nine measurements');
    await until(() => peer.frames('S').length === 3, 'three S frames');
    // After 4 and 8 by w; the ninth by t2 since the master had nothing to send.
    expect(peer.frames('S')).toEqual([
      { kind: 'S', recvSeq: 4 },
      { kind: 'S', recvSeq: 8 },
      { kind: 'S', recvSeq: 9 },
    ]);
    expect(received.map((asdu) => asdu.objects[0].value)).toEqual([0, 1.5, 3, 4.5, 6, 7.5, 9, 10.5, 12]);
  });

  it('t1: an I frame left unacknowledged closes the connection with the reason', async () => {
    const { station, closes } = await outstation({ k: 12, w: 8, t1: 300, t2: 200, t3: 20_000 });
    const peer = await rawMaster(station.address.port);
    station.send(measurement(1, 1));
    await until(() => peer.iFrames().length === 1, 'the I frame');
    await peer.closed;
    await until(() => closes.length === 1, 'the close');
    expect(closes[0].reason).toMatch(/^t1 expired: I frame N\(S\)=0 not acknowledged within 300 ms$/);
    expect(closes[0].error?.name).toBe('Iec104ProtocolError');
    expect(station.connections()).toEqual([]);
  });

  it('t3: an idle link sends TESTFR act; answered it stays up, unanswered t1 closes it', async () => {
    const { station, closes } = await outstation({ k: 12, w: 8, t1: 1000, t2: 200, t3: 150 });
    const peer = await rawMaster(station.address.port);
    for (let round = 1; round <= 3; round++) {
      await until(() => peer.count('TESTFR_ACT') === round, `TESTFR act ${round}`);
      peer.send({ kind: 'U', fn: 'TESTFR_CON' });
    }
    expect(closes).toEqual([]);
    expect(station.connections().length).toBe(1);
    // Now silence: the next TESTFR act goes unanswered.
    await peer.closed;
    await until(() => closes.length === 1, 'the close');
    expect(closes[0].reason).toMatch(/^t1 expired: no TESTFR con within 1000 ms$/);
  });

  it('answers TESTFR act in stopped state, and STOPDT act with STOPDT con once its I frames are acknowledged', async () => {
    const { station } = await outstation({ k: 12, w: 8, t1: 5000, t2: 1000, t3: 20_000 });
    const peer = await rawMaster(station.address.port, false);
    peer.send({ kind: 'U', fn: 'TESTFR_ACT' });
    await until(() => peer.count('TESTFR_CON') === 1, 'TESTFR con while stopped');
    peer.send({ kind: 'U', fn: 'STARTDT_ACT' });
    await until(() => peer.count('STARTDT_CON') === 1, 'STARTDT con');
    station.send(measurement(1, 1));
    await until(() => peer.iFrames().length === 1, 'an I frame');
    peer.send({ kind: 'U', fn: 'STOPDT_ACT' });
    await sleep(100);
    expect(peer.count('STOPDT_CON')).toBe(0); // one I frame still unacknowledged
    peer.acknowledge();
    await until(() => peer.count('STOPDT_CON') === 1, 'STOPDT con');
    station.send(measurement(2, 2));
    await sleep(100);
    expect(peer.iFrames().length).toBe(1);
    expect(station.backlog.queued).toBe(1);
    expect(station.connections()).toEqual([{ peer: expect.any(String), started: false }]);
  });

  it('t0 and STARTDT con on the controlling side: a refused connection and a silent outstation reject connect()', async () => {
    const silent = new RawServer();
    const port = await silent.listen();
    await silent.close();
    const refused = new ControllingStation({ host: HOST, port, params: { t0: 1000 } });
    await expect(refused.connect()).rejects.toThrow(new RegExp(`cannot connect to 127.0.0.1:${port}`));
    expect(refused.state).toBe('closed');

    const mute = new RawServer();
    const mutePort = await mute.listen();
    cleanups.push(() => mute.close());
    const client = new ControllingStation({ host: HOST, port: mutePort, params: { t1: 250, t2: 100 } });
    const closes: LinkClose[] = [];
    client.onClose((close) => closes.push(close));
    await expect(client.connect()).rejects.toThrow(/t1 expired: no STARTDT con within 250 ms/);
    expect(closes.map((close) => close.reason)).toEqual(['t1 expired: no STARTDT con within 250 ms']);
    expect(client.state).toBe('closed');
    expect(mute.peers[0].count('STARTDT_ACT')).toBe(1);

    // close() while the socket is still opening: connect() rejects, nothing stays open.
    const abandoned = new ControllingStation({ host: HOST, port: mutePort });
    const connecting = abandoned.connect();
    expect(abandoned.state).toBe('connecting');
    await abandoned.close();
    await expect(connecting).rejects.toThrow(/closed while connecting/);
    expect(abandoned.state).toBe('closed');
  });

  it('leaves no timers behind once the links are closed', async () => {
    await sleep(50);
    const before = timeouts();
    const { station } = await outstation({ k: 12, w: 8, t1: 1000, t2: 500, t3: 700 });
    const client = new ControllingStation({ host: HOST, port: station.address.port, params: { t1: 1000, t2: 500, t3: 700 } });
    await client.connect();
    station.send(measurement(1, 1));
    expect(await client.command(CA, TypeId.C_SC_NA_1, { ioa: 1, value: 1, quality: 0 })).toEqual({ confirmed: true, steps: ['execute: ACTCON', 'ACTTERM'] });
    expect(timeouts()).toBeGreaterThan(before);
    await client.close();
    await station.close();
    await until(() => timeouts() <= before, 'the timers released');
    expect(timeouts()).toBeLessThanOrEqual(before);
  });
});
