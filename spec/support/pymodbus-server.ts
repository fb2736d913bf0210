/**
 * A real Modbus TCP peer for the tests: spec/support/pymodbus_server.py (Debian python3-pymodbus
 * 3.0, run with /usr/bin/python3) as a child process on 127.0.0.1, whose registers and coils the
 * test sets and reads over the process's stdin/stdout.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineProcess } from './processes.js';

export const PYTHON = '/usr/bin/python3';
export const PYMODBUS_SERVER_SCRIPT = fileURLToPath(new URL('./pymodbus_server.py', import.meta.url));

/** co: coils, di: discrete inputs, hr: holding registers, ir: input registers. */
export type PymodbusTable = 'co' | 'di' | 'hr' | 'ir';

export interface PymodbusOptions {
  /** 0 (default): a free port. */
  readonly port?: number;
  readonly units?: readonly number[];
  /** Addresses 0..size-1 in every table of every unit; beyond: exception 2. */
  readonly size?: number;
}

let commands = 0;

export class PymodbusServer {
  private constructor(
    readonly process: LineProcess,
    readonly port: number,
  ) {}

  static async start(options: PymodbusOptions = {}): Promise<PymodbusServer> {
    const args = ['-u', PYMODBUS_SERVER_SCRIPT, '--port', String(options.port ?? 0), '--units', (options.units ?? [1]).join(','), '--size', String(options.size ?? 200)];
    const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const running = new LineProcess(child, 'pymodbus');
    const ready = await Promise.race([
      running.waitFor((event) => event.event === 'ready', 15_000, 'pymodbus "ready"'),
      running.exited.then(({ code, signal }) => {
        throw new Error(`pymodbus server ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
      }),
    ]);
    return new PymodbusServer(running, Number(ready.port));
  }

  async set(unit: number, table: PymodbusTable, address: number, values: readonly number[]): Promise<void> {
    await this.ask({ cmd: 'set', unit, table, address, values }, 'set');
  }

  async get(unit: number, table: PymodbusTable, address: number, count: number): Promise<number[]> {
    const answer = await this.ask({ cmd: 'get', unit, table, address, count }, 'values');
    return answer.values as number[];
  }

  /** SIGKILL: the peer vanishes as a crashed device would (the kernel resets its connections). */
  kill(): Promise<void> {
    return this.process.kill('SIGKILL');
  }

  private async ask(command: Record<string, unknown>, expected: string): Promise<Record<string, unknown>> {
    const id = ++commands;
    const answer = this.process.next((event) => event.id === id, 5000, `pymodbus answer ${id}`);
    this.process.command({ ...command, id });
    const event = await answer;
    if (event.event !== expected) throw new Error(`pymodbus: ${JSON.stringify(event)}`);
    return event;
  }
}
