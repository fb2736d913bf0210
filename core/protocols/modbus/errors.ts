// The ways a Modbus TCP request can fail, as distinct classes: a gateway reports a timeout, a
// refused connection and a device's exception differently (link down, retry later, refused command).

/** Exception codes of the Modbus Application Protocol v1.1b3, 7, with their names there. */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'Illegal Function',
  2: 'Illegal Data Address',
  3: 'Illegal Data Value',
  4: 'Server Device Failure',
  5: 'Acknowledge',
  6: 'Server Device Busy',
  8: 'Memory Parity Error',
  10: 'Gateway Path Unavailable',
  11: 'Gateway Target Device Failed to Respond',
};

export function exceptionName(code: number): string {
  return EXCEPTION_NAMES[code] ?? 'Unknown Exception';
}

export type ModbusErrorKind = 'timeout' | 'connection' | 'exception' | 'protocol';

export abstract class ModbusError extends Error {
  abstract readonly kind: ModbusErrorKind;
}

/** No response within the request's timeout (the connection may still be fine). */
export class ModbusTimeoutError extends ModbusError {
  override readonly name = 'ModbusTimeoutError';
  readonly kind = 'timeout';
  constructor(readonly functionCode: number, readonly timeoutMs: number) {
    super(`timeout: no response to FC${functionCode} within ${timeoutMs} ms`);
  }
}

/** Connecting failed, or the connection closed while (or before) a request was on its way. */
export class ModbusConnectionError extends ModbusError {
  override readonly name = 'ModbusConnectionError';
  readonly kind = 'connection';
  /** The system error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT...), when there is one. */
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** The device answered with an exception response (function code | 0x80). */
export class ModbusExceptionError extends ModbusError {
  override readonly name = 'ModbusExceptionError';
  readonly kind = 'exception';
  readonly exceptionName: string;
  constructor(readonly functionCode: number, readonly exceptionCode: number) {
    const name = exceptionName(exceptionCode);
    super(`Modbus exception ${exceptionCode} (${name}) to FC${functionCode}`);
    this.exceptionName = name;
  }
}

/** A response that breaks the protocol (bad MBAP header, wrong length, an echo that differs). */
export class ModbusProtocolError extends ModbusError {
  override readonly name = 'ModbusProtocolError';
  readonly kind = 'protocol';
}
