// The APCI of IEC 60870-5-104 (5.1): start 0x68, length of the rest (4..253), four control octets,
// then for I frames the ASDU. Sequence numbers are 15 bits, sent shifted left by one.
import { type Apdu, Iec104ProtocolError, type UFunction } from './api.js';

export const START_BYTE = 0x68;
/** APCI after the start and length octets: the four control octets. */
export const CONTROL_SIZE = 4;
/** Largest value of the length octet (-104 5.1): so an APDU is at most 255 octets. */
export const MAX_APDU_LENGTH = 253;
/** Largest ASDU an I frame can carry. */
export const MAX_ASDU_SIZE = MAX_APDU_LENGTH - CONTROL_SIZE;
/** Sequence numbers count modulo 2^15. */
export const SEQUENCE_MODULO = 32_768;

/** The first control octet of each U frame (one function bit set, plus 0b11). */
export const U_CONTROL: Readonly<Record<UFunction, number>> = {
  STARTDT_ACT: 0x07,
  STARTDT_CON: 0x0b,
  STOPDT_ACT: 0x13,
  STOPDT_CON: 0x23,
  TESTFR_ACT: 0x43,
  TESTFR_CON: 0x83,
};

const U_BY_CONTROL = new Map<number, UFunction>(Object.entries(U_CONTROL).map(([fn, octet]) => [octet, fn as UFunction]));

function checkSequence(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= SEQUENCE_MODULO) {
    throw new Iec104ProtocolError(`${name} ${value} is not a 15-bit sequence number (0..32767)`);
  }
}

/** One whole APDU (a new array). Throws Iec104ProtocolError on a sequence number out of range or an ASDU of 0 or > 249 octets. */
export function encodeApdu(apdu: Apdu): Uint8Array {
  switch (apdu.kind) {
    case 'I': {
      checkSequence('N(S)', apdu.sendSeq);
      checkSequence('N(R)', apdu.recvSeq);
      const size = apdu.asdu.length;
      if (size === 0 || size > MAX_ASDU_SIZE) {
        throw new Iec104ProtocolError(`an I frame carries an ASDU of 1..${MAX_ASDU_SIZE} octets, not ${size}`);
      }
      const frame = new Uint8Array(2 + CONTROL_SIZE + size);
      frame[0] = START_BYTE;
      frame[1] = CONTROL_SIZE + size;
      frame[2] = (apdu.sendSeq << 1) & 0xfe;
      frame[3] = apdu.sendSeq >>> 7;
      frame[4] = (apdu.recvSeq << 1) & 0xfe;
      frame[5] = apdu.recvSeq >>> 7;
      frame.set(apdu.asdu, 6);
      return frame;
    }
    case 'S':
      checkSequence('N(R)', apdu.recvSeq);
      return Uint8Array.of(START_BYTE, CONTROL_SIZE, 0x01, 0x00, (apdu.recvSeq << 1) & 0xfe, apdu.recvSeq >>> 7);
    case 'U': {
      const control = U_CONTROL[apdu.fn];
      if (control === undefined) throw new Iec104ProtocolError(`unknown U function ${String(apdu.fn)}`);
      return Uint8Array.of(START_BYTE, CONTROL_SIZE, control, 0x00, 0x00, 0x00);
    }
  }
}

/**
 * Decodes one whole frame starting with 0x68 (as FrameReader yields them). The ASDU of an I frame
 * is a view (subarray) into `frame`, not a copy. Throws Iec104ProtocolError with the offset of the
 * offending octet when the frame breaks -104 5.1: wrong start or length octet, a length that
 * disagrees with the frame, an S or U frame longer than 6 octets, an I frame without an ASDU,
 * an unknown U function, or reserved control bits set.
 */
export function decodeApdu(frame: Uint8Array): Apdu {
  if (frame.length < 2 + CONTROL_SIZE) {
    throw new Iec104ProtocolError(`an APDU has at least 6 octets, this one ${frame.length}`, frame.length);
  }
  if (frame[0] !== START_BYTE) {
    throw new Iec104ProtocolError(`start octet 0x${hex(frame[0])} is not 0x68`, 0);
  }
  const length = frame[1];
  if (length < CONTROL_SIZE || length > MAX_APDU_LENGTH) {
    throw new Iec104ProtocolError(`length octet ${length} is not in ${CONTROL_SIZE}..${MAX_APDU_LENGTH}`, 1);
  }
  if (frame.length !== length + 2) {
    throw new Iec104ProtocolError(`length octet says ${length + 2} octets, the frame has ${frame.length}`, 1);
  }
  const c1 = frame[2];
  if ((c1 & 0x01) === 0) {
    // I format: N(S) in octets 1-2, N(R) in 3-4, the low bit of octet 3 is 0.
    if (length === CONTROL_SIZE) throw new Iec104ProtocolError('I frame without an ASDU', 1);
    if ((frame[4] & 0x01) !== 0) throw new Iec104ProtocolError('I frame: the low bit of control octet 3 must be 0', 4);
    return {
      kind: 'I',
      sendSeq: (c1 >>> 1) | (frame[3] << 7),
      recvSeq: (frame[4] >>> 1) | (frame[5] << 7),
      asdu: frame.subarray(6),
    };
  }
  if (length !== CONTROL_SIZE) {
    throw new Iec104ProtocolError(`${(c1 & 0x03) === 0x01 ? 'S' : 'U'} frame with length ${length}, must be 4`, 1);
  }
  if ((c1 & 0x03) === 0x01) {
    if (c1 !== 0x01 || frame[3] !== 0) throw new Iec104ProtocolError('S frame: control octets 1-2 must be 01 00', c1 !== 0x01 ? 2 : 3);
    if ((frame[4] & 0x01) !== 0) throw new Iec104ProtocolError('S frame: the low bit of control octet 3 must be 0', 4);
    return { kind: 'S', recvSeq: (frame[4] >>> 1) | (frame[5] << 7) };
  }
  const fn = U_BY_CONTROL.get(c1);
  if (fn === undefined) {
    throw new Iec104ProtocolError(`U frame: control octet 0x${hex(c1)} is not exactly one of STARTDT, STOPDT, TESTFR act/con`, 2);
  }
  for (let i = 3; i < 6; i++) {
    if (frame[i] !== 0) throw new Iec104ProtocolError(`U frame: control octet ${i - 1} must be 0`, i);
  }
  return { kind: 'U', fn };
}

function hex(octet: number): string {
  return octet.toString(16).padStart(2, '0');
}
