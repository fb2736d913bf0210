// Numbers in Modbus registers: a value of 1, 2 or 4 registers read as int16, uint16, int32,
// uint32, float32 or float64, in the device's word order and byte order, then scaled
// (value = raw * scale + valueOffset); and back for writes, with a range check instead of a wrap.

export type RegisterType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';
/** A coil or a discrete input: 0 or 1. */
export type PointType = RegisterType | 'bool';
/** big: the most significant register first (Modbus's own order); little: the least significant first. */
export type WordOrder = 'big' | 'little';

export const REGISTER_TYPES: readonly RegisterType[] = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'];

export interface RegisterFormat {
  readonly type: PointType;
  readonly wordOrder: WordOrder;
  /** The two bytes of each register swapped (devices that send each word little-endian). */
  readonly byteSwap: boolean;
  readonly scale: number;
  readonly valueOffset: number;
}

export const DEFAULT_FORMAT: RegisterFormat = { type: 'uint16', wordOrder: 'big', byteSwap: false, scale: 1, valueOffset: 0 };

/** Registers a value of this type takes (a bool takes one bit, counted as 1). */
export function wordsOf(type: PointType): number {
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
  }
}

/** A value that cannot be written as the point's type (out of range, not finite, not 0/1). */
export class RegisterRangeError extends Error {
  override readonly name = 'RegisterRangeError';
}

const RANGES: Readonly<Record<'int16' | 'uint16' | 'int32' | 'uint32', readonly [number, number]>> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
};

const scratch = new DataView(new ArrayBuffer(8));

function swapBytes(word: number): number {
  return ((word & 0xff) << 8) | (word >> 8);
}

/** The raw number in registers[at..at+words), before scaling. */
export function decodeRaw(registers: ArrayLike<number>, at: number, format: RegisterFormat): number {
  const words = wordsOf(format.type);
  if (at < 0 || at + words > registers.length) throw new RangeError(`${format.type} at register ${at} needs ${words} registers, ${registers.length} were read`);
  // Into the scratch buffer most significant byte first, whatever order the device uses.
  for (let i = 0; i < words; i++) {
    let word = registers[at + (format.wordOrder === 'big' ? i : words - 1 - i)]!;
    if (format.byteSwap) word = swapBytes(word);
    scratch.setUint16(2 * i, word);
  }
  switch (format.type) {
    case 'bool':
      return registers[at]! === 0 ? 0 : 1;
    case 'int16':
      return scratch.getInt16(0);
    case 'uint16':
      return scratch.getUint16(0);
    case 'int32':
      return scratch.getInt32(0);
    case 'uint32':
      return scratch.getUint32(0);
    case 'float32':
      return scratch.getFloat32(0);
    case 'float64':
      return scratch.getFloat64(0);
  }
}

/** The value in engineering units: raw * scale + valueOffset. */
export function decodeValue(registers: ArrayLike<number>, at: number, format: RegisterFormat): number {
  return decodeRaw(registers, at, format) * format.scale + format.valueOffset;
}

/**
 * The registers (in the device's order) that hold `value` in engineering units:
 * raw = (value - valueOffset) / scale, rounded to the nearest whole number for integer types.
 * Throws RegisterRangeError when the raw value does not fit the type.
 */
export function encodeValue(value: number, format: RegisterFormat): Uint16Array {
  if (!Number.isFinite(value)) throw new RegisterRangeError(`${value} is not a finite number`);
  const raw = (value - format.valueOffset) / format.scale;
  if (!Number.isFinite(raw)) throw new RegisterRangeError(`${value} is ${raw} raw (scale ${format.scale})`);
  const words = wordsOf(format.type);
  switch (format.type) {
    case 'bool':
      if (raw !== 0 && raw !== 1) throw new RegisterRangeError(`a coil takes 0 or 1, not ${value}`);
      return Uint16Array.of(raw);
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32': {
      const whole = Math.round(raw);
      const [min, max] = RANGES[format.type];
      if (whole < min || whole > max) throw new RegisterRangeError(`${value} is ${whole} raw, outside ${format.type} (${min}..${max})`);
      if (format.type === 'int16') scratch.setInt16(0, whole);
      else if (format.type === 'uint16') scratch.setUint16(0, whole);
      else if (format.type === 'int32') scratch.setInt32(0, whole);
      else scratch.setUint32(0, whole);
      break;
    }
    case 'float32':
      if (Math.abs(raw) > 3.4028234663852886e38) throw new RegisterRangeError(`${value} is ${raw} raw, outside float32`);
      scratch.setFloat32(0, raw);
      break;
    case 'float64':
      scratch.setFloat64(0, raw);
      break;
  }
  const registers = new Uint16Array(words);
  for (let i = 0; i < words; i++) {
    let word = scratch.getUint16(2 * i);
    if (format.byteSwap) word = swapBytes(word);
    registers[format.wordOrder === 'big' ? i : words - 1 - i] = word;
  }
  return registers;
}
