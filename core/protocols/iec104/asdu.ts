// The ASDU codec (IEC 60870-5-101 7.1-7.3 with the -104 field sizes): data unit identifier of six
// octets (type, VSQ, two-octet COT with originator, two-octet common address), then the objects,
// each a three-octet IOA (only the first one when SQ = 1) and the element from type-info.ts.
import { type Asdu, Iec104ProtocolError, type InformationObject, type TypeIdValue } from './api.js';
import { MAX_ASDU_SIZE } from './apci.js';
import { CP56TIME2A_SIZE, readCp56Time2a, writeCp56Time2a } from './cp56time2a.js';
import { type TypeInfo, typeInfo } from './type-info.js';

/** Type, VSQ, COT (2), common address (2). */
export const ASDU_HEADER_SIZE = 6;
export const IOA_SIZE = 3;
export const MAX_IOA = 0xff_ffff;
/** VSQ carries the number of objects in 7 bits. */
export const MAX_OBJECTS = 127;

/**
 * How many objects of a type fit in one ASDU (one I frame), with or without SQ: for splitting a
 * general interrogation answer. Throws Iec104ProtocolError on an unsupported type.
 */
export function maxObjectsPerAsdu(typeId: number, sequence: boolean): number {
  const info = requireType(typeId);
  const room = MAX_ASDU_SIZE - ASDU_HEADER_SIZE;
  const fit = sequence ? Math.floor((room - IOA_SIZE) / Math.max(1, info.elementSize)) : Math.floor(room / (IOA_SIZE + info.elementSize));
  return Math.min(MAX_OBJECTS, fit);
}

function requireType(typeId: number): TypeInfo {
  const info = typeInfo(typeId);
  if (!info) throw new Iec104ProtocolError(`unknown type id ${typeId}`, 0);
  return info;
}

function objectError(info: TypeInfo, index: number, offset: number, message: string): Iec104ProtocolError {
  return new Iec104ProtocolError(`${info.name} object ${index} at byte ${offset}: ${message}`, offset);
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Encodes an ASDU. Throws Iec104ProtocolError naming the type, the object index and the byte
 * offset on: an unsupported type, 0 or more than 127 objects, more than fits in an I frame
 * (249 octets), cause not in 1..63, originator not in 0..255, common address not in 1..65535,
 * an IOA not in 0..16777215 (or not consecutive when SQ = 1), a value out of range for its type
 * (e.g. a double point not in 0..3), quality bits the type does not carry, a missing time tag.
 */
export function encodeAsdu(asdu: Asdu): Uint8Array {
  const info = requireType(asdu.typeId);
  const count = asdu.objects.length;
  if (count < 1 || count > MAX_OBJECTS) {
    throw new Iec104ProtocolError(`${info.name}: ${count} objects, an ASDU carries 1..${MAX_OBJECTS}`, 1);
  }
  if (!isIntIn(asdu.cause, 1, 63)) throw new Iec104ProtocolError(`${info.name}: cause ${asdu.cause} is not in 1..63`, 2);
  if (!isIntIn(asdu.originator, 0, 255)) throw new Iec104ProtocolError(`${info.name}: originator ${asdu.originator} is not in 0..255`, 3);
  if (!isIntIn(asdu.commonAddress, 1, 65535)) {
    throw new Iec104ProtocolError(`${info.name}: common address ${asdu.commonAddress} is not in 1..65535`, 4);
  }
  const size = ASDU_HEADER_SIZE + (asdu.sequence ? IOA_SIZE + count * info.elementSize : count * (IOA_SIZE + info.elementSize));
  if (size > MAX_ASDU_SIZE) {
    throw new Iec104ProtocolError(
      `${info.name}: ${count} objects need ${size} octets, an I frame carries at most ${MAX_ASDU_SIZE} (${maxObjectsPerAsdu(info.id, asdu.sequence)} objects)`,
    );
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = info.id;
  bytes[1] = count | (asdu.sequence ? 0x80 : 0);
  bytes[2] = asdu.cause | (asdu.negative ? 0x40 : 0) | (asdu.test ? 0x80 : 0);
  bytes[3] = asdu.originator;
  bytes[4] = asdu.commonAddress & 0xff;
  bytes[5] = asdu.commonAddress >>> 8;
  let at = ASDU_HEADER_SIZE;
  const firstIoa = asdu.objects[0].ioa;
  for (let index = 0; index < count; index++) {
    const object = asdu.objects[index];
    if (!isIntIn(object.ioa, 0, MAX_IOA)) throw objectError(info, index, at, `IOA ${object.ioa} is not in 0..${MAX_IOA}`);
    if (!asdu.sequence || index === 0) {
      bytes[at] = object.ioa & 0xff;
      bytes[at + 1] = (object.ioa >>> 8) & 0xff;
      bytes[at + 2] = object.ioa >>> 16;
      at += IOA_SIZE;
    } else if (object.ioa !== firstIoa + index) {
      throw objectError(info, index, at, `IOA ${object.ioa} breaks the sequence (SQ = 1) that expects ${firstIoa + index}`);
    }
    writeElement(info, index, object, bytes, view, at);
    at += info.elementSize;
  }
  return bytes;
}

function writeElement(info: TypeInfo, index: number, object: InformationObject, bytes: Uint8Array, view: DataView, at: number): void {
  const fail = (message: string): never => {
    throw objectError(info, index, at, message);
  };
  const { value } = object;
  const quality = object.quality ?? 0;
  if (!isIntIn(quality, 0, 255) || (quality & ~info.qualityMask) !== 0) {
    fail(
      info.qualityMask === 0
        ? `quality ${quality} must be 0 (this type carries no quality)`
        : `quality 0x${quality.toString(16)} has bits this type does not carry (allowed 0x${info.qualityMask.toString(16)})`,
    );
  }
  const qualifier = object.qualifier ?? 0;
  const select = object.select === true ? 0x80 : 0;
  switch (info.kind) {
    case 'SIQ':
      if (value !== 0 && value !== 1) fail(`single point ${value} is not 0 or 1`);
      bytes[at] = value | quality;
      break;
    case 'DIQ':
      if (!isIntIn(value, 0, 3)) fail(`double point ${value} is not in 0..3`);
      bytes[at] = value | quality;
      break;
    case 'NVA': {
      if (!(value >= -1 && value < 1)) fail(`normalised value ${value} is not in -1..1-2^-15`);
      view.setInt16(at, Math.min(32767, Math.round(value * 32768)), true);
      bytes[at + 2] = quality;
      break;
    }
    case 'SVA':
      if (!isIntIn(value, -32768, 32767)) fail(`scaled value ${value} is not an integer in -32768..32767`);
      view.setInt16(at, value, true);
      bytes[at + 2] = quality;
      break;
    case 'R32':
      checkFloat(value, fail);
      view.setFloat32(at, value, true);
      bytes[at + 4] = quality;
      break;
    case 'BCR':
      if (!isIntIn(value, -2147483648, 2147483647)) fail(`counter ${value} is not an int32`);
      view.setInt32(at, value, true);
      bytes[at + 4] = quality;
      break;
    case 'SCO':
      if (value !== 0 && value !== 1) fail(`single command state ${value} is not 0 or 1`);
      if (!isIntIn(qualifier, 0, 31)) fail(`qualifier of command ${qualifier} is not in 0..31`);
      bytes[at] = value | (qualifier << 2) | select;
      break;
    case 'DCO':
      if (!isIntIn(value, 0, 3)) fail(`double command state ${value} is not in 0..3`);
      if (!isIntIn(qualifier, 0, 31)) fail(`qualifier of command ${qualifier} is not in 0..31`);
      bytes[at] = value | (qualifier << 2) | select;
      break;
    case 'R32_QOS':
      checkFloat(value, fail);
      if (!isIntIn(qualifier, 0, 127)) fail(`qualifier of set-point ${qualifier} is not in 0..127`);
      view.setFloat32(at, value, true);
      bytes[at + 4] = qualifier | select;
      break;
    case 'COI':
      if (!isIntIn(value, 0, 255)) fail(`cause of initialisation ${value} is not in 0..255`);
      bytes[at] = value;
      break;
    case 'QOI':
      if (!isIntIn(value, 0, 255)) fail(`qualifier of interrogation ${value} is not in 0..255`);
      bytes[at] = value;
      break;
    case 'NONE':
      break;
  }
  if (info.timeTagged) {
    if (object.timeMs === undefined) fail('the time tag (timeMs) is missing');
    try {
      writeCp56Time2a(bytes, at + info.elementSize - CP56TIME2A_SIZE, object.timeMs as number, object.timeInvalid === true);
    } catch (error) {
      fail((error as Error).message);
    }
  }
}

function checkFloat(value: number, fail: (message: string) => never): void {
  if (typeof value !== 'number') fail(`float value ${String(value)} is not a number`);
  // NaN and infinities are IEEE values and pass; a finite double too large for float32 does not.
  if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) fail(`float value ${value} overflows single precision`);
}

/**
 * Decodes an ASDU (the bytes after the APCI). Throws Iec104ProtocolError naming the type, the
 * object index and the byte offset on: fewer than 6 octets, an unsupported type id, VSQ count 0,
 * a length that disagrees with the VSQ count, cause 0, common address 0, an IOA beyond 16777215
 * in a sequence, an invalid CP56Time2a field. Reserved bits are ignored.
 */
export function decodeAsdu(bytes: Uint8Array): Asdu {
  if (bytes.length < ASDU_HEADER_SIZE) {
    throw new Iec104ProtocolError(`an ASDU has at least ${ASDU_HEADER_SIZE} octets, this one ${bytes.length}`, bytes.length);
  }
  const info = requireType(bytes[0]);
  const sequence = (bytes[1] & 0x80) !== 0;
  const count = bytes[1] & 0x7f;
  if (count === 0) throw new Iec104ProtocolError(`${info.name}: VSQ count 0, no information objects`, 1);
  const cause = bytes[2] & 0x3f;
  if (cause === 0) throw new Iec104ProtocolError(`${info.name}: cause of transmission 0 is not defined`, 2);
  const commonAddress = bytes[4] | (bytes[5] << 8);
  if (commonAddress === 0) throw new Iec104ProtocolError(`${info.name}: common address 0 is not used`, 4);
  const expected = ASDU_HEADER_SIZE + (sequence ? IOA_SIZE + count * info.elementSize : count * (IOA_SIZE + info.elementSize));
  if (bytes.length !== expected) {
    throw new Iec104ProtocolError(
      `${info.name}: VSQ says ${count} objects${sequence ? ' in sequence' : ''} = ${expected} octets, the ASDU has ${bytes.length}`,
      Math.min(bytes.length, expected),
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const objects: InformationObject[] = new Array(count);
  let at = ASDU_HEADER_SIZE;
  let ioa = 0;
  for (let index = 0; index < count; index++) {
    if (!sequence || index === 0) {
      ioa = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
      at += IOA_SIZE;
    } else {
      ioa += 1;
      if (ioa > MAX_IOA) throw objectError(info, index, at, `the sequence runs past IOA ${MAX_IOA}`);
    }
    objects[index] = readElement(info, index, ioa, bytes, view, at);
    at += info.elementSize;
  }
  return {
    typeId: info.id as TypeIdValue,
    sequence,
    cause,
    negative: (bytes[2] & 0x40) !== 0,
    test: (bytes[2] & 0x80) !== 0,
    originator: bytes[3],
    commonAddress,
    objects,
  };
}

function readElement(info: TypeInfo, index: number, ioa: number, bytes: Uint8Array, view: DataView, at: number): InformationObject {
  let object: InformationObject;
  switch (info.kind) {
    case 'SIQ':
      object = { ioa, value: bytes[at] & 0x01, quality: bytes[at] & info.qualityMask };
      break;
    case 'DIQ':
      object = { ioa, value: bytes[at] & 0x03, quality: bytes[at] & info.qualityMask };
      break;
    case 'NVA':
      object = { ioa, value: view.getInt16(at, true) / 32768, quality: bytes[at + 2] & info.qualityMask };
      break;
    case 'SVA':
      object = { ioa, value: view.getInt16(at, true), quality: bytes[at + 2] & info.qualityMask };
      break;
    case 'R32':
      object = { ioa, value: view.getFloat32(at, true), quality: bytes[at + 4] & info.qualityMask };
      break;
    case 'BCR':
      object = { ioa, value: view.getInt32(at, true), quality: bytes[at + 4] };
      break;
    case 'SCO':
      object = { ioa, value: bytes[at] & 0x01, quality: 0, select: (bytes[at] & 0x80) !== 0, qualifier: (bytes[at] >>> 2) & 0x1f };
      break;
    case 'DCO':
      object = { ioa, value: bytes[at] & 0x03, quality: 0, select: (bytes[at] & 0x80) !== 0, qualifier: (bytes[at] >>> 2) & 0x1f };
      break;
    case 'R32_QOS':
      object = { ioa, value: view.getFloat32(at, true), quality: 0, select: (bytes[at + 4] & 0x80) !== 0, qualifier: bytes[at + 4] & 0x7f };
      break;
    case 'COI':
    case 'QOI':
      object = { ioa, value: bytes[at], quality: 0 };
      break;
    case 'NONE':
      object = { ioa, value: 0, quality: 0 };
      break;
  }
  if (info.timeTagged) {
    const timeAt = at + info.elementSize - CP56TIME2A_SIZE;
    try {
      const time = readCp56Time2a(bytes, timeAt);
      object.timeMs = time.timeMs;
      object.timeInvalid = time.invalid;
    } catch (error) {
      const offset = error instanceof Iec104ProtocolError && error.offset !== undefined ? error.offset : timeAt;
      throw objectError(info, index, offset, (error as Error).message);
    }
  }
  return object;
}

