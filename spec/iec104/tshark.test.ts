// Wireshark's IEC 60870-5-104 dissector as an independent reader of our frames: a capture of a
// whole session (STARTDT, general interrogation, clock sync, select-before-operate commands,
// spontaneous time-tagged data, TESTFR, STOPDT) plus random ASDUs of every type, written as pcap on
// TCP port 2404 in both directions, must dissect without a malformed packet or an error, and the
// type ids, causes, addresses and values tshark reads must be the ones we decode.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Apdu, type Asdu, Cause, type InformationObject, QOI_STATION, Quality, TypeId, type TypeIdValue, type UFunction } from '../../core/protocols/iec104/api.js';
import { U_CONTROL, decodeApdu, encodeApdu } from '../../core/protocols/iec104/apci.js';
import { decodeAsdu, encodeAsdu } from '../../core/protocols/iec104/asdu.js';
import { typeInfo } from '../../core/protocols/iec104/type-info.js';
import { PcapTcpConversation, writePcap } from '../support/pcap.js';
import { allTypeIds, randomAsdu, seededRandom } from './codec-samples.js';

type Side = 'client' | 'server';

/** One TCP data segment and the APDUs that end in it (a split APDU ends in its second segment). */
interface Segment {
  from: Side;
  payload: Uint8Array;
  completes: Uint8Array[];
}

/** Builds a session's segments, keeping each side's N(S) and N(R) as a real link would. */
class Session {
  readonly segments: Segment[] = [];
  private readonly sent: Record<Side, number> = { client: 0, server: 0 };

  constructor(readonly conversation: PcapTcpConversation) {}

  private other(side: Side): Side {
    return side === 'client' ? 'server' : 'client';
  }

  iFrame(from: Side, asdu: Asdu): Uint8Array {
    const frame = encodeApdu({ kind: 'I', sendSeq: this.sent[from], recvSeq: this.sent[this.other(from)], asdu: encodeAsdu(asdu) });
    this.sent[from] = (this.sent[from] + 1) % 32768;
    return frame;
  }
  sFrame(from: Side): Uint8Array {
    return encodeApdu({ kind: 'S', recvSeq: this.sent[this.other(from)] });
  }
  uFrame(fn: UFunction): Uint8Array {
    return encodeApdu({ kind: 'U', fn });
  }

  /** One segment carrying these whole frames. */
  send(from: Side, ...frames: Uint8Array[]): this {
    const payload = Uint8Array.from(frames.flatMap((frame) => [...frame]));
    this.segments.push({ from, payload, completes: frames });
    if (from === 'client') this.conversation.clientSends(payload);
    else this.conversation.serverSends(payload);
    return this;
  }

  /** One frame split over two segments at `cut` (tshark must reassemble it). */
  sendSplit(from: Side, frame: Uint8Array, cut: number): this {
    const parts = [frame.subarray(0, cut), frame.subarray(cut)];
    this.segments.push({ from, payload: parts[0], completes: [] }, { from, payload: parts[1], completes: [frame] });
    for (const part of parts) {
      if (from === 'client') this.conversation.clientSends(part);
      else this.conversation.serverSends(part);
    }
    return this;
  }
}

function header(typeId: TypeIdValue, cause: number, objects: InformationObject[], extra: Partial<Asdu> = {}): Asdu {
  return { typeId, sequence: false, cause, negative: false, test: false, originator: 0, commonAddress: 7, objects, ...extra };
}

const at = Date.UTC(2024, 5, 30, 22, 59, 58, 765);

/** A controlling station (client) and an outstation (server) on port 2404 going through a whole session. */
function scriptedSession(): Session {
  const session = new Session(new PcapTcpConversation({ ip: '192.0.2.10', port: 49152 }, { ip: '192.0.2.20', port: 2404 }));
  const s = session;
  s.send('client', s.uFrame('STARTDT_ACT')).send('server', s.uFrame('STARTDT_CON'));
  s.send('server', s.iFrame('server', header(TypeId.M_EI_NA_1, Cause.Initialized, [{ ioa: 0, value: 0x81, quality: 0 }])));
  // General interrogation: ACTCON, the station's state, ACTTERM.
  const gi = (cause: number): Asdu => header(TypeId.C_IC_NA_1, cause, [{ ioa: 0, value: QOI_STATION, quality: 0 }]);
  s.send('client', s.iFrame('client', gi(Cause.Activation)));
  s.send('server', s.iFrame('server', gi(Cause.ActivationCon)));
  const interrogated = Cause.InterrogatedByStation;
  s.send('server', s.iFrame('server', header(TypeId.M_SP_NA_1, interrogated, [{ ioa: 1001, value: 1, quality: 0 }, { ioa: 1005, value: 0, quality: Quality.BL | Quality.SB }])));
  s.send('server', s.iFrame('server', header(TypeId.M_DP_NA_1, interrogated, [{ ioa: 2001, value: 2, quality: 0 }, { ioa: 2002, value: 1, quality: Quality.NT }, { ioa: 2003, value: 3, quality: Quality.IV }])));
  s.send('server', s.iFrame('server', header(TypeId.M_ME_NA_1, interrogated, [0.5, -0.25, 32767 / 32768, -1].map((value, i) => ({ ioa: 3000 + i, value, quality: i === 3 ? Quality.OV : 0 })), { sequence: true })));
  s.send('server', s.iFrame('server', header(TypeId.M_ME_NB_1, interrogated, [{ ioa: 3100, value: -32768, quality: 0 }, { ioa: 3101, value: 4000, quality: Quality.IV | Quality.NT }])));
  s.send('server', s.iFrame('server', header(TypeId.M_ME_NC_1, interrogated, [{ ioa: 3200, value: 230.5, quality: 0 }, { ioa: 3201, value: -0.001, quality: Quality.SB }, { ioa: 3202, value: 49.98, quality: 0 }])));
  s.send('server', s.iFrame('server', gi(Cause.ActivationTermination)));
  s.send('client', s.sFrame('client'));
  // Counters (spontaneous; a counter interrogation is not in the supported set).
  s.send('server', s.iFrame('server', header(TypeId.M_IT_NA_1, Cause.Spontaneous, [{ ioa: 4000, value: 123456789, quality: 5 }, { ioa: 4001, value: -5, quality: 0x20 | 0x40 | 0x80 | 31 }])));
  // Clock synchronisation.
  const clock = (cause: number): Asdu => header(TypeId.C_CS_NA_1, cause, [{ ioa: 0, value: 0, quality: 0, timeMs: at, timeInvalid: false }]);
  s.send('client', s.iFrame('client', clock(Cause.Activation))).send('server', s.iFrame('server', clock(Cause.ActivationCon)));
  // Select-before-operate for each command type: select, ACTCON, execute, ACTCON, ACTTERM.
  const commands: [TypeIdValue, InformationObject][] = [
    [TypeId.C_SC_NA_1, { ioa: 5001, value: 1, quality: 0, qualifier: 1 }],
    [TypeId.C_DC_NA_1, { ioa: 5002, value: 2, quality: 0, qualifier: 2 }],
    [TypeId.C_SE_NC_1, { ioa: 5003, value: 20.75, quality: 0, qualifier: 0 }],
  ];
  for (const [typeId, object] of commands) {
    for (const select of [true, false]) {
      const command = (cause: number): Asdu => header(typeId, cause, [{ ...object, select }]);
      s.send('client', s.iFrame('client', command(Cause.Activation))).send('server', s.iFrame('server', command(Cause.ActivationCon)));
    }
    s.send('server', s.iFrame('server', header(typeId, Cause.ActivationTermination, [{ ...object, select: false }])));
  }
  // A refused execute without select: negative ACTCON.
  const refused = (cause: number, negative: boolean): Asdu => header(TypeId.C_DC_NA_1, cause, [{ ioa: 5009, value: 1, quality: 0, select: false, qualifier: 0 }], { negative });
  s.send('client', s.iFrame('client', refused(Cause.Activation, false))).send('server', s.iFrame('server', refused(Cause.ActivationCon, true)));
  // Spontaneous time-tagged data, one with an invalid time, one split over two TCP segments.
  s.send('server', s.iFrame('server', header(TypeId.M_SP_TB_1, Cause.Spontaneous, [{ ioa: 1001, value: 0, quality: 0, timeMs: at, timeInvalid: false }])));
  s.send('server', s.iFrame('server', header(TypeId.M_DP_TB_1, Cause.ReturnRemote, [{ ioa: 5002, value: 2, quality: 0, timeMs: at + 1, timeInvalid: true }])));
  s.send('server', s.iFrame('server', header(TypeId.M_ME_TD_1, Cause.Spontaneous, [{ ioa: 3000, value: 0.125, quality: 0, timeMs: at + 2, timeInvalid: false }])));
  s.send('server', s.iFrame('server', header(TypeId.M_ME_TE_1, Cause.Periodic, [{ ioa: 3100, value: 17, quality: Quality.OV, timeMs: at + 3, timeInvalid: false }])));
  s.sendSplit('server', s.iFrame('server', header(TypeId.M_ME_TF_1, Cause.Spontaneous, [{ ioa: 3200, value: 231.25, quality: 0, timeMs: at + 4, timeInvalid: false }, { ioa: 3202, value: 50.01, quality: 0, timeMs: at + 5, timeInvalid: false }])), 9);
  s.send('server', s.iFrame('server', header(TypeId.M_IT_TB_1, Cause.Spontaneous, [{ ioa: 4000, value: 123456790, quality: 6, timeMs: at + 6, timeInvalid: false }])));
  s.send('client', s.sFrame('client'));
  // Link supervision; two APDUs in one segment; STOPDT.
  s.send('server', s.uFrame('TESTFR_ACT')).send('client', s.uFrame('TESTFR_CON'), s.sFrame('client'));
  s.send('client', s.uFrame('STOPDT_ACT')).send('server', s.uFrame('STOPDT_CON'));
  s.conversation.close();
  return session;
}

/** A second connection: seeded random ASDUs of every type, monitor types from the server, commands from the client. */
function randomSession(): Session {
  const session = new Session(new PcapTcpConversation({ ip: '192.0.2.11', port: 49153 }, { ip: '192.0.2.20', port: 2404 }, Date.UTC(2024, 2, 15, 12, 0, 1)));
  const random = seededRandom(2404);
  session.send('client', session.uFrame('STARTDT_ACT')).send('server', session.uFrame('STARTDT_CON'));
  for (let round = 0; round < 4; round++) {
    for (const typeId of allTypeIds) {
      const from: Side = typeInfo(typeId)?.direction === 'monitor' ? 'server' : 'client';
      session.send(from, session.iFrame(from, randomAsdu(random, typeId, 10)));
    }
  }
  session.conversation.close();
  return session;
}

/** The fields compared with tshark's, per APDU, in the order tshark lists them. */
const FIELDS = [
  'iec60870_104.type', 'iec60870_104.utype', 'iec60870_104.tx', 'iec60870_104.rx',
  'iec60870_asdu.typeid', 'iec60870_asdu.causetx', 'iec60870_asdu.nega', 'iec60870_asdu.test', 'iec60870_asdu.oa', 'iec60870_asdu.addr',
  'iec60870_asdu.sq', 'iec60870_asdu.numix', 'iec60870_asdu.ioa',
  'iec60870_asdu.siq', 'iec60870_asdu.siq.spi', 'iec60870_asdu.diq', 'iec60870_asdu.diq.dpi', 'iec60870_asdu.qds',
  'iec60870_asdu.normval', 'iec60870_asdu.scalval', 'iec60870_asdu.float',
  'iec60870_asdu.bcr.count', 'iec60870_asdu.bcr.sq', 'iec60870_asdu.bcr.cy', 'iec60870_asdu.bcr.ca', 'iec60870_asdu.bcr.iv',
  'iec60870_asdu.sco.on', 'iec60870_asdu.sco.qu', 'iec60870_asdu.sco.se', 'iec60870_asdu.dco.on', 'iec60870_asdu.dco.qu', 'iec60870_asdu.dco.se',
  'iec60870_asdu.qos.ql', 'iec60870_asdu.qos.se', 'iec60870_asdu.qoi', 'iec60870_asdu.coi_r', 'iec60870_asdu.coi_i',
  'iec60870_asdu.cp56time.ms', 'iec60870_asdu.cp56time.min', 'iec60870_asdu.cp56time.hour', 'iec60870_asdu.cp56time.day',
  'iec60870_asdu.cp56time.month', 'iec60870_asdu.cp56time.year', 'iec60870_asdu.cp56time.iv',
] as const;
type Field = (typeof FIELDS)[number];
const FLOAT_FIELDS = new Set<Field>(['iec60870_asdu.normval', 'iec60870_asdu.float']);

const hex2 = (octet: number): string => `0x${octet.toString(16).padStart(2, '0')}`;
const hex8 = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;
const flag = (set: boolean): string => (set ? '1' : '0');

/** What tshark should show for one APDU, derived from our own decoding of the frame. */
function expectedFields(frame: Uint8Array): Map<Field, string[]> {
  const fields = new Map<Field, string[]>(FIELDS.map((field) => [field, []]));
  const add = (field: Field, value: string | number): void => void fields.get(field)!.push(String(value));
  const apdu: Apdu = decodeApdu(frame);
  if (apdu.kind === 'U') {
    add('iec60870_104.type', hex8(3));
    add('iec60870_104.utype', hex8(U_CONTROL[apdu.fn] >>> 2));
    return fields;
  }
  if (apdu.kind === 'S') {
    add('iec60870_104.type', hex8(1));
    add('iec60870_104.rx', apdu.recvSeq);
    return fields;
  }
  add('iec60870_104.type', hex8(0));
  add('iec60870_104.tx', apdu.sendSeq);
  add('iec60870_104.rx', apdu.recvSeq);
  const asdu = decodeAsdu(apdu.asdu);
  const info = typeInfo(asdu.typeId)!;
  add('iec60870_asdu.typeid', asdu.typeId);
  add('iec60870_asdu.causetx', asdu.cause);
  add('iec60870_asdu.nega', flag(asdu.negative));
  add('iec60870_asdu.test', flag(asdu.test));
  add('iec60870_asdu.oa', asdu.originator);
  add('iec60870_asdu.addr', asdu.commonAddress);
  add('iec60870_asdu.sq', flag(asdu.sequence));
  add('iec60870_asdu.numix', asdu.objects.length);
  for (const object of asdu.objects) {
    add('iec60870_asdu.ioa', object.ioa);
    switch (info.kind) {
      case 'SIQ':
        add('iec60870_asdu.siq', hex2(object.value | object.quality));
        add('iec60870_asdu.siq.spi', object.value);
        break;
      case 'DIQ':
        add('iec60870_asdu.diq', hex2(object.value | object.quality));
        add('iec60870_asdu.diq.dpi', object.value);
        break;
      case 'NVA':
        add('iec60870_asdu.normval', object.value);
        add('iec60870_asdu.qds', hex2(object.quality));
        break;
      case 'SVA':
        add('iec60870_asdu.scalval', object.value);
        add('iec60870_asdu.qds', hex2(object.quality));
        break;
      case 'R32':
        add('iec60870_asdu.float', object.value);
        add('iec60870_asdu.qds', hex2(object.quality));
        break;
      case 'BCR':
        add('iec60870_asdu.bcr.count', object.value);
        add('iec60870_asdu.bcr.sq', object.quality & 0x1f);
        add('iec60870_asdu.bcr.cy', flag((object.quality & 0x20) !== 0));
        add('iec60870_asdu.bcr.ca', flag((object.quality & 0x40) !== 0));
        add('iec60870_asdu.bcr.iv', flag((object.quality & 0x80) !== 0));
        break;
      case 'SCO':
        add('iec60870_asdu.sco.on', flag(object.value === 1));
        add('iec60870_asdu.sco.qu', object.qualifier ?? 0);
        add('iec60870_asdu.sco.se', flag(object.select === true));
        break;
      case 'DCO':
        add('iec60870_asdu.dco.on', object.value);
        add('iec60870_asdu.dco.qu', object.qualifier ?? 0);
        add('iec60870_asdu.dco.se', flag(object.select === true));
        break;
      case 'R32_QOS':
        add('iec60870_asdu.float', object.value);
        add('iec60870_asdu.qos.ql', object.qualifier ?? 0);
        add('iec60870_asdu.qos.se', flag(object.select === true));
        break;
      case 'COI':
        add('iec60870_asdu.coi_r', object.value & 0x7f);
        add('iec60870_asdu.coi_i', flag((object.value & 0x80) !== 0));
        break;
      case 'QOI':
        add('iec60870_asdu.qoi', object.value);
        break;
      case 'NONE':
        break;
    }
    if (info.timeTagged) {
      const time = new Date(object.timeMs!);
      add('iec60870_asdu.cp56time.ms', time.getUTCSeconds() * 1000 + time.getUTCMilliseconds());
      add('iec60870_asdu.cp56time.min', time.getUTCMinutes());
      add('iec60870_asdu.cp56time.hour', time.getUTCHours());
      add('iec60870_asdu.cp56time.day', time.getUTCDate());
      add('iec60870_asdu.cp56time.month', time.getUTCMonth() + 1);
      add('iec60870_asdu.cp56time.year', time.getUTCFullYear() - 2000);
      add('iec60870_asdu.cp56time.iv', flag(object.timeInvalid === true));
    }
  }
  return fields;
}

function tshark(args: string[]): string {
  const result = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new Error(`tshark could not run (${result.error.message}): install the Debian package tshark (tools/setup/debian-packages.sh)`);
  if (result.status !== 0) throw new Error(`tshark ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

describe('tshark reads our frames', () => {
  let dir: string;
  let capture: string;
  const sessions: Session[] = [];

  beforeAll(() => {
    tshark(['--version']);
    dir = mkdtempSync(join(tmpdir(), 'gridlink-iec104-tshark-'));
    capture = join(dir, 'iec104.pcap');
    sessions.push(scriptedSession(), randomSession());
    writePcap(capture, sessions.map((session) => session.conversation));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the capture covers every type in both directions', () => {
    const seen = new Set<string>();
    for (const session of sessions) {
      for (const segment of session.segments) {
        for (const frame of segment.completes) {
          const apdu = decodeApdu(frame);
          if (apdu.kind === 'I') seen.add(`${decodeAsdu(apdu.asdu).typeId}/${segment.from}`);
        }
      }
    }
    for (const typeId of allTypeIds) {
      const from = typeInfo(typeId)!.direction === 'monitor' ? 'server' : 'client';
      expect(seen, `type ${typeId} from the ${from}`).toContain(`${typeId}/${from}`);
    }
    // Commands are confirmed by the outstation too.
    expect(seen).toContain(`${TypeId.C_SC_NA_1}/server`);
    expect(seen).toContain(`${TypeId.C_IC_NA_1}/server`);
  });

  it('dissects every packet as IEC 60870-5-104 without a malformed packet or an error', () => {
    const verbose = tshark(['-r', capture, '-V', '-d', 'tcp.port==2404,iec60870_104', '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE']);
    for (const marker of ['Malformed', 'Expert Info (Error', '[Malformed Packet', '<ERR', 'Bad checksum', '[Checksum Status: Bad]']) {
      const line = verbose.split('\n').find((text) => text.includes(marker));
      expect(line, `tshark reported "${marker}"`).toBeUndefined();
    }
    const apdus = sessions.reduce((total, session) => total + session.segments.reduce((sum, segment) => sum + segment.completes.length, 0), 0);
    expect(verbose.match(/^IEC 60870-5-104: /gm)?.length).toBe(apdus);
    expect(verbose.match(/^IEC 60870-5-101\/104 ASDU: /gm)?.length).toBeGreaterThan(100);
  });

  it('reads the same type ids, causes, addresses, IOAs, values, qualities and times as we do', () => {
    const out = tshark(['-r', capture, '-d', 'tcp.port==2404,iec60870_104', '-Y', 'tcp.len > 0', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((field) => ['-e', field])]);
    const rows = out.split('\n').filter((line) => line.length > 0);
    // Packets come in time order: the scripted session first, then the random one.
    const segments = sessions.flatMap((session) => session.segments);
    expect(rows.length).toBe(segments.length);
    let compared = 0;
    segments.forEach((segment, index) => {
      const columns = rows[index].split('\t');
      const expected = new Map<Field, string[]>(FIELDS.map((field) => [field, []]));
      for (const frame of segment.completes) {
        for (const [field, values] of expectedFields(frame)) expected.get(field)!.push(...values);
      }
      FIELDS.forEach((field, column) => {
        const want = expected.get(field)!;
        const got = columns[column] === '' || columns[column] === undefined ? [] : columns[column].split(',');
        const where = `segment ${index} (${segment.from}, ${Buffer.from(segment.payload).toString('hex')}), ${field}`;
        if (FLOAT_FIELDS.has(field)) {
          // tshark prints floats with 6 significant digits (%g).
          expect(got.length, where).toBe(want.length);
          got.forEach((text, i) => {
            const ours = Number(want[i]);
            expect(Math.abs(Number(text) - ours), `${where}: tshark ${text}, ours ${ours}`).toBeLessThanOrEqual(1e-5 * Math.abs(ours) + 1e-12);
          });
        } else {
          expect(got, where).toEqual(want);
        }
        compared += want.length;
      });
    });
    expect(compared).toBeGreaterThan(3000);
  });
});
