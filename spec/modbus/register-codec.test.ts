// actors/modbus-gateway/register-codec: known register images of each type in both word orders
// (written here with Node's Buffer, not with the codec), round trips through every format, and the
// range checks of writes.
import { describe, expect, it } from 'vitest';
import {
  decodeRaw,
  decodeValue,
  encodeValue,
  REGISTER_TYPES,
  RegisterRangeError,
  wordsOf,
  type RegisterFormat,
  type RegisterType,
  type WordOrder,
} from '../../actors/modbus-gateway/register-codec.js';

const format = (type: RegisterFormat['type'], more: Partial<RegisterFormat> = {}): RegisterFormat => ({ type, wordOrder: 'big', byteSwap: false, scale: 1, valueOffset: 0, ...more });

/** The registers of a big-endian byte image, most significant word first. */
function wordsOfBuffer(buffer: Buffer): number[] {
  const words: number[] = [];
  for (let i = 0; i < buffer.length; i += 2) words.push(buffer.readUInt16BE(i));
  return words;
}

function image(type: RegisterType, value: number): number[] {
  const buffer = Buffer.alloc(wordsOf(type) * 2);
  if (type === 'int16') buffer.writeInt16BE(value);
  else if (type === 'uint16') buffer.writeUInt16BE(value);
  else if (type === 'int32') buffer.writeInt32BE(value);
  else if (type === 'uint32') buffer.writeUInt32BE(value);
  else if (type === 'float32') buffer.writeFloatBE(value);
  else buffer.writeDoubleBE(value);
  return wordsOfBuffer(buffer);
}

describe('register images', () => {
  it('reads float32 123.456 in big and little word order', () => {
    expect(image('float32', 123.456)).toEqual([0x42f6, 0xe979]);
    expect(decodeValue([0x42f6, 0xe979], 0, format('float32'))).toBeCloseTo(123.456, 4);
    expect(decodeValue([0xe979, 0x42f6], 0, format('float32', { wordOrder: 'little' }))).toBeCloseTo(123.456, 4);
    expect(Array.from(encodeValue(123.456, format('float32', { wordOrder: 'little' })))).toEqual([0xe979, 0x42f6]);
  });

  it('reads int16 -2 as 0xfffe and uint16 0xfffe as 65534', () => {
    expect(decodeValue([0xfffe], 0, format('int16'))).toBe(-2);
    expect(decodeValue([0xfffe], 0, format('uint16'))).toBe(65534);
    expect(Array.from(encodeValue(-2, format('int16')))).toEqual([0xfffe]);
  });

  it('reads uint32 0x12345678 in both word orders and with swapped bytes', () => {
    expect(decodeValue([0x1234, 0x5678], 0, format('uint32'))).toBe(0x12345678);
    expect(decodeValue([0x5678, 0x1234], 0, format('uint32', { wordOrder: 'little' }))).toBe(0x12345678);
    expect(decodeValue([0x3412, 0x7856], 0, format('uint32', { byteSwap: true }))).toBe(0x12345678);
    expect(decodeValue([0x7856, 0x3412], 0, format('uint32', { wordOrder: 'little', byteSwap: true }))).toBe(0x12345678);
    expect(Array.from(encodeValue(0x12345678, format('uint32', { wordOrder: 'little', byteSwap: true })))).toEqual([0x7856, 0x3412]);
  });

  it('reads int32 -100000 and float64 1 from their images at an offset', () => {
    expect(decodeValue([9, ...image('int32', -100000)], 1, format('int32'))).toBe(-100000);
    expect(image('float64', 1)).toEqual([0x3ff0, 0, 0, 0]);
    expect(decodeValue([0, 0, 0, 0x3ff0], 0, format('float64', { wordOrder: 'little' }))).toBe(1);
  });

  it('scales and offsets: raw 2345 with scale 0.1 and offset -40 is 194.5, and back', () => {
    const f = format('int16', { scale: 0.1, valueOffset: -40 });
    expect(decodeRaw([2345], 0, f)).toBe(2345);
    expect(decodeValue([2345], 0, f)).toBeCloseTo(194.5, 10);
    expect(Array.from(encodeValue(194.5, f))).toEqual([2345]);
  });

  it('refuses to read past the registers it was given', () => {
    expect(() => decodeValue([1], 0, format('float32'))).toThrow(/needs 2 registers, 1 were read/);
  });
});

describe('round trips', () => {
  const samples: Record<RegisterType, number[]> = {
    int16: [-32768, -2, 0, 1, 32767],
    uint16: [0, 1, 0x8000, 65535],
    int32: [-2147483648, -100000, 0, 70000, 2147483647],
    uint32: [0, 65536, 0x12345678, 4294967295],
    float32: [0, -1.5, 123.456, 3.4e38, -1e-30],
    float64: [0, -1.5, Math.PI, 1e300, -5e-324],
  };
  const orders: WordOrder[] = ['big', 'little'];
  for (const type of REGISTER_TYPES) {
    for (const wordOrder of orders) {
      for (const byteSwap of [false, true]) {
        it(`${type} ${wordOrder}${byteSwap ? ' byte-swapped' : ''}`, () => {
          const f = format(type, { wordOrder, byteSwap });
          for (const value of samples[type]) {
            const registers = encodeValue(value, f);
            expect(registers.length).toBe(wordsOf(type));
            const expected = type === 'float32' ? Math.fround(value) : value;
            expect(decodeValue(registers, 0, f)).toBe(expected);
          }
        });
      }
    }
  }

  it('scaled int32 values round to the nearest raw step', () => {
    const f = format('int32', { scale: 0.01, wordOrder: 'little' });
    for (const value of [-123.45, 0, 0.01, 21474836.47]) expect(decodeValue(encodeValue(value, f), 0, f)).toBeCloseTo(value, 8);
  });
});

describe('write range checks', () => {
  it('refuses values that do not fit the type instead of wrapping them', () => {
    expect(() => encodeValue(32768, format('int16'))).toThrow(RegisterRangeError);
    expect(() => encodeValue(-1, format('uint16'))).toThrow(/outside uint16/);
    expect(() => encodeValue(4294967296, format('uint32'))).toThrow(RegisterRangeError);
    expect(() => encodeValue(1e39, format('float32'))).toThrow(/outside float32/);
    expect(() => encodeValue(Number.NaN, format('float64'))).toThrow(/not a finite number/);
    expect(() => encodeValue(2, format('bool'))).toThrow(/0 or 1/);
    expect(() => encodeValue(700, format('int16', { scale: 0.01 }))).toThrow(/70000 raw/);
  });
});
