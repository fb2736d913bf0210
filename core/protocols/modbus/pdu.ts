// Request PDUs of the function codes a gateway needs (1, 2, 3, 4, 5, 6, 15, 16) and the checks of
// their responses: each request carries the parser of its own response, so an answer that does
// not fit what was asked (function code, byte count, echo) is a protocol error, not a value.
import { ModbusExceptionError, ModbusProtocolError } from './errors.js';

export const FunctionCode = {
  ReadCoils: 1,
  ReadDiscreteInputs: 2,
  ReadHoldingRegisters: 3,
  ReadInputRegisters: 4,
  WriteSingleCoil: 5,
  WriteSingleRegister: 6,
  WriteMultipleCoils: 15,
  WriteMultipleRegisters: 16,
} as const;

/** Quantity limits of the specification (v1.1b3, 6.1-6.12): what fits in one 253-byte PDU. */
export const LIMITS = { readBits: 2000, readRegisters: 125, writeBits: 1968, writeRegisters: 123 } as const;

export interface ModbusRequest<R> {
  readonly functionCode: number;
  readonly pdu: Uint8Array;
  /** Checks a response PDU to this request; throws ModbusExceptionError or ModbusProtocolError. */
  parse(pdu: Uint8Array): R;
}

function check(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${what} must be a whole number in ${min}..${max}, not ${value}`);
}

function header(functionCode: number, size: number): { pdu: Uint8Array; view: DataView } {
  const pdu = new Uint8Array(size);
  pdu[0] = functionCode;
  return { pdu, view: new DataView(pdu.buffer) };
}

/** The response's function code: an exception throws, another function code is a protocol error. */
function expectFunction(pdu: Uint8Array, functionCode: number): DataView {
  if (pdu.length === 0) throw new ModbusProtocolError(`empty response to FC${functionCode}`);
  if (pdu[0] === (functionCode | 0x80)) {
    if (pdu.length !== 2) throw new ModbusProtocolError(`exception response to FC${functionCode} of ${pdu.length} bytes, expected 2`);
    throw new ModbusExceptionError(functionCode, pdu[1]!);
  }
  if (pdu[0] !== functionCode) throw new ModbusProtocolError(`response with FC${pdu[0]} to a request with FC${functionCode}`);
  return new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
}

function expectLength(pdu: Uint8Array, functionCode: number, length: number): void {
  if (pdu.length !== length) throw new ModbusProtocolError(`response to FC${functionCode} of ${pdu.length} bytes, expected ${length}`);
}

/** FC 1 (coils) or 2 (discrete inputs): resolves with one byte per bit, 0 or 1. */
export function readBits(functionCode: 1 | 2, address: number, quantity: number): ModbusRequest<Uint8Array> {
  check('address', address, 0, 0xffff);
  check('quantity', quantity, 1, LIMITS.readBits);
  check('last address', address + quantity - 1, 0, 0xffff);
  const { pdu, view } = header(functionCode, 5);
  view.setUint16(1, address);
  view.setUint16(3, quantity);
  const byteCount = Math.ceil(quantity / 8);
  return {
    functionCode,
    pdu,
    parse(response) {
      expectFunction(response, functionCode);
      expectLength(response, functionCode, 2 + byteCount);
      if (response[1] !== byteCount) throw new ModbusProtocolError(`byte count ${response[1]} for ${quantity} bits, expected ${byteCount}`);
      const bits = new Uint8Array(quantity);
      for (let i = 0; i < quantity; i++) bits[i] = (response[2 + (i >> 3)]! >> (i & 7)) & 1;
      return bits;
    },
  };
}

/** FC 3 (holding) or 4 (input registers): resolves with the registers as read. */
export function readRegisters(functionCode: 3 | 4, address: number, quantity: number): ModbusRequest<Uint16Array> {
  check('address', address, 0, 0xffff);
  check('quantity', quantity, 1, LIMITS.readRegisters);
  check('last address', address + quantity - 1, 0, 0xffff);
  const { pdu, view } = header(functionCode, 5);
  view.setUint16(1, address);
  view.setUint16(3, quantity);
  return {
    functionCode,
    pdu,
    parse(response) {
      const data = expectFunction(response, functionCode);
      expectLength(response, functionCode, 2 + 2 * quantity);
      if (response[1] !== 2 * quantity) throw new ModbusProtocolError(`byte count ${response[1]} for ${quantity} registers, expected ${2 * quantity}`);
      const registers = new Uint16Array(quantity);
      for (let i = 0; i < quantity; i++) registers[i] = data.getUint16(2 + 2 * i);
      return registers;
    },
  };
}

/** The response of FC 5, 6, 15 and 16 repeats two words of the request; anything else is a protocol error. */
function echoOf(functionCode: number, pdu: Uint8Array, first: number, second: number): ModbusRequest<void> {
  return {
    functionCode,
    pdu,
    parse(response) {
      const data = expectFunction(response, functionCode);
      expectLength(response, functionCode, 5);
      const a = data.getUint16(1);
      const b = data.getUint16(3);
      if (a !== first || b !== second) throw new ModbusProtocolError(`FC${functionCode} echo ${a}/${b}, expected ${first}/${second}`);
    },
  };
}

/** FC 5: 0xFF00 switches the coil on, 0x0000 off. */
export function writeSingleCoil(address: number, on: boolean): ModbusRequest<void> {
  check('address', address, 0, 0xffff);
  const { pdu, view } = header(FunctionCode.WriteSingleCoil, 5);
  const value = on ? 0xff00 : 0x0000;
  view.setUint16(1, address);
  view.setUint16(3, value);
  return echoOf(FunctionCode.WriteSingleCoil, pdu, address, value);
}

/** FC 6: one register, 0..65535 (signed values are written as their two's complement). */
export function writeSingleRegister(address: number, value: number): ModbusRequest<void> {
  check('address', address, 0, 0xffff);
  check('register value', value, 0, 0xffff);
  const { pdu, view } = header(FunctionCode.WriteSingleRegister, 5);
  view.setUint16(1, address);
  view.setUint16(3, value);
  return echoOf(FunctionCode.WriteSingleRegister, pdu, address, value);
}

/** FC 15: bits packed from the lowest address, least significant bit first. */
export function writeMultipleCoils(address: number, values: ArrayLike<boolean | number>): ModbusRequest<void> {
  const quantity = values.length;
  check('address', address, 0, 0xffff);
  check('quantity', quantity, 1, LIMITS.writeBits);
  check('last address', address + quantity - 1, 0, 0xffff);
  const byteCount = Math.ceil(quantity / 8);
  const { pdu, view } = header(FunctionCode.WriteMultipleCoils, 6 + byteCount);
  view.setUint16(1, address);
  view.setUint16(3, quantity);
  pdu[5] = byteCount;
  for (let i = 0; i < quantity; i++) if (values[i]) pdu[6 + (i >> 3)] = pdu[6 + (i >> 3)]! | (1 << (i & 7));
  return echoOf(FunctionCode.WriteMultipleCoils, pdu, address, quantity);
}

/** FC 16: registers in address order. */
export function writeMultipleRegisters(address: number, values: ArrayLike<number>): ModbusRequest<void> {
  const quantity = values.length;
  check('address', address, 0, 0xffff);
  check('quantity', quantity, 1, LIMITS.writeRegisters);
  check('last address', address + quantity - 1, 0, 0xffff);
  const { pdu, view } = header(FunctionCode.WriteMultipleRegisters, 6 + 2 * quantity);
  view.setUint16(1, address);
  view.setUint16(3, quantity);
  pdu[5] = 2 * quantity;
  for (let i = 0; i < quantity; i++) {
    check(`register value ${i}`, values[i]!, 0, 0xffff);
    view.setUint16(6 + 2 * i, values[i]!);
  }
  return echoOf(FunctionCode.WriteMultipleRegisters, pdu, address, quantity);
}
