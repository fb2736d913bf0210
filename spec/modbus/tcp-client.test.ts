// core/protocols/modbus/tcp-client against a real peer, the pymodbus 3.0 TCP server: every
// function code, exception responses, pipelined requests told apart by transaction id; and the
// failures a gateway must tell apart: connection refused, a peer that never answers (timeout),
// a peer that goes away.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModbusConnectionError, ModbusExceptionError, ModbusTcpClient, ModbusTimeoutError, type ModbusError } from '../../core/protocols/modbus/index.js';
import { killAll } from '../support/processes.js';
import { PymodbusServer } from '../support/pymodbus-server.js';

let server: PymodbusServer;
const clients: ModbusTcpClient[] = [];

async function connect(port: number, options: { maxInFlight?: number; timeoutMs?: number; unitId?: number } = {}): Promise<ModbusTcpClient> {
  const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port, unitId: options.unitId ?? 1, timeoutMs: options.timeoutMs ?? 2000, maxInFlight: options.maxInFlight });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await PymodbusServer.start({ units: [1, 2], size: 100 });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await killAll();
});

describe('against pymodbus', () => {
  it('reads holding and input registers (FC3, FC4) the server holds', async () => {
    await server.set(1, 'hr', 10, [0x1234, 0xfffe, 7]);
    await server.set(1, 'ir', 0, [42, 43]);
    const client = await connect(server.port);
    expect(Array.from(await client.readHoldingRegisters(10, 3))).toEqual([0x1234, 0xfffe, 7]);
    expect(Array.from(await client.readInputRegisters(0, 2))).toEqual([42, 43]);
  });

  it('reads coils and discrete inputs (FC1, FC2) across a byte boundary', async () => {
    await server.set(1, 'co', 0, [1, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
    await server.set(1, 'di', 3, [1, 1, 0, 1]);
    const client = await connect(server.port);
    expect(Array.from(await client.readCoils(0, 10))).toEqual([1, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(await client.readDiscreteInputs(2, 6))).toEqual([0, 1, 1, 0, 1, 0]);
  });

  it('writes a coil (FC5), a register (FC6), coils (FC15) and registers (FC16); the server holds them', async () => {
    const client = await connect(server.port);
    await client.writeSingleCoil(50, true);
    await client.writeSingleRegister(60, 0xbeef);
    await client.writeMultipleCoils(70, [true, false, true, true, false, false, false, false, true]);
    await client.writeMultipleRegisters(80, [1, 2, 3, 65535]);
    expect(await server.get(1, 'co', 50, 1)).toEqual([1]);
    expect(await server.get(1, 'hr', 60, 1)).toEqual([0xbeef]);
    expect(await server.get(1, 'co', 70, 9)).toEqual([1, 0, 1, 1, 0, 0, 0, 0, 1]);
    expect(await server.get(1, 'hr', 80, 4)).toEqual([1, 2, 3, 65535]);
    await client.writeSingleCoil(50, false);
    expect(await server.get(1, 'co', 50, 1)).toEqual([0]);
  });

  it('addresses each unit on its own', async () => {
    await server.set(1, 'hr', 5, [111]);
    await server.set(2, 'hr', 5, [222]);
    const one = await connect(server.port, { unitId: 1 });
    const two = await connect(server.port, { unitId: 2 });
    expect(Array.from(await one.readHoldingRegisters(5, 1))).toEqual([111]);
    expect(Array.from(await two.readHoldingRegisters(5, 1))).toEqual([222]);
  });

  it('rejects an illegal address with exception 2 (Illegal Data Address), and the connection goes on', async () => {
    const client = await connect(server.port);
    const error = await client.readHoldingRegisters(99, 5).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModbusExceptionError);
    expect((error as ModbusExceptionError).exceptionCode).toBe(2);
    expect((error as ModbusExceptionError).message).toBe('Modbus exception 2 (Illegal Data Address) to FC3');
    await expect(client.writeSingleRegister(500, 1)).rejects.toMatchObject({ kind: 'exception', exceptionCode: 2, functionCode: 6 });
    expect(client.isOpen).toBe(true);
    await server.set(1, 'hr', 0, [9]);
    expect(Array.from(await client.readHoldingRegisters(0, 1))).toEqual([9]);
  });

  it('pipelines 200 reads with 16 in flight and pairs every response with its request', async () => {
    const values = Array.from({ length: 100 }, (_, i) => (i * 613) & 0xffff);
    await server.set(1, 'hr', 0, values);
    const client = await connect(server.port, { maxInFlight: 16 });
    const reads = Array.from({ length: 200 }, (_, i) => {
      const address = (i * 37) % 98;
      return client.readHoldingRegisters(address, 2).then((registers) => ({ address, registers: Array.from(registers) }));
    });
    expect(client.pending.inFlight).toBe(16);
    expect(client.pending.queued).toBe(184);
    for (const { address, registers } of await Promise.all(reads)) expect(registers).toEqual([values[address], values[address + 1]]);
    expect(client.lateResponses).toBe(0);
  });
});

describe('failures', () => {
  let silent: Server;
  const silentSockets: Socket[] = [];

  beforeAll(async () => {
    // A peer that accepts and never answers: a device that hangs.
    silent = createServer((socket) => silentSockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('reports connection refused on a port nobody listens on', async () => {
    const closed = await PymodbusServer.start({});
    const port = closed.port;
    await closed.kill();
    const error = await ModbusTcpClient.connect({ host: '127.0.0.1', port, unitId: 1, timeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModbusConnectionError);
    expect((error as ModbusConnectionError).code).toBe('ECONNREFUSED');
    expect((error as Error).message).toBe(`connect 127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
  });

  it('times out a request the peer never answers, and the next one too', async () => {
    const port = (silent.address() as { port: number }).port;
    const client = await connect(port, { timeoutMs: 150 });
    await expect(client.readHoldingRegisters(0, 1)).rejects.toBeInstanceOf(ModbusTimeoutError);
    await expect(client.readCoils(0, 1)).rejects.toThrow('timeout: no response to FC1 within 150 ms');
    expect(client.isOpen).toBe(true);
  });

  it('rejects what is on the wire when the peer goes away, and tells its listener once', async () => {
    const peer = await PymodbusServer.start({});
    const client = await connect(peer.port, { timeoutMs: 10_000 });
    expect(Array.from(await client.readHoldingRegisters(0, 1))).toEqual([0]);
    const heard: ModbusError[] = [];
    client.onClose((error) => heard.push(error));
    // Stopped first, so the request is surely on the wire, unanswered, when the peer dies.
    peer.process.child.kill('SIGSTOP');
    const pending = client.readHoldingRegisters(0, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.pending.inFlight).toBe(1);
    await peer.kill();
    const error = await pending;
    expect(error).toBeInstanceOf(ModbusConnectionError);
    expect(heard).toHaveLength(1);
    expect(heard[0]!.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${peer.port}: (connection closed by the peer|connection reset by peer \\(ECONNRESET\\))$`));
    expect(client.isOpen).toBe(false);
    await expect(client.readHoldingRegisters(0, 1)).rejects.toBe(heard[0]);
  });
});
