// Malformed input must never escape as anything but Iec104ProtocolError (the link closes on it with
// a logged reason): random, truncated, bit-flipped and extended APDUs and ASDUs, seeded.
import { describe, expect, it } from 'vitest';
import { Iec104ProtocolError } from '../../core/protocols/iec104/api.js';
import { decodeApdu, encodeApdu } from '../../core/protocols/iec104/apci.js';
import { decodeAsdu, encodeAsdu } from '../../core/protocols/iec104/asdu.js';
import { FrameReader } from '../../core/protocols/iec104/frame-reader.js';
import { allTypeIds, randomAsdu, randomInt, seededRandom } from './codec-samples.js';

type Outcome = 'decoded' | 'refused';

/** Runs `decode`; anything thrown must be an Iec104ProtocolError with an offset inside the input. */
function outcome(input: Uint8Array, decode: (bytes: Uint8Array) => unknown): Outcome {
  try {
    decode(input);
    return 'decoded';
  } catch (error) {
    if (!(error instanceof Iec104ProtocolError)) {
      throw new Error(`input ${Buffer.from(input).toString('hex')} threw ${String(error)} instead of an Iec104ProtocolError`);
    }
    const { offset } = error;
    if (offset === undefined || offset < 0 || offset > input.length) {
      throw new Error(`input ${Buffer.from(input).toString('hex')}: "${error.message}" has offset ${offset}, outside 0..${input.length}`);
    }
    return 'refused';
  }
}

/** What decodeAsdu accepted, encodeAsdu must accept too (a plain Error here fails the test). */
function reencode(asdu: ReturnType<typeof decodeAsdu>): void {
  try {
    encodeAsdu(asdu);
  } catch (error) {
    throw new Error(`decoded ${JSON.stringify(asdu)} but could not encode it again: ${String(error)}`);
  }
}

function mutate(random: () => number, valid: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(valid);
  switch (randomInt(random, 0, 6)) {
    case 0: // truncated
      return bytes.subarray(0, randomInt(random, 0, Math.max(0, bytes.length - 1)));
    case 1: // one to four bits flipped
      for (let n = randomInt(random, 1, 4); n > 0; n--) bytes[randomInt(random, 0, bytes.length - 1)] ^= 1 << randomInt(random, 0, 7);
      return bytes;
    case 2: // one octet replaced
      bytes[randomInt(random, 0, bytes.length - 1)] = randomInt(random, 0, 255);
      return bytes;
    case 3: {
      // extended by random octets
      const longer = new Uint8Array(bytes.length + randomInt(random, 1, 12));
      longer.set(bytes);
      for (let i = bytes.length; i < longer.length; i++) longer[i] = randomInt(random, 0, 255);
      return longer;
    }
    case 4: // entirely random, of a plausible length
      return Uint8Array.from({ length: randomInt(random, 0, 260) }, () => randomInt(random, 0, 255));
    case 5: // a header octet (type, VSQ, COT, CA / start, length, control) replaced
      bytes[randomInt(random, 0, Math.min(5, bytes.length - 1))] = randomInt(random, 0, 255);
      return bytes;
    default: // a valid prefix repeated: lengths that disagree with the counts
      return Uint8Array.from([...bytes, ...bytes.subarray(0, randomInt(random, 1, bytes.length))]);
  }
}

describe('fuzz', () => {
  it('60,000 mutated ASDUs: each decodes (and then re-encodes) or throws Iec104ProtocolError', () => {
    const random = seededRandom(0xa5d0);
    const counts = { decoded: 0, refused: 0 };
    for (let n = 0; n < 60_000; n++) {
      const valid = encodeAsdu(randomAsdu(random, allTypeIds[n % allTypeIds.length], 12));
      const input = mutate(random, valid);
      counts[outcome(input, (bytes) => reencode(decodeAsdu(bytes)))]++;
    }
    // Both branches are exercised: a fuzzer that only produced garbage (or nothing broken) proves little.
    console.info(`ASDU fuzz: ${counts.decoded} decoded, ${counts.refused} refused`);
    expect(counts.decoded).toBeGreaterThan(5_000);
    expect(counts.refused).toBeGreaterThan(20_000);
  });

  it('40,000 mutated APDUs: each decodes to an Apdu that re-encodes to the same octets, or is refused', () => {
    const random = seededRandom(0x104);
    const counts = { decoded: 0, refused: 0 };
    for (let n = 0; n < 40_000; n++) {
      const pick = randomInt(random, 0, 2);
      const valid =
        pick === 0
          ? encodeApdu({ kind: 'I', sendSeq: randomInt(random, 0, 32767), recvSeq: randomInt(random, 0, 32767), asdu: encodeAsdu(randomAsdu(random, allTypeIds[n % allTypeIds.length], 8)) })
          : pick === 1
            ? encodeApdu({ kind: 'S', recvSeq: randomInt(random, 0, 32767) })
            : encodeApdu({ kind: 'U', fn: (['STARTDT_ACT', 'STARTDT_CON', 'STOPDT_ACT', 'STOPDT_CON', 'TESTFR_ACT', 'TESTFR_CON'] as const)[randomInt(random, 0, 5)] });
      const input = mutate(random, valid);
      const result = outcome(input, (bytes) => {
        const apdu = decodeApdu(bytes);
        expect(encodeApdu(apdu)).toEqual(bytes);
        if (apdu.kind === 'I') outcome(apdu.asdu, decodeAsdu);
      });
      counts[result]++;
    }
    console.info(`APDU fuzz: ${counts.decoded} decoded, ${counts.refused} refused`);
    expect(counts.decoded).toBeGreaterThan(3_000);
    expect(counts.refused).toBeGreaterThan(15_000);
  });

  it('5,000 corrupted streams in random chunks: FrameReader yields frames or throws Iec104ProtocolError, losing no octet', () => {
    const random = seededRandom(2404);
    let refused = 0;
    for (let n = 0; n < 5_000; n++) {
      const frames: Uint8Array[] = [];
      for (let f = randomInt(random, 1, 6); f > 0; f--) {
        frames.push(encodeApdu({ kind: 'I', sendSeq: f, recvSeq: n % 32768, asdu: encodeAsdu(randomAsdu(random, allTypeIds[randomInt(random, 0, allTypeIds.length - 1)], 6)) }));
      }
      const stream = Uint8Array.from(frames.flatMap((frame) => [...frame]));
      const input = random() < 0.7 ? mutate(random, stream) : stream;
      const reader = new FrameReader();
      let yielded = 0;
      let at = 0;
      try {
        while (at < input.length) {
          const size = randomInt(random, 1, 80);
          for (const frame of reader.push(input.subarray(at, at + size))) yielded += frame.length;
          at += size;
        }
        expect(yielded + reader.bufferedBytes).toBe(input.length);
      } catch (error) {
        if (!(error instanceof Iec104ProtocolError)) throw error;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
  });
});
