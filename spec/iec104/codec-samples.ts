// Seeded random, valid ASDUs of every supported type: shared by the codec, fuzz and tshark tests.
import { type Asdu, type InformationObject, TypeId, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import { maxObjectsPerAsdu } from '../../core/protocols/iec104/asdu.js';
import { typeInfo } from '../../core/protocols/iec104/type-info.js';

/** mulberry32: small, fast, deterministic for a seed. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const FIRST_MS = Date.UTC(2000, 0, 1);
const END_MS = Date.UTC(2100, 0, 1);

/** One valid object of the type, with exactly the fields decodeAsdu gives back. */
export function randomObject(random: () => number, typeId: TypeIdValue, ioa: number): InformationObject {
  const info = typeInfo(typeId);
  if (!info) throw new Error(`no type ${typeId}`);
  const quality = (): number => randomInt(random, 0, 255) & info.qualityMask;
  let object: InformationObject;
  switch (info.kind) {
    case 'SIQ':
      object = { ioa, value: randomInt(random, 0, 1), quality: quality() };
      break;
    case 'DIQ':
      object = { ioa, value: randomInt(random, 0, 3), quality: quality() };
      break;
    case 'NVA':
      object = { ioa, value: randomInt(random, -32768, 32767) / 32768, quality: quality() };
      break;
    case 'SVA':
      object = { ioa, value: randomInt(random, -32768, 32767), quality: quality() };
      break;
    case 'R32':
      object = { ioa, value: Math.fround((random() - 0.5) * 10 ** randomInt(random, -6, 9)), quality: quality() };
      break;
    case 'BCR':
      object = { ioa, value: randomInt(random, -2147483648, 2147483647), quality: quality() };
      break;
    case 'SCO':
      object = { ioa, value: randomInt(random, 0, 1), quality: 0, select: random() < 0.5, qualifier: randomInt(random, 0, 31) };
      break;
    case 'DCO':
      object = { ioa, value: randomInt(random, 0, 3), quality: 0, select: random() < 0.5, qualifier: randomInt(random, 0, 31) };
      break;
    case 'R32_QOS':
      object = { ioa, value: Math.fround((random() - 0.5) * 2000), quality: 0, select: random() < 0.5, qualifier: randomInt(random, 0, 127) };
      break;
    case 'COI':
    case 'QOI':
      object = { ioa, value: randomInt(random, 0, 255), quality: 0 };
      break;
    case 'NONE':
      object = { ioa, value: 0, quality: 0 };
      break;
  }
  if (info.timeTagged) {
    object.timeMs = randomInt(random, FIRST_MS, END_MS - 1);
    object.timeInvalid = random() < 0.2;
  }
  return object;
}

/** A valid ASDU of the type with 1..maxObjects objects (fewer when `maxObjects` says so). */
export function randomAsdu(random: () => number, typeId: TypeIdValue, maxObjects = 127): Asdu {
  const sequence = random() < 0.3;
  const count = randomInt(random, 1, Math.min(maxObjects, maxObjectsPerAsdu(typeId, sequence)));
  const firstIoa = randomInt(random, 0, 0xff_ffff - count);
  const objects: InformationObject[] = [];
  for (let i = 0; i < count; i++) {
    objects.push(randomObject(random, typeId, sequence ? firstIoa + i : randomInt(random, 0, 0xff_ffff)));
  }
  return {
    typeId,
    sequence,
    cause: randomInt(random, 1, 63),
    negative: random() < 0.2,
    test: random() < 0.1,
    originator: randomInt(random, 0, 255),
    commonAddress: randomInt(random, 1, 65535),
    objects,
  };
}

export const allTypeIds: TypeIdValue[] = Object.values(TypeId);
