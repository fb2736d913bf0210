// A Modbus TCP client (master) on one connection to one unit: requests are matched to responses
// by transaction id, so several may be on the wire at once (maxInFlight) and a response that comes
// after its request timed out is dropped and counted instead of being taken for the next one.
import { connect as netConnect, type Socket } from 'node:net';
import { ModbusConnectionError, ModbusError, ModbusProtocolError, ModbusTimeoutError } from './errors.js';
import { AduReader, encodeAdu } from './mbap.js';
import {
  readBits,
  readRegisters,
  writeMultipleCoils,
  writeMultipleRegisters,
  writeSingleCoil,
  writeSingleRegister,
  type ModbusRequest,
} from './pdu.js';

export interface ModbusTcpClientOptions {
  readonly host: string;
  readonly port: number;
  /** The unit identifier every request carries (the device behind a gateway, or 1 / 255). */
  readonly unitId: number;
  /** Per request, from sending it to its response. */
  readonly timeoutMs: number;
  /** For the TCP connection; default timeoutMs. */
  readonly connectTimeoutMs?: number;
  /** Requests on the wire at once; the others wait their turn. Default 1 (many devices serve one at a time). */
  readonly maxInFlight?: number;
}

interface Pending {
  readonly request: ModbusRequest<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ModbusError) => void;
  timer?: NodeJS.Timeout;
}

const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection broken',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

function connectionError(where: string, error: unknown): ModbusConnectionError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = code !== undefined && SYSTEM_ERRORS[code] !== undefined ? `${SYSTEM_ERRORS[code]} (${code})` : error instanceof Error ? error.message : String(error);
  return new ModbusConnectionError(`${where}: ${text}`, code);
}

export class ModbusTcpClient {
  /** Responses whose transaction id matched no request on the wire (late after a timeout, or unknown). */
  lateResponses = 0;
  private nextTransactionId = 1;
  private readonly inFlight = new Map<number, Pending>();
  private readonly queue: Pending[] = [];
  private readonly reader = new AduReader();
  private closedWith: ModbusConnectionError | ModbusProtocolError | undefined;
  private readonly closeListeners: ((error: ModbusError) => void)[] = [];
  private readonly maxInFlight: number;

  private constructor(
    private readonly socket: Socket,
    readonly options: ModbusTcpClientOptions,
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    let lastError: unknown;
    socket.on('error', (error) => (lastError = error));
    socket.on('close', () => this.closed(lastError === undefined ? new ModbusConnectionError(`${this.peer}: connection closed by the peer`) : connectionError(this.peer, lastError)));
  }

  /** Connects; rejects with ModbusConnectionError (refused, unreachable, no answer within connectTimeoutMs). */
  static connect(options: ModbusTcpClientOptions): Promise<ModbusTcpClient> {
    const peer = `${options.host}:${options.port}`;
    const limitMs = options.connectTimeoutMs ?? options.timeoutMs;
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: options.host, port: options.port });
      const fail = (error: ModbusConnectionError): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new ModbusConnectionError(`connect ${peer}: no connection within ${limitMs} ms`, 'ETIMEDOUT')), limitMs);
      const onError = (error: Error): void => fail(connectionError(`connect ${peer}`, error));
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new ModbusTcpClient(socket, options));
      });
    });
  }

  get peer(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Requests sent and not yet answered, and requests waiting to be sent. */
  get pending(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight.size, queued: this.queue.length };
  }

  /** Called once when the connection ends, with why (peer closed, reset, protocol error, close()). */
  onClose(listener: (error: ModbusError) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  readCoils(address: number, quantity: number): Promise<Uint8Array> {
    return this.execute(readBits(1, address, quantity));
  }

  readDiscreteInputs(address: number, quantity: number): Promise<Uint8Array> {
    return this.execute(readBits(2, address, quantity));
  }

  readHoldingRegisters(address: number, quantity: number): Promise<Uint16Array> {
    return this.execute(readRegisters(3, address, quantity));
  }

  readInputRegisters(address: number, quantity: number): Promise<Uint16Array> {
    return this.execute(readRegisters(4, address, quantity));
  }

  writeSingleCoil(address: number, on: boolean): Promise<void> {
    return this.execute(writeSingleCoil(address, on));
  }

  writeSingleRegister(address: number, value: number): Promise<void> {
    return this.execute(writeSingleRegister(address, value));
  }

  writeMultipleCoils(address: number, values: ArrayLike<boolean | number>): Promise<void> {
    return this.execute(writeMultipleCoils(address, values));
  }

  writeMultipleRegisters(address: number, values: ArrayLike<number>): Promise<void> {
    return this.execute(writeMultipleRegisters(address, values));
  }

  /** Sends any request built by ./pdu.js; rejects with a ModbusError subclass. */
  execute<R>(request: ModbusRequest<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.closedWith) return reject(this.closedWith);
      this.queue.push({ request, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Ends the connection; requests not answered yet reject with ModbusConnectionError(reason). */
  close(reason = 'closed by the client'): void {
    this.closed(new ModbusConnectionError(`${this.peer}: ${reason}`));
  }

  private pump(): void {
    while (this.closedWith === undefined && this.inFlight.size < this.maxInFlight && this.queue.length > 0) {
      const pending = this.queue.shift()!;
      const transactionId = this.allocateTransactionId();
      this.inFlight.set(transactionId, pending);
      pending.timer = setTimeout(() => {
        if (this.inFlight.get(transactionId) !== pending) return;
        this.inFlight.delete(transactionId);
        pending.reject(new ModbusTimeoutError(pending.request.functionCode, this.options.timeoutMs));
        this.pump();
      }, this.options.timeoutMs);
      this.socket.write(encodeAdu(transactionId, this.options.unitId, pending.request.pdu));
    }
  }

  /** The next id not on the wire (ids wrap at 65536; a late response to a reused id is still told apart by the timeout). */
  private allocateTransactionId(): number {
    for (;;) {
      const id = this.nextTransactionId;
      this.nextTransactionId = (id + 1) & 0xffff;
      if (!this.inFlight.has(id)) return id;
    }
  }

  private received(chunk: Buffer): void {
    let adus;
    try {
      adus = this.reader.push(chunk);
    } catch (error) {
      this.socket.destroy();
      this.closed(error instanceof ModbusProtocolError ? new ModbusProtocolError(`${this.peer}: ${error.message}`) : connectionError(this.peer, error));
      return;
    }
    for (const adu of adus) {
      const pending = this.inFlight.get(adu.transactionId);
      if (pending === undefined) {
        this.lateResponses++;
        continue;
      }
      this.inFlight.delete(adu.transactionId);
      clearTimeout(pending.timer);
      if (adu.unitId !== this.options.unitId) {
        pending.reject(new ModbusProtocolError(`${this.peer}: response from unit ${adu.unitId} to a request to unit ${this.options.unitId}`));
        continue;
      }
      try {
        pending.resolve(pending.request.parse(adu.pdu));
      } catch (error) {
        pending.reject(error instanceof ModbusError ? error : new ModbusProtocolError(String(error)));
      }
    }
    this.pump();
  }

  private closed(error: ModbusConnectionError | ModbusProtocolError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.socket.destroy();
    for (const pending of this.inFlight.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.inFlight.clear();
    for (const pending of this.queue.splice(0)) pending.reject(error);
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }
}
