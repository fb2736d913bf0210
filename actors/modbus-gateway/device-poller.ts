// One Modbus TCP device: its connection (reconnected with exponential backoff), its poll groups
// (one read request each, on a fixed-rate schedule that skips and counts a tick while the previous
// read of the group still runs, so a slow device never piles requests up), the link state the
// gateway reports, and the writes of commands.
import type { Logger } from '../../core/log/logger.js';
import { ModbusConnectionError, ModbusError, ModbusTimeoutError, ModbusTcpClient } from '../../core/protocols/modbus/index.js';
import type { LinkState } from '../../schemas/generated/messages.js';
import { decodeValue, encodeValue } from './register-codec.js';
import type { CommandSettings, DeviceSettings, PollSettings } from './settings.js';

/** FieldQuality's Invalid bit (IV), schemas/field.fbs. */
export const QUALITY_INVALID = 1 << 7;
/** Timeouts in a row after which the connection is dropped and made anew (a peer gone without a reset). */
export const TIMEOUTS_BEFORE_RECONNECT = 3;
const OVERRUN_LOG_INTERVAL_MS = 10_000;

/** What one poll of a group gave: a value per point (NaN where not read) and its quality. */
export interface PollOutcome {
  readonly poll: PollSettings;
  readonly timestampMs: number;
  readonly values: Float64Array;
  /** FieldQuality bits per point: 0, or QUALITY_INVALID for a point not read (or not a finite number). */
  readonly qualities: Uint8Array;
  /** Why the read failed; undefined when it succeeded. */
  readonly error: ModbusError | undefined;
}

export interface LinkStatus {
  readonly state: LinkState;
  readonly message: string;
  readonly sinceMs: number;
  /** Values read since the gateway started. */
  readonly values: number;
  /** Connection attempts that failed. */
  readonly failures: number;
  /** Poll ticks skipped because the group's previous read was still running. */
  readonly overruns: number;
}

export interface DeviceListener {
  polled(outcome: PollOutcome): void;
  linkChanged(status: LinkStatus): void;
}

/** Which table a poll or command addresses, for messages ("holding 10+4"). */
function where(poll: PollSettings): string {
  return `${poll.table} ${poll.address}+${poll.count}`;
}

export class DevicePoller {
  private client: ModbusTcpClient | undefined;
  private stopped = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly pollTimers: (NodeJS.Timeout | undefined)[];
  private readonly busy: boolean[];
  private readonly nextDueMs: number[];
  private readonly overrunLoggedMs: number[];
  /** The last error of each poll group whose last read failed. */
  private readonly groupErrors = new Map<number, string>();
  private consecutiveTimeouts = 0;
  private readonly lastGood: Float64Array[];
  private readonly reportedNonFinite = new Set<string>();
  private status: LinkStatus = { state: 'Connecting', message: 'connecting', sinceMs: Date.now(), values: 0, failures: 0, overruns: 0 };

  constructor(
    readonly settings: DeviceSettings,
    private readonly listener: DeviceListener,
    private readonly log: Logger,
  ) {
    this.backoffMs = settings.backoff.initialMs;
    const groups = settings.polls.length;
    this.pollTimers = new Array<NodeJS.Timeout | undefined>(groups).fill(undefined);
    this.busy = new Array<boolean>(groups).fill(false);
    this.nextDueMs = new Array<number>(groups).fill(0);
    this.overrunLoggedMs = new Array<number>(groups).fill(0);
    this.lastGood = settings.polls.map((poll) => new Float64Array(poll.points.length).fill(Number.NaN));
  }

  get link(): LinkStatus {
    return this.status;
  }

  get peer(): string {
    return `${this.settings.host}:${this.settings.port}`;
  }

  start(): void {
    const now = Date.now();
    this.settings.polls.forEach((poll, index) => {
      this.nextDueMs[index] = now + poll.periodMs;
      this.pollTimers[index] = setTimeout(() => this.tick(index), poll.periodMs);
    });
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    for (const timer of this.pollTimers) clearTimeout(timer);
    this.client?.close('gateway stopped');
    this.client = undefined;
    this.setState('Stopped', 'stopped');
  }

  /**
   * Writes a command's value (in engineering units): a coil with FC5, a 16-bit register with FC6,
   * wider types with FC16. Resolves with what was sent; rejects with a ModbusError (not connected,
   * timeout, exception) or a RegisterRangeError for a value the type cannot hold.
   */
  async write(command: CommandSettings, value: number): Promise<string> {
    const registers = encodeValue(value, command.format);
    const client = this.client;
    if (client === undefined) throw new ModbusConnectionError(`${this.settings.name} (${this.peer}) is not connected: ${this.status.message}`);
    if (command.table === 'coil') {
      await client.writeSingleCoil(command.address, registers[0] === 1);
      return `FC5 coil ${command.address} = ${registers[0] === 1 ? 'on' : 'off'}, echoed by ${this.settings.name}`;
    }
    const shown = Array.from(registers, (r) => `0x${r.toString(16).padStart(4, '0')}`).join(' ');
    if (registers.length === 1) {
      await client.writeSingleRegister(command.address, registers[0]!);
      return `FC6 holding ${command.address} = ${shown}, echoed by ${this.settings.name}`;
    }
    await client.writeMultipleRegisters(command.address, registers);
    return `FC16 holding ${command.address}..${command.address + registers.length - 1} = ${shown}, confirmed by ${this.settings.name}`;
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    let client: ModbusTcpClient;
    try {
      client = await ModbusTcpClient.connect({
        host: this.settings.host,
        port: this.settings.port,
        unitId: this.settings.unitId,
        timeoutMs: this.settings.timeoutMs,
        maxInFlight: this.settings.maxInFlight,
      });
    } catch (error) {
      if (this.stopped) return;
      this.status = { ...this.status, failures: this.status.failures + 1 };
      this.lostConnection(error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.stopped) return void client.close('gateway stopped');
    this.client = client;
    this.backoffMs = this.settings.backoff.initialMs;
    this.consecutiveTimeouts = 0;
    this.groupErrors.clear();
    this.log.info('connected', { device: this.settings.name, peer: this.peer, unitId: this.settings.unitId });
    client.onClose((error) => {
      if (this.client !== client) return;
      this.client = undefined;
      if (!this.stopped) this.lostConnection(error.message);
    });
    if (this.settings.polls.length === 0) this.setState('Up', `connected to ${this.peer}`);
    // Read at once rather than at the next tick, so the link is Up (or tells why not) without waiting a period.
    this.settings.polls.forEach((_poll, index) => {
      if (!this.busy[index]) void this.poll(index);
    });
  }

  /** Down with why; the points of every group are published invalid once; the next attempt after the backoff. */
  private lostConnection(message: string): void {
    const wasDown = this.status.state === 'Down';
    this.setState('Down', message);
    if (!wasDown) {
      const now = Date.now();
      this.settings.polls.forEach((poll, index) => this.listener.polled(this.invalidOutcome(poll, index, now, undefined)));
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.settings.backoff.maxMs);
    this.log.debug('next connection attempt', { device: this.settings.name, inMs: delay, why: message });
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  /** Fixed rate: the next tick is due a whole number of periods after the first, whatever this one took. */
  private tick(index: number): void {
    if (this.stopped) return;
    const poll = this.settings.polls[index]!;
    const now = Date.now();
    const missed = Math.max(0, Math.floor((now - this.nextDueMs[index]!) / poll.periodMs));
    const skipped = missed + (this.busy[index] ? 1 : 0);
    if (skipped > 0) this.overrun(index, skipped);
    else void this.poll(index);
    this.nextDueMs[index] = this.nextDueMs[index]! + (missed + 1) * poll.periodMs;
    this.pollTimers[index] = setTimeout(() => this.tick(index), Math.max(0, this.nextDueMs[index]! - Date.now()));
  }

  private overrun(index: number, skipped: number): void {
    this.status = { ...this.status, overruns: this.status.overruns + skipped };
    const now = Date.now();
    if (now - this.overrunLoggedMs[index]! < OVERRUN_LOG_INTERVAL_MS) return;
    this.overrunLoggedMs[index] = now;
    const poll = this.settings.polls[index]!;
    this.log.warn('poll overrun: the previous read is still running, tick skipped', {
      device: this.settings.name,
      poll: where(poll),
      periodMs: poll.periodMs,
      skipped,
      overrunsSoFar: this.status.overruns,
    });
  }

  private async poll(index: number): Promise<void> {
    const client = this.client;
    if (client === undefined) return; // not connected: nothing to read, the link is Down already
    const poll = this.settings.polls[index]!;
    this.busy[index] = true;
    try {
      let read: ArrayLike<number>;
      try {
        read = await this.read(client, poll);
      } catch (error) {
        const failure = error instanceof ModbusError ? error : new ModbusConnectionError(String(error));
        // A closed connection is reported by onClose, once for every group.
        if (failure instanceof ModbusConnectionError || this.client !== client) return;
        this.listener.polled(this.invalidOutcome(poll, index, Date.now(), failure));
        this.groupErrors.set(index, `${where(poll)}: ${failure.message}`);
        this.updateState();
        if (failure instanceof ModbusTimeoutError && ++this.consecutiveTimeouts >= TIMEOUTS_BEFORE_RECONNECT) {
          client.close(`${TIMEOUTS_BEFORE_RECONNECT} requests in a row timed out (${this.settings.timeoutMs} ms each)`);
        }
        return;
      }
      if (this.client !== client) return;
      this.consecutiveTimeouts = 0;
      this.groupErrors.delete(index);
      this.listener.polled(this.goodOutcome(poll, index, read));
      this.updateState();
    } finally {
      this.busy[index] = false;
    }
  }

  private read(client: ModbusTcpClient, poll: PollSettings): Promise<ArrayLike<number>> {
    switch (poll.table) {
      case 'coil':
        return client.readCoils(poll.address, poll.count);
      case 'discrete':
        return client.readDiscreteInputs(poll.address, poll.count);
      case 'holding':
        return client.readHoldingRegisters(poll.address, poll.count);
      case 'input':
        return client.readInputRegisters(poll.address, poll.count);
    }
  }

  private goodOutcome(poll: PollSettings, index: number, read: ArrayLike<number>): PollOutcome {
    const values = new Float64Array(poll.points.length);
    const qualities = new Uint8Array(poll.points.length);
    let good = 0;
    poll.points.forEach((point, i) => {
      const value = decodeValue(read, point.offset, point.format);
      if (Number.isFinite(value)) {
        values[i] = value;
        this.lastGood[index]![i] = value;
        good++;
        return;
      }
      // A float register holding NaN or infinity (a device's "no value"): not stored, published invalid.
      values[i] = Number.NaN;
      qualities[i] = QUALITY_INVALID;
      if (!this.reportedNonFinite.has(point.dataPoint)) {
        this.reportedNonFinite.add(point.dataPoint);
        this.log.warn('a point read as a non-finite number: published invalid, not stored', { device: this.settings.name, dataPoint: point.dataPoint, value: String(value) });
      }
    });
    this.status = { ...this.status, values: this.status.values + good };
    return { poll, timestampMs: Date.now(), values, qualities, error: undefined };
  }

  /** Every point of the group invalid, with its last good value (NaN before the first). */
  private invalidOutcome(poll: PollSettings, index: number, timestampMs: number, error: ModbusError | undefined): PollOutcome {
    return { poll, timestampMs, values: this.lastGood[index]!.slice(), qualities: new Uint8Array(poll.points.length).fill(QUALITY_INVALID), error };
  }

  /** Up while every group's last read succeeded; Down (connected, but reads fail) naming each failing group. */
  private updateState(): void {
    if (this.client === undefined) return;
    if (this.groupErrors.size > 0) this.setState('Down', [...this.groupErrors.entries()].sort(([a], [b]) => a - b).map(([, message]) => message).join('; '));
    else this.setState('Up', `polling ${this.peer}`);
  }

  private setState(state: LinkState, message: string): void {
    if (state === this.status.state && message === this.status.message) return;
    const changed = state !== this.status.state;
    this.status = { ...this.status, state, message, sinceMs: changed ? Date.now() : this.status.sinceMs };
    if (changed) this.log.info(`link ${state}`, { device: this.settings.name, peer: this.peer, message });
    this.listener.linkChanged(this.status);
  }
}
