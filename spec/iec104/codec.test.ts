// Byte-exact vectors worked out by hand from the field layouts of IEC 60870-5-101 (7.2, 7.3) and
// -104 (5.1 APCI, 9 sizes: COT 2, CA 2, IOA 3 octets), both directions, then seeded round trips.
import { describe, expect, it } from 'vitest';
import { type Apdu, type Asdu, Cause, Iec104ProtocolError, type InformationObject, Quality, TypeId, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import { decodeApdu, encodeApdu } from '../../core/protocols/iec104/apci.js';
import { decodeAsdu, encodeAsdu, maxObjectsPerAsdu } from '../../core/protocols/iec104/asdu.js';
import { decodeCp56Time2a, encodeCp56Time2a } from '../../core/protocols/iec104/cp56time2a.js';
import { FrameReader } from '../../core/protocols/iec104/frame-reader.js';
import { allTypeIds, randomAsdu, randomInt, seededRandom } from './codec-samples.js';

/** "68 04 07 00" -> bytes. */
function h(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}
function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}
function asdu(typeId: TypeIdValue, cause: number, commonAddress: number, objects: InformationObject[], extra: Partial<Asdu> = {}): Asdu {
  return { typeId, sequence: false, cause, negative: false, test: false, originator: 0, commonAddress, objects, ...extra };
}
/** Expects a throw of Iec104ProtocolError whose message matches and whose offset is `offset`. */
function expectProtocolError(action: () => unknown, message: RegExp, offset?: number): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Iec104ProtocolError);
  expect((caught as Error).message).toMatch(message);
  if (offset !== undefined) expect((caught as Iec104ProtocolError).offset).toBe(offset);
}

describe('APCI (-104 5.1)', () => {
  // U frames: 68, length 4, control octet 1 = function bit | 0b11, octets 2-4 zero.
  // STARTDT act bit 2 (0x04|0x03 = 07), con bit 3 (0B); STOPDT act bit 4 (13), con bit 5 (23);
  // TESTFR act bit 6 (43), con bit 7 (83).
  const uFrames: [Apdu, string][] = [
    [{ kind: 'U', fn: 'STARTDT_ACT' }, '68 04 07 00 00 00'],
    [{ kind: 'U', fn: 'STARTDT_CON' }, '68 04 0b 00 00 00'],
    [{ kind: 'U', fn: 'STOPDT_ACT' }, '68 04 13 00 00 00'],
    [{ kind: 'U', fn: 'STOPDT_CON' }, '68 04 23 00 00 00'],
    [{ kind: 'U', fn: 'TESTFR_ACT' }, '68 04 43 00 00 00'],
    [{ kind: 'U', fn: 'TESTFR_CON' }, '68 04 83 00 00 00'],
  ];
  it.each(uFrames)('U frame %o <-> %s', (apdu, hex) => {
    expect(hexOf(encodeApdu(apdu))).toBe(hex);
    expect(decodeApdu(h(hex))).toEqual(apdu);
  });

  it('S frame: 01 00, then N(R) << 1 in two octets (N(R) = 300 -> 600 = 0x258 -> 58 02)', () => {
    expect(hexOf(encodeApdu({ kind: 'S', recvSeq: 300 }))).toBe('68 04 01 00 58 02');
    expect(decodeApdu(h('68 04 01 00 58 02'))).toEqual({ kind: 'S', recvSeq: 300 });
  });

  it('I frame N(S) = 2, N(R) = 5: control 04 00 0A 00, length = 4 + ASDU octets', () => {
    // C_IC_NA_1 act, CA 1, QOI 20: 64 01 06 00 01 00 00 00 00 14 (10 octets) -> length 0x0E.
    const body = h('64 01 06 00 01 00 00 00 00 14');
    const frame = encodeApdu({ kind: 'I', sendSeq: 2, recvSeq: 5, asdu: body });
    expect(hexOf(frame)).toBe('68 0e 04 00 0a 00 64 01 06 00 01 00 00 00 00 14');
    const decoded = decodeApdu(frame);
    expect(decoded).toEqual({ kind: 'I', sendSeq: 2, recvSeq: 5, asdu: body });
  });

  it('15-bit sequence numbers: 32767 = 0x7FFF -> (<< 1) FE FF; 32768 is refused', () => {
    const frame = encodeApdu({ kind: 'I', sendSeq: 32767, recvSeq: 128, asdu: h('64 01 06 00 01 00 00 00 00 14') });
    // N(R) 128 << 1 = 256 = 0x0100 -> 00 01.
    expect(hexOf(frame.subarray(0, 6))).toBe('68 0e fe ff 00 01');
    expect(decodeApdu(frame)).toMatchObject({ kind: 'I', sendSeq: 32767, recvSeq: 128 });
    expectProtocolError(() => encodeApdu({ kind: 'S', recvSeq: 32768 }), /N\(R\) 32768 is not a 15-bit/);
    expectProtocolError(() => encodeApdu({ kind: 'I', sendSeq: -1, recvSeq: 0, asdu: h('01') }), /N\(S\) -1/);
  });

  it('I frames carry 1..249 ASDU octets (max APDU length 253)', () => {
    expect(encodeApdu({ kind: 'I', sendSeq: 0, recvSeq: 0, asdu: new Uint8Array(249) })[1]).toBe(253);
    expectProtocolError(() => encodeApdu({ kind: 'I', sendSeq: 0, recvSeq: 0, asdu: new Uint8Array(250) }), /1\.\.249 octets, not 250/);
    expectProtocolError(() => encodeApdu({ kind: 'I', sendSeq: 0, recvSeq: 0, asdu: new Uint8Array(0) }), /not 0/);
  });

  it('refuses broken frames, naming the offset', () => {
    expectProtocolError(() => decodeApdu(h('67 04 07 00 00 00')), /start octet 0x67/, 0);
    expectProtocolError(() => decodeApdu(h('68 03 07 00 00')), /at least 6 octets/);
    expectProtocolError(() => decodeApdu(h('68 05 07 00 00 00')), /says 7 octets, the frame has 6/, 1);
    expectProtocolError(() => decodeApdu(h('68 fe' + '00'.repeat(254))), /length octet 254/, 1);
    expectProtocolError(() => decodeApdu(h('68 04 00 00 00 00')), /I frame without an ASDU/, 1);
    expectProtocolError(() => decodeApdu(h('68 05 01 00 00 00 00')), /S frame with length 5/, 1);
    expectProtocolError(() => decodeApdu(h('68 04 05 00 00 00')), /S frame: control octets 1-2/, 2);
    expectProtocolError(() => decodeApdu(h('68 04 01 00 01 00')), /S frame: the low bit/, 4);
    expectProtocolError(() => decodeApdu(h('68 04 47 00 00 00')), /U frame: control octet 0x47/, 2); // STARTDT act + TESTFR act
    expectProtocolError(() => decodeApdu(h('68 04 07 00 01 00')), /U frame: control octet 3 must be 0/, 4);
  });
});

describe('FrameReader', () => {
  const start = h('68 04 07 00 00 00');
  const gi = h('68 0e 04 00 0a 00 64 01 06 00 01 00 00 00 00 14');

  it('splits a stream fed one octet at a time, and several frames in one chunk', () => {
    const stream = new Uint8Array([...start, ...gi, ...start]);
    const reader = new FrameReader();
    const frames: Uint8Array[] = [];
    for (const octet of stream) frames.push(...reader.push(Uint8Array.of(octet)));
    expect(frames.map(hexOf)).toEqual([hexOf(start), hexOf(gi), hexOf(start)]);
    expect(reader.bufferedBytes).toBe(0);
    const whole = new FrameReader().push(stream);
    expect(whole.map(hexOf)).toEqual([hexOf(start), hexOf(gi), hexOf(start)]);
  });

  it('keeps an incomplete tail for the next chunk; frames are copies, not views of the chunk', () => {
    const reader = new FrameReader();
    const chunk = new Uint8Array([...gi, ...start.subarray(0, 3)]);
    const frames = reader.push(chunk);
    expect(frames.length).toBe(1);
    expect(reader.bufferedBytes).toBe(3);
    chunk.fill(0);
    expect(hexOf(frames[0])).toBe(hexOf(gi));
    expect(reader.push(start.subarray(3)).map(hexOf)).toEqual([hexOf(start)]);
  });

  it('throws on a start octet other than 0x68 or a length out of 4..253, with the stream offset', () => {
    const reader = new FrameReader();
    reader.push(start);
    expectProtocolError(() => reader.push(h('68 04 07 00 00 00 16 04')), /start octet 0x16/, 12);
    expectProtocolError(() => reader.push(start), /start octet 0x16/, 12); // stays broken
    expectProtocolError(() => new FrameReader().push(h('68 03 07 00 00')), /length octet 3/, 1);
    expectProtocolError(() => new FrameReader().push(h('68 ff')), /length octet 255/, 1);
    expectProtocolError(() => new FrameReader().push(h('00')), /start octet 0x00/, 0);
  });
});

describe('CP56Time2a (-101 7.2.6.18)', () => {
  it('2024-03-15 13:45:30.250 UTC (a Friday) <-> 2A 76 2D 0D AF 03 18', () => {
    // ms of the minute 30250 = 0x762A -> 2A 76; minute 45 = 0x2D (IV clear); hour 13 = 0x0D (SU clear);
    // day 15 = 0x0F | day of week Friday 5 << 5 = 0xA0 -> 0xAF; month 3; year 24 = 0x18.
    const time = Date.UTC(2024, 2, 15, 13, 45, 30, 250);
    expect(hexOf(encodeCp56Time2a(time))).toBe('2a 76 2d 0d af 03 18');
    expect(decodeCp56Time2a(h('2a 76 2d 0d af 03 18'))).toEqual({ timeMs: time, invalid: false });
  });

  it('the IV bit is bit 7 of the minute octet; the first and last instants of 2000..2099', () => {
    // 2000-01-01 00:00:00.000, a Saturday (6): day 1 | 6 << 5 = 0xC1; IV -> minute octet 0x80.
    expect(hexOf(encodeCp56Time2a(Date.UTC(2000, 0, 1), true))).toBe('00 00 80 00 c1 01 00');
    expect(decodeCp56Time2a(h('00 00 80 00 c1 01 00'))).toEqual({ timeMs: Date.UTC(2000, 0, 1), invalid: true });
    // 2099-12-31 23:59:59.999, a Thursday (4): 59999 = 0xEA5F; 59 = 0x3B; 23 = 0x17; 31 | 4 << 5 = 0x9F; 12; 99 = 0x63.
    const last = Date.UTC(2099, 11, 31, 23, 59, 59, 999);
    expect(hexOf(encodeCp56Time2a(last))).toBe('5f ea 3b 17 9f 0c 63');
    expect(decodeCp56Time2a(h('5f ea 3b 17 9f 0c 63')).timeMs).toBe(last);
    expectProtocolError(() => encodeCp56Time2a(Date.UTC(1999, 11, 31, 23, 59, 59, 999)), /outside 2000\.\.2099/);
    expectProtocolError(() => encodeCp56Time2a(Date.UTC(2100, 0, 1)), /outside 2000\.\.2099/);
  });

  it('ignores SU and reserved bits and the day of week, refuses out-of-range fields', () => {
    // SU (hour bit 7) set, RES bits set, day of week 0: the same instant.
    expect(decodeCp56Time2a(h('2a 76 6d 8d 0f f3 98')).timeMs).toBe(Date.UTC(2024, 2, 15, 13, 45, 30, 250));
    expectProtocolError(() => decodeCp56Time2a(h('60 ea 00 00 01 01 00')), /milliseconds 60000/, 0);
    expectProtocolError(() => decodeCp56Time2a(h('00 00 3c 00 01 01 00')), /minute 60/, 2);
    expectProtocolError(() => decodeCp56Time2a(h('00 00 00 18 01 01 00')), /hour 24/, 3);
    expectProtocolError(() => decodeCp56Time2a(h('00 00 00 00 1e 02 19')), /day 30 not in month 2 of 2025/, 4);
    expectProtocolError(() => decodeCp56Time2a(h('00 00 00 00 01 0d 00')), /month 13/, 5);
    expectProtocolError(() => decodeCp56Time2a(h('00 00 00 00 01 01 64')), /year 100/, 6);
    // 2024 is a leap year: 29 February exists.
    expect(decodeCp56Time2a(h('00 00 00 00 1d 02 18')).timeMs).toBe(Date.UTC(2024, 1, 29));
  });
});

// One vector per type. Header: type, VSQ (SQ bit 7 | count), COT (cause | P/N 0x40 | T 0x80),
// originator, CA low, CA high; then IOA low, middle, high and the element.
const friday = Date.UTC(2024, 2, 15, 13, 45, 30, 250); // 2a 76 2d 0d af 03 18 (see above)
const vectors: [string, Asdu, string][] = [
  [
    'M_SP_NA_1 spontaneous, IOA 1001, on with BL and IV',
    asdu(TypeId.M_SP_NA_1, Cause.Spontaneous, 1, [{ ioa: 1001, value: 1, quality: Quality.BL | Quality.IV }]),
    // 01 | VSQ 1 | COT 3 | orig 0 | CA 1 = 01 00 | IOA 1001 = 0x0003E9 -> e9 03 00 | SIQ SPI 1 | BL 0x10 | IV 0x80 = 0x91
    '01 01 03 00 01 00 e9 03 00 91',
  ],
  [
    'M_DP_NA_1 interrogated, CA 0x1234, IOA 0x010203, on (2) with NT',
    asdu(TypeId.M_DP_NA_1, Cause.InterrogatedByStation, 0x1234, [{ ioa: 0x010203, value: 2, quality: Quality.NT }]),
    // 03 | 01 | COT 20 = 0x14 | 00 | CA 34 12 | IOA 03 02 01 | DIQ DPI 2 | NT 0x40 = 0x42
    '03 01 14 00 34 12 03 02 01 42',
  ],
  [
    'M_ME_NA_1 periodic, SQ = 1 from IOA 4000: 0.5 and -0.25 with OV',
    asdu(
      TypeId.M_ME_NA_1,
      Cause.Periodic,
      1,
      [
        { ioa: 4000, value: 0.5, quality: 0 },
        { ioa: 4001, value: -0.25, quality: Quality.OV },
      ],
      { sequence: true },
    ),
    // 09 | VSQ SQ 0x80 | 2 = 0x82 | COT 1 | 00 | 01 00 | IOA 4000 = 0x0FA0 -> a0 0f 00 once |
    // NVA 0.5 * 32768 = 16384 = 0x4000 -> 00 40, QDS 00 | -0.25 * 32768 = -8192 = 0xE000 -> 00 e0, QDS OV 01
    '09 82 01 00 01 00 a0 0f 00 00 40 00 00 e0 01',
  ],
  [
    'M_ME_NB_1 spontaneous, IOA 2, scaled -2 invalid',
    asdu(TypeId.M_ME_NB_1, Cause.Spontaneous, 1, [{ ioa: 2, value: -2, quality: Quality.IV }]),
    // 0b | 01 | 03 | 00 | 01 00 | 02 00 00 | SVA -2 = 0xFFFE -> fe ff | QDS IV 80
    '0b 01 03 00 01 00 02 00 00 fe ff 80',
  ],
  [
    'M_ME_NC_1 spontaneous, IOA 16, float 230.5',
    asdu(TypeId.M_ME_NC_1, Cause.Spontaneous, 1, [{ ioa: 16, value: 230.5, quality: 0 }]),
    // 0d | 01 | 03 | 00 | 01 00 | 10 00 00 | 230.5 = 1.80078125 * 2^7: sign 0, exponent 127 + 7 = 0x86,
    // fraction 0.80078125 * 2^23 = 0x668000 -> 0x43668000, little endian 00 80 66 43 | QDS 00
    '0d 01 03 00 01 00 10 00 00 00 80 66 43 00',
  ],
  [
    'M_IT_NA_1 spontaneous, IOA 5, counter 100000, sequence 3, CA flag',
    asdu(TypeId.M_IT_NA_1, Cause.Spontaneous, 1, [{ ioa: 5, value: 100000, quality: 0x40 | 3 }]),
    // 0f | 01 | 03 | 00 | 01 00 | 05 00 00 | 100000 = 0x000186A0 -> a0 86 01 00 | SQ 3 | CA 0x40 = 0x43
    '0f 01 03 00 01 00 05 00 00 a0 86 01 00 43',
  ],
  [
    'M_SP_TB_1 spontaneous, IOA 100, on at 2024-03-15 13:45:30.250',
    asdu(TypeId.M_SP_TB_1, Cause.Spontaneous, 1, [{ ioa: 100, value: 1, quality: 0, timeMs: friday, timeInvalid: false }]),
    // 1e | 01 | 03 | 00 | 01 00 | IOA 100 = 0x64 -> 64 00 00 | SIQ 01 | CP56Time2a
    '1e 01 03 00 01 00 64 00 00 01 2a 76 2d 0d af 03 18',
  ],
  [
    'M_DP_TB_1 spontaneous, IOA 200, off at 2000-01-01 with the time invalid',
    asdu(TypeId.M_DP_TB_1, Cause.Spontaneous, 1, [{ ioa: 200, value: 1, quality: 0, timeMs: Date.UTC(2000, 0, 1), timeInvalid: true }]),
    // 1f | 01 | 03 | 00 | 01 00 | c8 00 00 | DIQ 01 | 00 00, minute 0 | IV 0x80, 00, Saturday 1 | 6 << 5 = c1, 01, 00
    '1f 01 03 00 01 00 c8 00 00 01 00 00 80 00 c1 01 00',
  ],
  [
    'M_ME_TD_1 spontaneous, IOA 300, normalised -1 at 2099-12-31 23:59:59.999',
    asdu(TypeId.M_ME_TD_1, Cause.Spontaneous, 1, [{ ioa: 300, value: -1, quality: 0, timeMs: Date.UTC(2099, 11, 31, 23, 59, 59, 999), timeInvalid: false }]),
    // 22 | 01 | 03 | 00 | 01 00 | 300 = 0x012C -> 2c 01 00 | -1 * 32768 = 0x8000 -> 00 80 | QDS 00 | 5f ea 3b 17 9f 0c 63
    '22 01 03 00 01 00 2c 01 00 00 80 00 5f ea 3b 17 9f 0c 63',
  ],
  [
    'M_ME_TE_1 spontaneous, IOA 301, scaled 32767 with NT at 2021-07-04 08:05',
    asdu(TypeId.M_ME_TE_1, Cause.Spontaneous, 1, [{ ioa: 301, value: 32767, quality: Quality.NT, timeMs: Date.UTC(2021, 6, 4, 8, 5), timeInvalid: false }]),
    // 23 | 01 | 03 | 00 | 01 00 | 2d 01 00 | 32767 = 0x7FFF -> ff 7f | QDS NT 40 |
    // ms 0 -> 00 00, minute 05, hour 08, day 4 | Sunday 7 << 5 = e4, month 07, year 21 = 0x15
    '23 01 03 00 01 00 2d 01 00 ff 7f 40 00 00 05 08 e4 07 15',
  ],
  [
    'M_ME_TF_1 spontaneous, IOA 302, float -1.5 at 2024-02-29 12:00:01.001',
    asdu(TypeId.M_ME_TF_1, Cause.Spontaneous, 1, [{ ioa: 302, value: -1.5, quality: 0, timeMs: Date.UTC(2024, 1, 29, 12, 0, 1, 1), timeInvalid: false }]),
    // 24 | 01 | 03 | 00 | 01 00 | 2e 01 00 | -1.5 = sign 1, exponent 0x7F, fraction 0x400000 -> 0xBFC00000 -> 00 00 c0 bf |
    // QDS 00 | 1001 ms = 0x03E9 -> e9 03, minute 00, hour 0c, day 29 = 0x1D | Thursday 4 << 5 = 9d, 02, 24 = 0x18
    '24 01 03 00 01 00 2e 01 00 00 00 c0 bf 00 e9 03 00 0c 9d 02 18',
  ],
  [
    'M_IT_TB_1 spontaneous, IOA 303, counter -1 with CY, IV, sequence 31',
    asdu(TypeId.M_IT_TB_1, Cause.Spontaneous, 1, [{ ioa: 303, value: -1, quality: 0x80 | 0x20 | 31, timeMs: friday, timeInvalid: false }]),
    // 25 | 01 | 03 | 00 | 01 00 | 2f 01 00 | -1 -> ff ff ff ff | IV 0x80 | CY 0x20 | 31 = 0xBF | time
    '25 01 03 00 01 00 2f 01 00 ff ff ff ff bf 2a 76 2d 0d af 03 18',
  ],
  [
    'C_SC_NA_1 activation, IOA 5000, select on with short pulse (QU 1)',
    asdu(TypeId.C_SC_NA_1, Cause.Activation, 1, [{ ioa: 5000, value: 1, quality: 0, select: true, qualifier: 1 }]),
    // 2d | 01 | 06 | 00 | 01 00 | 5000 = 0x1388 -> 88 13 00 | SCO S/E 0x80 | QU 1 << 2 | SCS 1 = 0x85
    '2d 01 06 00 01 00 88 13 00 85',
  ],
  [
    'C_DC_NA_1 negative activation confirmation from originator 3, execute on',
    asdu(TypeId.C_DC_NA_1, Cause.ActivationCon, 1, [{ ioa: 5001, value: 2, quality: 0, select: false, qualifier: 0 }], { negative: true, originator: 3 }),
    // 2e | 01 | COT 7 | P/N 0x40 = 0x47 | originator 03 | 01 00 | 89 13 00 | DCO DCS 2 = 02
    '2e 01 47 03 01 00 89 13 00 02',
  ],
  [
    'C_SE_NC_1 activation, IOA 6000, select set-point 50.0, test',
    asdu(TypeId.C_SE_NC_1, Cause.Activation, 1, [{ ioa: 6000, value: 50, quality: 0, select: true, qualifier: 0 }], { test: true }),
    // 32 | 01 | COT 6 | T 0x80 = 0x86 | 00 | 01 00 | 6000 = 0x1770 -> 70 17 00 |
    // 50.0 = 1.5625 * 2^5: exponent 0x84, fraction 0x480000 -> 0x42480000 -> 00 00 48 42 | QOS S/E 0x80, QL 0
    '32 01 86 00 01 00 70 17 00 00 00 48 42 80',
  ],
  [
    'M_EI_NA_1 initialised, COI 2 (remote reset)',
    asdu(TypeId.M_EI_NA_1, Cause.Initialized, 1, [{ ioa: 0, value: 2, quality: 0 }]),
    // 46 | 01 | 04 | 00 | 01 00 | 00 00 00 | COI 02
    '46 01 04 00 01 00 00 00 00 02',
  ],
  [
    'C_IC_NA_1 activation, CA 1, QOI 20 (station)',
    asdu(TypeId.C_IC_NA_1, Cause.Activation, 1, [{ ioa: 0, value: 20, quality: 0 }]),
    // 64 | 01 | 06 | 00 | 01 00 | IOA 0 | QOI 20 = 0x14
    '64 01 06 00 01 00 00 00 00 14',
  ],
  [
    'C_CS_NA_1 activation to the broadcast address, 2024-03-15 13:45:30.250',
    asdu(TypeId.C_CS_NA_1, Cause.Activation, 0xffff, [{ ioa: 0, value: 0, quality: 0, timeMs: friday, timeInvalid: false }]),
    // 67 | 01 | 06 | 00 | CA 65535 -> ff ff | IOA 0 | CP56Time2a only
    '67 01 06 00 ff ff 00 00 00 2a 76 2d 0d af 03 18',
  ],
];

describe('ASDU vectors (-101 7.3 element layouts)', () => {
  it('covers every TypeId', () => {
    expect(new Set(vectors.map(([, a]) => a.typeId))).toEqual(new Set(allTypeIds));
  });
  it.each(vectors)('%s', (_name, value, hex) => {
    expect(hexOf(encodeAsdu(value))).toBe(hex);
    expect(decodeAsdu(h(hex))).toEqual(value);
  });

  it('a whole I frame: C_IC_NA_1 act inside N(S) 2, N(R) 5', () => {
    const gi = vectors.find(([, a]) => a.typeId === TypeId.C_IC_NA_1)![1];
    const frame = encodeApdu({ kind: 'I', sendSeq: 2, recvSeq: 5, asdu: encodeAsdu(gi) });
    expect(hexOf(frame)).toBe('68 0e 04 00 0a 00 64 01 06 00 01 00 00 00 00 14');
    const apdu = decodeApdu(frame);
    expect(apdu.kind === 'I' && decodeAsdu(apdu.asdu)).toEqual(gi);
  });

  it('decodes an ASDU that is a view into a larger buffer (the I frame)', () => {
    const frame = h('68 12 00 00 00 00 0d 01 03 00 01 00 10 00 00 00 80 66 43 00');
    const apdu = decodeApdu(frame);
    expect(apdu.kind === 'I' && decodeAsdu(apdu.asdu).objects[0].value).toBe(230.5);
  });

  it('normalised values: 1 - 2^-15 is the largest, 0.99999 rounds to it', () => {
    const encode = (value: number): string => hexOf(encodeAsdu(asdu(TypeId.M_ME_NA_1, 3, 1, [{ ioa: 1, value, quality: 0 }])).subarray(9, 11));
    expect(encode(32767 / 32768)).toBe('ff 7f');
    expect(encode(0.99999)).toBe('ff 7f');
    expect(encode(-1)).toBe('00 80');
  });
});

describe('ASDU errors name the type, the object and the byte', () => {
  it('on decode', () => {
    expectProtocolError(() => decodeAsdu(h('63 01 06 00 01 00 00 00 00 14')), /unknown type id 99/, 0);
    expectProtocolError(() => decodeAsdu(h('64 01 06 00 01')), /at least 6 octets, this one 5/);
    // VSQ says 2 objects (2 * (3 + 1) + 6 = 14 octets), 10 present.
    expectProtocolError(() => decodeAsdu(h('64 02 06 00 01 00 00 00 00 14')), /C_IC_NA_1: VSQ says 2 objects = 14 octets, the ASDU has 10/, 10);
    expectProtocolError(() => decodeAsdu(h('01 81 03 00 01 00 01 00 00 01 01')), /M_SP_NA_1: VSQ says 1 objects in sequence = 10 octets, the ASDU has 11/, 10);
    expectProtocolError(() => decodeAsdu(h('01 00 03 00 01 00')), /VSQ count 0/, 1);
    expectProtocolError(() => decodeAsdu(h('01 01 40 00 01 00 01 00 00 01')), /cause of transmission 0/, 2);
    expectProtocolError(() => decodeAsdu(h('01 01 03 00 00 00 01 00 00 01')), /common address 0/, 4);
    // The second object's time has minute 61 (0x3D): header 6 + object 0 (3 + 1 + 7) + IOA 3 + SIQ 1 + 2 = octet 23.
    const twoTimes = h('1e 02 03 00 01 00 64 00 00 01 2a 76 2d 0d af 03 18 65 00 00 01 2a 76 3d 0d af 03 18');
    expectProtocolError(() => decodeAsdu(twoTimes), /M_SP_TB_1 object 1 at byte 23: CP56Time2a: minute 61/, 23);
    // SQ = 1 running past IOA 0xFFFFFF.
    expectProtocolError(() => decodeAsdu(h('01 82 03 00 01 00 ff ff ff 01 00')), /M_SP_NA_1 object 1 at byte 10: the sequence runs past/, 10);
  });

  it('on encode', () => {
    // Object 1's element starts at 6 (header) + 4 (object 0) + 3 (its IOA) = 13.
    const one = (typeId: TypeIdValue, object: InformationObject, extra: Partial<Asdu> = {}): Asdu => asdu(typeId, 3, 1, [{ ioa: 1, value: 0, quality: 0 }, object], extra);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_DP_NA_1, { ioa: 2, value: 4, quality: 0 })), /M_DP_NA_1 object 1 at byte 13: double point 4 is not in 0\.\.3/, 13);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_SP_NA_1, { ioa: 2, value: 2, quality: 0 })), /M_SP_NA_1 object 1 at byte 13: single point 2/, 13);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_SP_NA_1, { ioa: 2, value: 1, quality: Quality.OV })), /quality 0x1 has bits this type does not carry/);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_ME_NA_1, { ioa: 2, value: 1, quality: 0 })), /normalised value 1 is not in/);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_ME_NB_1, { ioa: 2, value: 1.5, quality: 0 })), /scaled value 1\.5/);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_ME_NC_1, { ioa: 2, value: 1e39, quality: 0 })), /overflows single precision/);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_IT_NA_1, { ioa: 2, value: 2 ** 31, quality: 0 })), /counter 2147483648 is not an int32/);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_SP_TB_1, { ioa: 2, value: 1, quality: 0 }, {})), /M_SP_TB_1 object 0 at byte 9: the time tag \(timeMs\) is missing/);
    expectProtocolError(() => encodeAsdu(one(TypeId.C_SC_NA_1, { ioa: 2, value: 1, quality: 0, qualifier: 32 })), /qualifier of command 32/);
    expectProtocolError(() => encodeAsdu(one(TypeId.C_SE_NC_1, { ioa: 2, value: 1, quality: 0, qualifier: 128 })), /qualifier of set-point 128/);
    expectProtocolError(() => encodeAsdu(one(TypeId.C_IC_NA_1, { ioa: 2, value: 20, quality: 1 })), /quality 1 must be 0/);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_SP_NA_1, { ioa: 2 ** 24, value: 1, quality: 0 })), /IOA 16777216 is not in/);
    expectProtocolError(() => encodeAsdu(one(TypeId.M_SP_NA_1, { ioa: 5, value: 1, quality: 0 }, { sequence: true })), /object 1 at byte 10: IOA 5 breaks the sequence .* expects 2/);
    expectProtocolError(() => encodeAsdu(asdu(99 as TypeIdValue, 3, 1, [{ ioa: 1, value: 0, quality: 0 }])), /unknown type id 99/);
    expectProtocolError(() => encodeAsdu(asdu(TypeId.M_SP_NA_1, 3, 1, [])), /0 objects/);
    expectProtocolError(() => encodeAsdu(asdu(TypeId.M_SP_NA_1, 64, 1, [{ ioa: 1, value: 0, quality: 0 }])), /cause 64/);
    expectProtocolError(() => encodeAsdu(asdu(TypeId.M_SP_NA_1, 3, 0, [{ ioa: 1, value: 0, quality: 0 }])), /common address 0/);
    expectProtocolError(() => encodeAsdu(asdu(TypeId.M_SP_NA_1, 3, 1, [{ ioa: 1, value: 0, quality: 0 }], { originator: 256 })), /originator 256/);
  });

  it('refuses more objects than fit in an I frame and says how many fit', () => {
    // M_ME_TF_1 without SQ: (249 - 6) / (3 + 12) = 16 objects; with SQ (249 - 6 - 3) / 12 = 20.
    expect(maxObjectsPerAsdu(TypeId.M_ME_TF_1, false)).toBe(16);
    expect(maxObjectsPerAsdu(TypeId.M_ME_TF_1, true)).toBe(20);
    // M_SP_NA_1 with SQ: 240 would fit, VSQ's 7 bits cap it at 127.
    expect(maxObjectsPerAsdu(TypeId.M_SP_NA_1, true)).toBe(127);
    const objects = Array.from({ length: 17 }, (_, i) => ({ ioa: i, value: 1, quality: 0, timeMs: friday }));
    expectProtocolError(() => encodeAsdu(asdu(TypeId.M_ME_TF_1, 3, 1, objects)), /17 objects need 261 octets.*\(16 objects\)/);
  });
});

describe('seeded round trips', () => {
  it('every type: decode(encode(asdu)) = asdu and encode(decode(bytes)) = bytes, 300 random ASDUs a type', () => {
    const random = seededRandom(104);
    for (const typeId of allTypeIds) {
      for (let n = 0; n < 300; n++) {
        const original = randomAsdu(random, typeId);
        const bytes = encodeAsdu(original);
        const decoded = decodeAsdu(bytes);
        expect(decoded).toEqual(original);
        expect(encodeAsdu(decoded)).toEqual(bytes);
      }
    }
  });

  it('APDUs with random sequence numbers and ASDUs', () => {
    const random = seededRandom(60870);
    for (let n = 0; n < 2000; n++) {
      const sendSeq = randomInt(random, 0, 32767);
      const recvSeq = randomInt(random, 0, 32767);
      const body = encodeAsdu(randomAsdu(random, allTypeIds[n % allTypeIds.length]));
      const iFrame: Apdu = { kind: 'I', sendSeq, recvSeq, asdu: body };
      expect(decodeApdu(encodeApdu(iFrame))).toEqual(iFrame);
      expect(decodeApdu(encodeApdu({ kind: 'S', recvSeq }))).toEqual({ kind: 'S', recvSeq });
    }
  });

  it('time tags: every ms of 2000..2099 maps to itself', () => {
    const random = seededRandom(56);
    for (let n = 0; n < 20_000; n++) {
      const timeMs = randomInt(random, Date.UTC(2000, 0, 1), Date.UTC(2100, 0, 1) - 1);
      const invalid = random() < 0.5;
      expect(decodeCp56Time2a(encodeCp56Time2a(timeMs, invalid))).toEqual({ timeMs, invalid });
    }
  });
});
