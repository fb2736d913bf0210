// Modbus TCP client: MBAP framing, the PDUs of FC 1-6, 15 and 16, and their errors.
export * from './errors.js';
export * from './mbap.js';
export * from './pdu.js';
export * from './tcp-client.js';
