import { describe, expect, it } from 'vitest';
import { Builder } from 'flatbuffers/mjs/flatbuffers.js';
import { MalformedMessageError } from '../../core/schema/errors.js';
import type { MessageType } from '../../core/schema/message-type.js';
import { allMessageTypes, schema } from '../../schemas/generated/messages.js';
import * as messages from '../../schemas/generated/messages.js';
import { Rng, sampleTable } from './samples.js';

interface Tally {
  inputs: number;
  decoded: number;
  rejected: number;
}

/**
 * Decodes hostile bytes: the only acceptable outcomes are a value (which must
 * then encode and decode to itself) or MalformedMessageError (never an
 * "internal" one, which would mean a read escaped the bounds checks).
 */
function attempt(type: MessageType<unknown>, bytes: Uint8Array, tally: Tally): void {
  tally.inputs++;
  let value: unknown;
  try {
    value = type.decode(bytes);
  } catch (e) {
    if (!(e instanceof MalformedMessageError)) {
      throw new Error(`${type.name}: decode threw ${String(e)} for ${Buffer.from(bytes).toString('hex')}`);
    }
    if (e.reason.startsWith('internal')) throw new Error(`${type.name}: ${e.message}`);
    if (!e.path.startsWith(type.name)) throw new Error(`${type.name}: path ${e.path} does not start with the type`);
    tally.rejected++;
    return;
  }
  tally.decoded++;
  const again = type.decode(type.encode(value));
  if (!Object.is(JSON.stringify(type.toJson(again)), JSON.stringify(type.toJson(value)))) {
    throw new Error(`${type.name}: decoded value does not survive re-encoding`);
  }
}

describe('decoding hostile bytes', () => {
  it('gives a value or MalformedMessageError for random bytes, truncations and bit flips of every type (>= 100,000 inputs)', () => {
    const rng = new Rng(0xf1a7);
    const tally: Tally = { inputs: 0, decoded: 0, rejected: 0 };
    const started = performance.now();
    for (const [name, type] of allMessageTypes) {
      const valid: Uint8Array[] = [];
      for (let k = 0; k < 4; k++) {
        valid.push(type.encode(sampleTable(schema, name, rng, { full: k === 0, maxDepth: 3, specialFloats: true })));
      }
      // Random bytes of many lengths, some with a plausible root offset.
      for (let k = 0; k < 600; k++) {
        const bytes = rng.bytes(rng.int(k < 300 ? 24 : 200));
        if (bytes.length >= 4 && rng.bool()) bytes[0] = rng.int(Math.min(bytes.length, 64)) & 0xfc;
        if (bytes.length >= 4 && rng.bool(0.5)) bytes.fill(0, 1, 4);
        attempt(type, bytes, tally);
      }
      for (const good of valid) {
        // Every truncation.
        for (let n = 0; n < good.length; n++) attempt(type, good.subarray(0, n), tally);
        // Single bit flips at random positions, and multi-byte damage.
        for (let k = 0; k < 300; k++) {
          const bytes = good.slice();
          const at = rng.int(bytes.length);
          bytes[at]! ^= 1 << rng.int(8);
          attempt(type, bytes, tally);
        }
        for (let k = 0; k < 100; k++) {
          const bytes = good.slice();
          for (let j = 1 + rng.int(6); j > 0; j--) bytes[rng.int(bytes.length)] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
          attempt(type, bytes, tally);
        }
        // Trailing garbage is allowed (FlatBuffers do not record their length).
        const longer = new Uint8Array(good.length + 16);
        longer.set(good);
        attempt(type, longer, tally);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    expect(tally.inputs).toBeGreaterThanOrEqual(100_000);
    expect(tally.decoded).toBeGreaterThan(0);
    expect(tally.rejected).toBeGreaterThan(tally.inputs / 10);
    // Generous bound; it typically takes well under two seconds.
    expect(seconds).toBeLessThan(20);
  });

  it('rejects buffers whose shared offsets would expand them enormously', () => {
    const b = new Builder(1024);
    const big = b.createString('x'.repeat(100_000));
    b.startVector(4, 2000, 4);
    for (let i = 0; i < 2000; i++) b.addOffset(big);
    const tags = b.endVector();
    b.startObject(2);
    b.addFieldOffset(1, tags, 0);
    b.finish(b.endObject());
    const bytes = b.asUint8Array();
    expect(bytes.length).toBeLessThan(120_000);
    expect(() => messages.TagsReply.decode(bytes)).toThrowError(/expands to more than 64 times its size/);
    try {
      messages.TagsReply.decode(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(MalformedMessageError);
      expect((e as MalformedMessageError).path).toMatch(/^gridlink\.storage\.TagsReply\.tags\[\d+\]$/);
    }
  });

  it('rejects vectors and strings longer than the buffer without allocating them', () => {
    const good = messages.TagsReply.encode({ tags: ['a', 'b'] });
    // The tags vector's length field: find it by the known layout (length 2, then two offsets).
    const view = new DataView(good.buffer, good.byteOffset, good.byteLength);
    let at = -1;
    for (let i = 0; i + 4 <= good.length; i += 4) if (view.getUint32(i, true) === 2) at = i;
    expect(at).toBeGreaterThan(0);
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(at, 0xfffffff0, true);
    expect(() => messages.TagsReply.decode(bad)).toThrowError(
      /gridlink\.storage\.TagsReply\.tags: vector of 4294967280 elements at byte \d+ runs past the end of the buffer/,
    );
  });

  it('rejects a missing required field, an unknown enum value and an unterminated string', () => {
    const b = new Builder(64);
    b.startObject(3);
    b.addFieldFloat64(2, 1, 0);
    b.finish(b.endObject());
    expect(() => messages.AddEntry.decode(b.asUint8Array())).toThrowError(
      'gridlink.storage.AddEntry.data_point: required field is missing',
    );

    const b2 = new Builder(64);
    b2.startObject(1);
    b2.addFieldInt16(0, 99, 0);
    b2.finish(b2.endObject());
    expect(() => messages.ErrorReply.decode(b2.asUint8Array())).toThrowError(
      'gridlink.storage.ErrorReply.code: unknown value 99 of enum gridlink.storage.StorageErrorCode',
    );

    const ok = messages.GetTags.encode({ dataPoint: 'abc' });
    const idx = Buffer.from(ok).indexOf('abc') + 3;
    const bad = ok.slice();
    bad[idx] = 0x41;
    expect(() => messages.GetTags.decode(bad)).toThrowError(/GetTags\.data_point: string at byte \d+ lacks its terminating zero/);

    const utf = messages.GetTags.encode({ dataPoint: 'ab' });
    const at = Buffer.from(utf).indexOf('ab');
    const badUtf = utf.slice();
    badUtf[at] = 0xc3;
    badUtf[at + 1] = 0x28;
    expect(() => messages.GetTags.decode(badUtf)).toThrowError(/GetTags\.data_point: string at byte \d+ is not valid UTF-8/);
  });

  it('rejects input that is not bytes', () => {
    expect(() => messages.AddEntry.decode('hello' as unknown as Uint8Array)).toThrow(MalformedMessageError);
  });
});
