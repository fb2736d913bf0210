/**
 * The Modbus TCP rows of bench:field: holding-register reads (FC3) per second, ours
 * (core/protocols/modbus ModbusTcpClient) beside pymodbus's own synchronous ModbusTcpClient
 * (./modbus_peer.py, Debian python3-pymodbus 3.0), the same requests in the same order, against
 *  - the same pymodbus 3.0 TCP server process (spec/support/pymodbus_server.py, the tests' real
 *    peer), started once per bench run and shared by both clients: a Python server that needs more
 *    CPU per read than our client, so it bounds ours and is half of every round trip of the sync
 *    peer (the CPU per read of server and client are logged);
 *  - an in-process responder: a minimal FC3 server in the bench process answering from a buffer,
 *    so the figure is that of the client alone (for ours, client and responder share one event
 *    loop; the Python client runs in its own process beside it).
 * Request i reads `quantity` registers at (i * 37) % (size - quantity + 1); every client folds
 * the registers it read, in request order, into a checksum that must equal the one computed from
 * the registers the server was given, or the row gives no figure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ModbusTcpClient } from '../../../core/protocols/modbus/tcp-client.js';
import { formatNumber, nowNs, ProgramProcess, type Measurement, type Peer, type RowSpec } from '../harness.js';
import { REPO_ROOT } from '../repo-root.js';

export type ModbusRow = 'modbusBlock' | 'modbusSingle' | 'modbusBlockLocal' | 'modbusSingleLocal';
type Target = 'pymodbus' | 'responder';

/** Registers per request of the block rows (FC3 allows 125). */
export const BLOCK_QUANTITY = 100;
/** Holding registers 0..SIZE-1 on both servers. */
const SIZE = 200;
const ADDRESS_STEP = 37;
/** Requests ours keeps on the wire when the server takes pipelined requests. */
const PIPELINE_DEPTH = 16;
const UNIT_ID = 1;
const REQUEST_TIMEOUT_MS = 5000;

interface ModbusPlan {
  /** Timed requests per row, the same for ours and the peer. */
  requests: Record<Target, number>;
  /** Untimed requests first, on the same connection (both clients). */
  warmup: number;
  timeoutMs: number;
}

function planOf(quick: boolean): ModbusPlan {
  return quick
    ? { requests: { pymodbus: 2000, responder: 4000 }, warmup: 1000, timeoutMs: 30_000 }
    : { requests: { pymodbus: 10_000, responder: 20_000 }, warmup: 2000, timeoutMs: 120_000 };
}

const ROW_OF: Record<Target, { block: ModbusRow; single: ModbusRow }> = {
  pymodbus: { block: 'modbusBlock', single: 'modbusSingle' },
  responder: { block: 'modbusBlockLocal', single: 'modbusSingleLocal' },
};

export function modbusRows(): Record<ModbusRow, RowSpec> {
  const serverNote =
    'none; a Python server, busy per read about as long as pymodbus\'s client and longer than ours (CPU per read on stderr): it bounds ours ' +
    '(16 reads in flight), and the sync client (1 in flight) waits for it every read; the in-process responder rows compare the clients alone';
  const responderNote = 'none; a minimal FC3 server in the bench process answering from a buffer: the client alone (ours shares its event loop)';
  return {
    modbusBlock: { metric: `Modbus TCP FC3 × ${BLOCK_QUANTITY} registers, pymodbus 3.0 server`, unit: 'reads/s', better: 'higher', goalText: serverNote },
    modbusSingle: { metric: 'Modbus TCP FC3 × 1 register, pymodbus 3.0 server', unit: 'reads/s', better: 'higher', goalText: serverNote },
    modbusBlockLocal: { metric: `Modbus TCP FC3 × ${BLOCK_QUANTITY} registers, in-process responder`, unit: 'reads/s', better: 'higher', goalText: responderNote },
    modbusSingleLocal: { metric: 'Modbus TCP FC3 × 1 register, in-process responder', unit: 'reads/s', better: 'higher', goalText: responderNote },
  };
}

// ---------------------------------------------------------------------------------------------
// The registers, the requests and the checksum (the same formulas as modbus_peer.py).

function registerValue(address: number): number {
  return (address * 40_503 + 12_345) & 0xffff;
}

function addressOf(i: number, quantity: number): number {
  return (i * ADDRESS_STEP) % (SIZE - quantity + 1);
}

function hashOf(registers: ArrayLike<number>): number {
  let h = 0;
  for (let j = 0; j < registers.length; j++) h = (Math.imul(h, 31) + registers[j]!) >>> 0;
  return h;
}

/** Folds per-request hashes in request order. */
function fold(hashes: ArrayLike<number>): number {
  let checksum = 0;
  for (let i = 0; i < hashes.length; i++) checksum = (Math.imul(checksum, 1_000_003) + hashes[i]!) >>> 0;
  return checksum;
}

const expectedChecksums = new Map<string, number>();
/** What a client must report after reading requests 0..requests-1 of `quantity` registers. */
function expectedChecksum(quantity: number, requests: number): number {
  const key = `${quantity}/${requests}`;
  let checksum = expectedChecksums.get(key);
  if (checksum === undefined) {
    const hashes = new Uint32Array(requests);
    const registers = new Uint16Array(quantity);
    for (let i = 0; i < requests; i++) {
      const address = addressOf(i, quantity);
      for (let j = 0; j < quantity; j++) registers[j] = registerValue(address + j);
      hashes[i] = hashOf(registers);
    }
    checksum = fold(hashes);
    expectedChecksums.set(key, checksum);
  }
  return checksum;
}

// ---------------------------------------------------------------------------------------------
// The servers, each started once per bench run and shared by ours and the peer.

const PYTHON = '/usr/bin/python3';
/** Both stay in the source tree (tsc copies no .py into dist). */
const SERVER_SCRIPT = join(REPO_ROOT, 'spec', 'support', 'pymodbus_server.py');
const PEER_SCRIPT = join(REPO_ROOT, 'tools', 'bench', 'field', 'modbus_peer.py');

let pymodbusReason: string | undefined | null = null;
/** Why pymodbus (client and server) cannot be used here, or undefined. */
export function pymodbusUnavailable(): string | undefined {
  if (pymodbusReason !== null) return pymodbusReason;
  if (!existsSync(PYTHON)) return (pymodbusReason = `${PYTHON} not found (tools/setup/debian-packages.sh installs python3-pymodbus)`);
  try {
    execFileSync(PYTHON, ['-c', 'import pymodbus.client, pymodbus.server'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    pymodbusReason = undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
    pymodbusReason = `${PYTHON} cannot import pymodbus: ${stderr ?? String(error)} (apt-get install python3-pymodbus)`;
  }
  return pymodbusReason;
}

/**
 * spec/support/pymodbus_server.py as a child of the bench. It serves while its stdin is open, so
 * it also ends when the bench dies; stop() kills it. Not started through the harness (its
 * programs get no stdin), so the harness's per-measurement clean-up leaves it to the next one.
 */
class PymodbusServerProcess {
  /** Its TCP port, known once it said "ready". */
  port = 0;
  private readonly stderrTail: string[] = [];
  private lines: ((line: Record<string, unknown>) => void)[] = [];
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(): Promise<PymodbusServerProcess> {
    const child = spawn(PYTHON, ['-u', SERVER_SCRIPT, '--port', '0', '--size', String(SIZE)], { stdio: ['pipe', 'pipe', 'pipe'] });
    killOnExit.add(child);
    child.once('exit', () => killOnExit.delete(child));
    const server = new PymodbusServerProcess(child);
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        for (const listener of server.lines) listener(event);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      server.stderrTail.push(...chunk.trimEnd().split('\n'));
      server.stderrTail.splice(0, Math.max(0, server.stderrTail.length - 10));
    });
    try {
      const ready = await server.next((event) => event.event === 'ready', 15_000, 'its "ready" line');
      server.port = Number(ready.port);
      const values = Array.from({ length: SIZE }, (_, address) => registerValue(address));
      const answer = server.next((event) => event.id === 1, 5000, 'the answer to setting the registers');
      child.stdin!.write(`${JSON.stringify({ cmd: 'set', id: 1, unit: UNIT_ID, table: 'hr', address: 0, values })}\n`);
      const set = await answer;
      if (set.event !== 'set') throw new Error(`setting the registers: ${JSON.stringify(set)}`);
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  private next(match: (event: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const listener = (event: Record<string, unknown>): void => {
        if (!match(event)) return;
        done();
        resolve(event);
      };
      const done = (): void => {
        clearTimeout(timer);
        this.lines = this.lines.filter((l) => l !== listener);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`pymodbus server: no ${what} within ${timeoutMs} ms; stderr: ${this.stderrTail.join(' / ')}`));
      }, timeoutMs);
      this.lines.push(listener);
      void this.exited.then(() => {
        done();
        reject(new Error(`pymodbus server ended before ${what}; stderr: ${this.stderrTail.join(' / ')}`));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin?.end();
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

/** Last resort: a server still running when the bench exits is killed with it. */
const killOnExit = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of killOnExit) child.kill('SIGKILL');
});

let clockTicks: number | undefined;
/** User + system CPU seconds a process has used so far (Linux /proc), or undefined. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(/\s+/);
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/**
 * The in-process responder: FC3 from a buffer of big-endian registers, several requests of one
 * chunk answered in one write; any other function code gets exception 1, a range beyond the
 * registers exception 2, a broken MBAP header closes the connection.
 */
class InProcessResponder {
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<InProcessResponder> {
    const registers = Buffer.alloc(SIZE * 2);
    for (let address = 0; address < SIZE; address++) registers.writeUInt16BE(registerValue(address), address * 2);
    const server = createServer((socket) => serve(socket, registers));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the responder has no TCP port');
    return new InProcessResponder(server, address.port);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function serve(socket: Socket, registers: Buffer): void {
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const data: Buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const answers: Buffer[] = [];
    let at = 0;
    while (data.length - at >= 7) {
      const length = data.readUInt16BE(at + 4);
      if (data.readUInt16BE(at + 2) !== 0 || length < 2 || length > 254) {
        socket.destroy();
        return;
      }
      if (data.length - at < 6 + length) break;
      const transactionId = data.readUInt16BE(at);
      const unitId = data[at + 6]!;
      const functionCode = data[at + 7]!;
      let pdu: Buffer;
      if (functionCode !== 3 || length !== 6) pdu = Buffer.from([functionCode | 0x80, 1]);
      else {
        const address = data.readUInt16BE(at + 8);
        const quantity = data.readUInt16BE(at + 10);
        if (quantity < 1 || quantity > 125 || address + quantity > SIZE) pdu = Buffer.from([0x83, 2]);
        else pdu = Buffer.concat([Buffer.from([3, quantity * 2]), registers.subarray(address * 2, (address + quantity) * 2)]);
      }
      const header = Buffer.alloc(7);
      header.writeUInt16BE(transactionId, 0);
      header.writeUInt16BE(pdu.length + 1, 4);
      header[6] = unitId;
      answers.push(header, pdu);
      at += 6 + length;
    }
    pending = data.subarray(at);
    if (answers.length > 0) socket.write(Buffer.concat(answers));
  });
  socket.on('error', () => socket.destroy());
}

let pymodbusServer: Promise<PymodbusServerProcess> | undefined;
let responder: Promise<InProcessResponder> | undefined;

/** The server's port, and its pid when it is a process of its own (whose CPU time can be read). */
async function serverOf(target: Target): Promise<{ port: number; pid?: number }> {
  if (target === 'pymodbus') {
    const reason = pymodbusUnavailable();
    if (reason !== undefined) throw new Error(reason);
    pymodbusServer ??= PymodbusServerProcess.start();
    const server = await pymodbusServer;
    return { port: server.port, pid: server.pid };
  }
  responder ??= InProcessResponder.start();
  return { port: (await responder).port };
}

/** Stops the servers (end of the bench run). */
export async function stopModbusServers(): Promise<void> {
  const servers = [pymodbusServer, responder];
  pymodbusServer = undefined;
  responder = undefined;
  for (const server of servers) {
    if (server === undefined) continue;
    try {
      await (await server).stop();
    } catch {
      // It failed to start: nothing runs.
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The clients.

interface ReadRun {
  readsPerSecond: number;
  checksum: number;
  /** CPU seconds per read of the client's process (ours: the bench process, with the responder when it is the server). */
  clientCpuPerRead?: number;
  /** CPU seconds per read of the server process, where it is one of its own (/proc). */
  serverCpuPerRead?: number;
  /** What else to say about the run in the log. */
  note?: string;
}

function perRead(before: number | undefined, after: number | undefined, reads: number): number | undefined {
  return before === undefined || after === undefined ? undefined : (after - before) / reads;
}

/** "CPU per read: server 31 µs (62 % of a core), client 9.5 µs (19 %)" (what is known). */
function cpuText(run: ReadRun, clientLabel: string): string {
  const share = (perRead: number): string => `${Math.round(perRead * run.readsPerSecond * 100)} %`;
  const parts: string[] = [];
  if (run.serverCpuPerRead !== undefined) parts.push(`server ${formatNumber(run.serverCpuPerRead * 1e6)} µs (${share(run.serverCpuPerRead)} of a core)`);
  if (run.clientCpuPerRead !== undefined) parts.push(`${clientLabel} ${formatNumber(run.clientCpuPerRead * 1e6)} µs (${share(run.clientCpuPerRead)})`);
  return parts.length === 0 ? '' : `CPU per read: ${parts.join(', ')}`;
}

/** Reads requests 0..count-1 with up to `depth` on the wire: the time taken and the checksum of what was read. */
async function readWith(client: ModbusTcpClient, quantity: number, count: number, depth: number): Promise<{ ns: number; checksum: number }> {
  const hashes = new Uint32Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const registers = await client.readHoldingRegisters(addressOf(i, quantity), quantity);
      hashes[i] = hashOf(registers);
    }
  };
  const started = nowNs();
  await Promise.all(Array.from({ length: Math.min(depth, count) }, worker));
  return { ns: nowNs() - started, checksum: fold(hashes) };
}

/**
 * Whether the server answers `depth` requests sent back to back, each correctly: the pymodbus
 * server's framer reads every frame of a chunk, but a server that serves one request at a time
 * would drop or mix them.
 */
async function takesPipelined(port: number, depth: number): Promise<boolean> {
  const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port, unitId: UNIT_ID, timeoutMs: 2000, maxInFlight: depth });
  try {
    const run = await readWith(client, BLOCK_QUANTITY, depth * 4, depth);
    return run.checksum === expectedChecksum(BLOCK_QUANTITY, depth * 4) && client.lateResponses === 0;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

const depthOf = new Map<Target, number>();

/**
 * Ours: pipelined (PIPELINE_DEPTH in flight) where the server takes it, else one at a time. Against
 * the pymodbus server the same requests are then read once more with 1 in flight, as the sync peer
 * does, for the log (the row's figure is the pipelined one).
 */
async function readOurs(target: Target, quantity: number, requests: number, warmup: number, log: (message: string) => void): Promise<ReadRun> {
  const { port, pid } = await serverOf(target);
  let depth = depthOf.get(target);
  if (depth === undefined) {
    depth = (await takesPipelined(port, PIPELINE_DEPTH)) ? PIPELINE_DEPTH : 1;
    depthOf.set(target, depth);
    log(depth > 1 ? `the server answers pipelined requests: ours keeps ${depth} in flight` : 'the server does not answer pipelined requests: ours keeps 1 in flight');
  }
  const clientLabel = target === 'responder' ? 'client + responder' : 'client';
  const timed = async (inFlight: number): Promise<ReadRun> => {
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port, unitId: UNIT_ID, timeoutMs: REQUEST_TIMEOUT_MS, maxInFlight: inFlight });
    try {
      await readWith(client, quantity, warmup, inFlight);
      const serverBefore = cpuSecondsOf(pid);
      const clientBefore = process.cpuUsage();
      const run = await readWith(client, quantity, requests, inFlight);
      const clientUsage = process.cpuUsage(clientBefore);
      return {
        readsPerSecond: requests / (run.ns / 1e9),
        checksum: run.checksum,
        clientCpuPerRead: (clientUsage.user + clientUsage.system) / 1e6 / requests,
        serverCpuPerRead: perRead(serverBefore, cpuSecondsOf(pid), requests),
      };
    } finally {
      client.close();
    }
  };
  const pipelined = await timed(depth);
  const inFlightText = `${depth} in flight; ${cpuText(pipelined, clientLabel)}`;
  if (target !== 'pymodbus' || depth === 1) return { ...pipelined, note: inFlightText };
  const sequential = await timed(1);
  const same = sequential.checksum === pipelined.checksum ? 'same checksum' : `CHECKSUM ${sequential.checksum} DIFFERS`;
  return { ...pipelined, note: `${inFlightText}; with 1 in flight (as the sync peer): ${formatNumber(sequential.readsPerSecond)} reads/s, ${cpuText(sequential, clientLabel)}, ${same}` };
}

async function readPeer(target: Target, quantity: number, requests: number, warmup: number, workDir: string): Promise<ReadRun> {
  const { port, pid } = await serverOf(target);
  const resultPath = join(workDir, `modbus-${target}-${quantity}.json`);
  const args = [PEER_SCRIPT, String(port), String(quantity), String(SIZE), String(warmup), String(requests), resultPath, ...(pid === undefined ? [] : [String(pid)])];
  const program = new ProgramProcess(PYTHON, args, `pymodbus client ${target} ×${quantity}`);
  const status = await program.exited;
  if (status.code !== 0) throw new Error(`modbus_peer.py ended with code ${status.code} signal ${status.signal}; last output:\n    ${program.lastOutput()}`);
  const result = JSON.parse(await readFile(resultPath, 'utf8')) as {
    requests: number;
    seconds: number;
    checksum: number;
    client_cpu_seconds: number;
    server_cpu_seconds: number | null;
  };
  if (result.requests !== requests) throw new Error(`modbus_peer.py made ${result.requests} requests, asked for ${requests}`);
  const run: ReadRun = {
    readsPerSecond: requests / result.seconds,
    checksum: result.checksum,
    clientCpuPerRead: result.client_cpu_seconds / requests,
    serverCpuPerRead: result.server_cpu_seconds === null ? undefined : result.server_cpu_seconds / requests,
  };
  return { ...run, note: `1 in flight (sync client); ${cpuText(run, 'client')}` };
}

function measurement(
  who: string,
  target: Target,
  plan: ModbusPlan,
  read: (quantity: number, requests: number, log: (message: string) => void) => Promise<ReadRun>,
): Measurement<ModbusRow> {
  const rows = ROW_OF[target];
  return {
    name: `Modbus FC3 reads, ${target === 'pymodbus' ? 'pymodbus server' : 'in-process responder'}`,
    rows: [rows.block, rows.single],
    run: async (ctx) => {
      const figures: Partial<Record<ModbusRow, number>> = {};
      const requests = plan.requests[target];
      for (const [row, quantity] of [
        [rows.block, BLOCK_QUANTITY],
        [rows.single, 1],
      ] as const) {
        const run = await read(quantity, requests, ctx.log);
        const expected = expectedChecksum(quantity, requests);
        if (run.checksum !== expected) {
          ctx.log(`×${quantity}: ${who} read registers with checksum ${run.checksum}, the server holds ${expected}: no figure`);
          continue;
        }
        ctx.log(
          `×${quantity}: ${requests.toLocaleString('en-US')} reads, ${formatNumber(run.readsPerSecond)} reads/s, ${formatNumber(run.readsPerSecond * quantity)} registers/s, ` +
            `checksum ${run.checksum} (as the server holds); ${run.note ?? ''}`,
        );
        figures[row] = run.readsPerSecond;
      }
      return figures;
    },
    timeoutMs: plan.timeoutMs,
  };
}

/** Ours' measurements: core/protocols/modbus ModbusTcpClient against each server. */
export function modbusOurs(quick: boolean): Measurement<ModbusRow>[] {
  const plan = planOf(quick);
  return (['pymodbus', 'responder'] as const).map((target) =>
    measurement('ours', target, plan, (quantity, requests, log) => readOurs(target, quantity, requests, plan.warmup, log)),
  );
}

/** The peer: pymodbus's synchronous ModbusTcpClient against the same servers. */
export function modbusPeer(quick: boolean, workDir: () => Promise<string>, teardown: () => Promise<void>): Peer<ModbusRow> {
  const plan = planOf(quick);
  return {
    name: 'pymodbus',
    description:
      "pymodbus 3.0's synchronous ModbusTcpClient (Debian python3-pymodbus, /usr/bin/python3), one request at a time, the same requests as ours against the same servers; interpreter start, imports and connect not timed",
    unavailable: pymodbusUnavailable,
    teardown,
    measurements: (['pymodbus', 'responder'] as const).map((target) =>
      measurement('pymodbus', target, plan, async (quantity, requests) => readPeer(target, quantity, requests, plan.warmup, await workDir())),
    ),
  };
}
