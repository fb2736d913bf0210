// Raw peers break the standard against a controlled station that also serves a well-behaved master:
// each offending connection is closed with a reason naming the violation, the master keeps being
// served, and this process (which hosts the station) lives on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Asdu, Cause, type LinkClose, TypeId } from '../../core/protocols/iec104/api.js';
import { decodeAsdu, encodeAsdu } from '../../core/protocols/iec104/asdu.js';
import { ControlledStation } from '../../core/protocols/iec104/controlled-station.js';
import { ControllingStation } from '../../core/protocols/iec104/controlling-station.js';
import type { Logger } from '../../core/log/logger.js';
import { RawPeer, until } from './raw-peer.js';

const HOST = '127.0.0.1';
const CA = 9;

const point: Asdu = {
  typeId: TypeId.M_SP_NA_1,
  sequence: false,
  cause: Cause.Spontaneous,
  negative: false,
  test: false,
  originator: 0,
  commonAddress: CA,
  objects: [{ ioa: 4001, value: 1, quality: 0 }],
};

/** A Logger that keeps its lines, to assert the station logs each close with its reason. */
function recordingLogger(lines: string[]): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), child: () => logger };
  return logger;
}

let station: ControlledStation;
let master: ControllingStation;
const closes: { peer: string; close: LinkClose }[] = [];
const logLines: string[] = [];
const masterSeen: Asdu[] = [];

beforeAll(async () => {
  station = await ControlledStation.listen({
    host: HOST,
    port: 0,
    params: { t1: 5000, t2: 1000, t3: 20_000 },
    commonAddresses: [CA],
    handler: { interrogation: () => [point], command: async () => true },
    maxConnections: 10,
    log: recordingLogger(logLines),
  });
  station.onConnectionClose((peer, close) => closes.push({ peer, close }));
  master = new ControllingStation({ host: HOST, port: station.address.port, originator: 2 });
  master.onAsdu((asdu) => masterSeen.push(asdu));
  await master.connect();
});

afterAll(async () => {
  await master.close();
  await station.close();
});

/** Connects a raw peer, lets `attack` misbehave, and returns the reason the station closed it with. */
async function attack(misbehave: (peer: RawPeer) => Promise<void> | void): Promise<LinkClose> {
  const before = closes.length;
  const peer = await RawPeer.connect(HOST, station.address.port);
  try {
    await until(() => station.connections().length === 2, 'the raw connection accepted');
    await misbehave(peer);
    await peer.closed;
    const { close } = await until(() => closes[before], 'the station closing the raw connection');
    return close;
  } finally {
    peer.close();
  }
}

async function startRaw(peer: RawPeer): Promise<void> {
  peer.send({ kind: 'U', fn: 'STARTDT_ACT' });
  await until(() => peer.count('STARTDT_CON') === 1, 'STARTDT con');
}

/** After a raw peer took data transfer, the master takes it back (STOPDT + STARTDT on its own link). */
async function masterTakesOver(): Promise<void> {
  await master.link!.stopDataTransfer();
  await master.link!.startDataTransfer();
}

/** The master is still served: an interrogation answers and spontaneous data arrives. */
async function masterStillServed(): Promise<void> {
  expect(await master.interrogate(CA)).toEqual([{ ...point, cause: Cause.InterrogatedByStation, originator: 2 }]);
  const seen = masterSeen.length;
  station.send({ ...point, objects: [{ ioa: 4002, value: 0, quality: 0x80 }] });
  await until(() => masterSeen.length > seen && masterSeen.at(-1)?.objects[0].ioa === 4002, 'spontaneous data at the master');
  expect(master.state).toBe('started');
}

describe('malformed APDUs', () => {
  it('garbage bytes: closed with the bad start octet', async () => {
    const close = await attack((peer) => peer.sendBytes(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')));
    expect(close.reason).toBe('start octet 0x47 is not 0x68');
    expect(close.error?.name).toBe('Iec104ProtocolError');
    await masterStillServed();
  });

  it('a bad length octet: closed with the length', async () => {
    const close = await attack((peer) => peer.sendBytes(Uint8Array.of(0x68, 0x02, 0x01, 0x00)));
    expect(close.reason).toBe('length octet 2 is not in 4..253');
    await masterStillServed();
  });

  it('an S frame with bad control bits: closed', async () => {
    const close = await attack((peer) => peer.sendBytes(Uint8Array.of(0x68, 0x04, 0x01, 0x05, 0x00, 0x00)));
    expect(close.reason).toMatch(/^S frame: control octets 1-2 must be 01 00/);
    await masterStillServed();
  });

  it('an I frame before STARTDT: closed', async () => {
    const close = await attack((peer) => peer.sendAsdu({ ...point, typeId: TypeId.C_IC_NA_1, cause: Cause.Activation, objects: [{ ioa: 0, value: 20, quality: 0 }] }));
    expect(close.reason).toBe('I frame received before STARTDT act');
    await masterStillServed();
  });

  it('an N(R) acknowledging frames never sent: closed', async () => {
    const close = await attack(async (peer) => {
      await startRaw(peer);
      peer.send({ kind: 'S', recvSeq: 5 });
    });
    expect(close.reason).toBe('N(R) 5 acknowledges I frames never sent (next N(S) 0, unacknowledged from 0)');
    await masterTakesOver();
    await masterStillServed();
  });

  it('an N(S) out of order: closed', async () => {
    const close = await attack(async (peer) => {
      await startRaw(peer);
      peer.sendSeq = 3;
      peer.sendAsdu(encodeAsdu({ ...point, typeId: TypeId.C_IC_NA_1, cause: Cause.Activation, objects: [{ ioa: 0, value: 20, quality: 0 }] }));
    });
    expect(close.reason).toBe('N(S) 3 out of order: expected 0');
    await masterTakesOver();
    await masterStillServed();
  });

  it('an ASDU shorter than its object count says: closed with the codec reason', async () => {
    const close = await attack(async (peer) => {
      await startRaw(peer);
      const bytes = encodeAsdu({ ...point, typeId: TypeId.C_SC_NA_1, cause: Cause.Activation, objects: [{ ioa: 1, value: 1, quality: 0 }] });
      bytes[1] = 3; // VSQ: three objects, one present
      peer.sendAsdu(bytes);
    });
    expect(close.error?.name).toBe('Iec104ProtocolError');
    expect(close.reason).toMatch(/C_SC_NA_1/);
    await masterTakesOver();
    await masterStillServed();
  });

  it('an unknown type id is answered with cause 44, not closed', async () => {
    const peer = await RawPeer.connect(HOST, station.address.port);
    try {
      await startRaw(peer);
      // Type 99, VSQ 1, COT 6, originator 0, CA 9, IOA 1, one octet of element.
      peer.sendAsdu(Uint8Array.of(99, 0x01, 0x06, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x00));
      await until(() => peer.iFrames().length === 1, 'the reply');
      expect([...peer.iFrames()[0].asdu]).toEqual([99, 0x01, 0x40 | 44, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x00]);
      // A monitor type from a master, and an unknown common address, are refused the same way.
      peer.sendAsdu({ ...point, cause: Cause.Activation });
      peer.sendAsdu({ ...point, typeId: TypeId.C_SC_NA_1, cause: Cause.Activation, commonAddress: 77 });
      await until(() => peer.iFrames().length === 3, 'two more replies');
      expect(peer.iFrames().slice(1).map((frame) => decodeAsdu(frame.asdu)).map((asdu) => [asdu.typeId, asdu.cause, asdu.negative])).toEqual([
        [TypeId.M_SP_NA_1, Cause.UnknownTypeId, true],
        [TypeId.C_SC_NA_1, Cause.UnknownCommonAddress, true],
      ]);
      expect(peer.ended).toBe(false);
    } finally {
      peer.close();
    }
    await masterTakesOver();
    await masterStillServed();
  });

  it('logged every close with its reason and is still alive', async () => {
    const warned = logLines.filter((line) => line.startsWith('warn IEC 104 connection closed'));
    for (const reason of ['start octet 0x47 is not 0x68', 'length octet 2 is not in 4..253', 'I frame received before STARTDT act', 'N(S) 3 out of order: expected 0']) {
      expect(warned.some((line) => line.includes(reason))).toBe(true);
    }
    expect(closes.filter((c) => c.close.error).length).toBe(7);
    await until(() => station.connections().length === 1, 'only the master left');
    expect(station.connections()).toEqual([{ peer: expect.any(String), started: true }]);
    expect(process.exitCode ?? 0).toBe(0);
  });
});
