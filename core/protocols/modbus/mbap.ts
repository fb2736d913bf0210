// The Modbus TCP application data unit: the 7-byte MBAP header (transaction id, protocol id 0,
// length of what follows, unit id) before a PDU, and the splitting of a TCP stream into ADUs.
import { ModbusProtocolError } from './errors.js';

export const MBAP_HEADER_SIZE = 7;
/** A PDU is at most 253 bytes (function code + data), so the length field is at most 254. */
export const MAX_PDU_SIZE = 253;

export interface Adu {
  readonly transactionId: number;
  readonly unitId: number;
  /** Function code and data. */
  readonly pdu: Uint8Array;
}

export function encodeAdu(transactionId: number, unitId: number, pdu: Uint8Array): Uint8Array {
  if (pdu.length < 1 || pdu.length > MAX_PDU_SIZE) throw new RangeError(`a PDU has 1 to ${MAX_PDU_SIZE} bytes, not ${pdu.length}`);
  const adu = new Uint8Array(MBAP_HEADER_SIZE + pdu.length);
  const view = new DataView(adu.buffer);
  view.setUint16(0, transactionId & 0xffff);
  view.setUint16(2, 0);
  view.setUint16(4, pdu.length + 1);
  view.setUint8(6, unitId & 0xff);
  adu.set(pdu, MBAP_HEADER_SIZE);
  return adu;
}

/**
 * Feed it the socket's chunks; it returns the ADUs each chunk completes (PDUs are fresh copies).
 * A protocol id other than 0 or a length outside 2..254 throws ModbusProtocolError: the stream
 * cannot be resynchronised after that and the connection must close.
 */
export class AduReader {
  private pending = new Uint8Array(0);

  push(chunk: Uint8Array): Adu[] {
    let data: Uint8Array;
    if (this.pending.length === 0) data = chunk;
    else {
      data = new Uint8Array(this.pending.length + chunk.length);
      data.set(this.pending);
      data.set(chunk, this.pending.length);
    }
    const adus: Adu[] = [];
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let at = 0;
    while (data.length - at >= MBAP_HEADER_SIZE) {
      const protocolId = view.getUint16(at + 2);
      const length = view.getUint16(at + 4);
      if (protocolId !== 0) throw new ModbusProtocolError(`MBAP protocol id ${protocolId}, expected 0`);
      if (length < 2 || length > MAX_PDU_SIZE + 1) throw new ModbusProtocolError(`MBAP length ${length}, expected 2..${MAX_PDU_SIZE + 1}`);
      const end = at + 6 + length;
      if (end > data.length) break;
      adus.push({ transactionId: view.getUint16(at), unitId: data[at + 6]!, pdu: data.slice(at + MBAP_HEADER_SIZE, end) });
      at = end;
    }
    this.pending = data.slice(at);
    return adus;
  }
}
