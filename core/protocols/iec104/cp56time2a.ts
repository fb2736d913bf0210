// CP56Time2a (IEC 60870-5-101 7.2.6.18): the seven-octet time tag. Gridlink always sends UTC
// (SU bit clear) and reads the fields as UTC; the year is two digits, taken as 2000..2099.
import { Iec104ProtocolError } from './api.js';

export const CP56TIME2A_SIZE = 7;

/** The first and the first excluded instant a CP56Time2a can carry (7-bit year read as 20yy). */
const FIRST_MS = Date.UTC(2000, 0, 1);
const END_MS = Date.UTC(2100, 0, 1);

export interface Cp56Time {
  /** ms since the epoch, UTC. */
  timeMs: number;
  /** The IV bit: the sender marks its clock as invalid (not synchronised). */
  invalid: boolean;
}

/**
 * Writes a time tag at `offset`. Fractions of a ms are dropped. Throws Iec104ProtocolError outside
 * 2000-01-01..2099-12-31 (the year has 7 bits and is read as 20yy).
 */
export function writeCp56Time2a(target: Uint8Array, offset: number, timeMs: number, invalid = false): void {
  if (!Number.isFinite(timeMs) || timeMs < FIRST_MS || timeMs >= END_MS) {
    throw new Iec104ProtocolError(`CP56Time2a: time ${timeMs} is outside 2000..2099 (UTC)`);
  }
  const date = new Date(Math.floor(timeMs));
  const msOfMinute = date.getUTCSeconds() * 1000 + date.getUTCMilliseconds();
  target[offset] = msOfMinute & 0xff;
  target[offset + 1] = msOfMinute >>> 8;
  target[offset + 2] = date.getUTCMinutes() | (invalid ? 0x80 : 0);
  // SU (bit 7) stays clear: UTC has no summer time.
  target[offset + 3] = date.getUTCHours();
  // Day of week 1 = Monday .. 7 = Sunday (0 would mean "not used"); getUTCDay has Sunday = 0.
  const dayOfWeek = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
  target[offset + 4] = date.getUTCDate() | (dayOfWeek << 5);
  target[offset + 5] = date.getUTCMonth() + 1;
  target[offset + 6] = date.getUTCFullYear() - 2000;
}

/** The seven octets of a time tag. */
export function encodeCp56Time2a(timeMs: number, invalid = false): Uint8Array {
  const bytes = new Uint8Array(CP56TIME2A_SIZE);
  writeCp56Time2a(bytes, 0, timeMs, invalid);
  return bytes;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads a time tag at `offset`. Reserved bits, SU and the day of week are ignored (the date
 * decides); a field out of range (ms > 59999, minute > 59, hour > 23, month 0 or > 12, year > 99,
 * day not in the month) throws Iec104ProtocolError with the offset of the bad octet, also when IV is set.
 */
export function readCp56Time2a(bytes: Uint8Array, offset = 0): Cp56Time {
  if (offset < 0 || offset + CP56TIME2A_SIZE > bytes.length) {
    throw new Iec104ProtocolError(`CP56Time2a: 7 octets needed at byte ${offset}, ${Math.max(0, bytes.length - offset)} present`, offset);
  }
  const msOfMinute = bytes[offset] | (bytes[offset + 1] << 8);
  if (msOfMinute > 59_999) throw new Iec104ProtocolError(`CP56Time2a: milliseconds ${msOfMinute} > 59999`, offset);
  const minuteOctet = bytes[offset + 2];
  const minute = minuteOctet & 0x3f;
  if (minute > 59) throw new Iec104ProtocolError(`CP56Time2a: minute ${minute} > 59`, offset + 2);
  const hour = bytes[offset + 3] & 0x1f;
  if (hour > 23) throw new Iec104ProtocolError(`CP56Time2a: hour ${hour} > 23`, offset + 3);
  const month = bytes[offset + 5] & 0x0f;
  if (month < 1 || month > 12) throw new Iec104ProtocolError(`CP56Time2a: month ${month} not in 1..12`, offset + 5);
  const year = bytes[offset + 6] & 0x7f;
  if (year > 99) throw new Iec104ProtocolError(`CP56Time2a: year ${year} > 99`, offset + 6);
  const day = bytes[offset + 4] & 0x1f;
  if (day < 1 || day > daysInMonth(2000 + year, month)) {
    throw new Iec104ProtocolError(`CP56Time2a: day ${day} not in month ${month} of ${2000 + year}`, offset + 4);
  }
  return {
    timeMs: Date.UTC(2000 + year, month - 1, day, hour, minute) + msOfMinute,
    invalid: (minuteOctet & 0x80) !== 0,
  };
}

/** Reads the seven octets of a time tag (see readCp56Time2a). */
export function decodeCp56Time2a(bytes: Uint8Array): Cp56Time {
  if (bytes.length !== CP56TIME2A_SIZE) {
    throw new Iec104ProtocolError(`CP56Time2a: 7 octets expected, ${bytes.length} given`, 0);
  }
  return readCp56Time2a(bytes, 0);
}
