// The Modbus TCP gateway: polls the configured devices (one DevicePoller each), stores every value
// read through role `storage` (AddEntryBatch, one per poll), publishes the values on `field/values`
// and each device's link state on `field/links`, and writes coils and registers on FieldCommand
// (role `modbus-gateway`). Settings, link states, errors: ./README.md.
import { Module, ReplyError, replyLater, type Declarations, type ReplyLater } from '../../core/actor/index.js';
import type { BusError } from '../../core/bus/errors.js';
import { waitForRole } from '../../core/grid/serving/wait-for-role.js';
import { ModbusConnectionError, ModbusError, ModbusExceptionError, ModbusTimeoutError } from '../../core/protocols/modbus/index.js';
import {
  AddEntryBatch,
  CreateDataPoint,
  FieldCommand,
  FieldErrorReply,
  FieldValues,
  GetLinks,
  LinkEvent,
  type FieldCommandReply,
  type FieldErrorCode,
  type LinkInfo,
  type LinksReply,
} from '../../schemas/generated/messages.js';
import { DevicePoller, type LinkStatus, type PollOutcome } from './device-poller.js';
import { RegisterRangeError } from './register-codec.js';
import { modbusGatewayDefaults, parseModbusGatewaySettings, type CommandSettings, type ModbusGatewaySettings } from './settings.js';

export const MODBUS_GATEWAY_ROLE = 'modbus-gateway';
export const VALUES_TOPIC = 'field/values';
export const LINKS_TOPIC = 'field/links';
const STORAGE_ROLE = 'storage';
const STORE_ERROR_LOG_INTERVAL_MS = 10_000;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fieldError(code: FieldErrorCode, message: string): ReplyError<FieldErrorReply> {
  return new ReplyError(FieldErrorReply, { code, message }, message);
}

export default class ModbusGateway extends Module {
  static override info = { name: 'modbus-gateway', version: '1.0.0', description: 'Modbus TCP gateway: polls devices into storage, writes coils and registers on command, on role modbus-gateway' };
  static override defaults: Record<string, unknown> = { ...modbusGatewayDefaults };

  private settings: ModbusGatewaySettings = parseModbusGatewaySettings(this.config);
  private pollers: DevicePoller[] = [];
  private commands = new Map<string, { command: CommandSettings; poller: DevicePoller }>();
  /** Bumped at every (re)configuration: a creation loop of an older one stops. */
  private generation = 0;
  private dataPointsReady = false;
  private unstoredPolls = 0;
  private storeFailures = 0;
  private storeErrorLoggedMs = 0;
  private closing = false;

  override declare(on: Declarations): void {
    on.publishes(VALUES_TOPIC, LINKS_TOPIC);
    on.role(MODBUS_GATEWAY_ROLE)
      .on(GetLinks, (): LinksReply => ({ links: this.pollers.map((poller) => this.linkInfo(poller, poller.link)) }))
      .on(FieldCommand, (request) => this.command(request));
  }

  override start(): void {
    this.startDevices();
  }

  override configChanged(next: Record<string, unknown>): void {
    let settings: ModbusGatewaySettings;
    try {
      settings = parseModbusGatewaySettings(next);
    } catch (error) {
      return void this.log.error('settings change ignored', { error: describe(error) });
    }
    this.stopDevices();
    this.settings = settings;
    this.startDevices();
  }

  override async release(): Promise<void> {
    // On the way out the bus is closing: the pollers stop without a last LinkEvent.
    this.closing = true;
    this.stopDevices();
    await super.release();
  }

  private startDevices(): void {
    const generation = ++this.generation;
    this.dataPointsReady = false;
    this.commands.clear();
    this.pollers = this.settings.devices.map((device) => {
      const poller: DevicePoller = new DevicePoller(
        device,
        {
          // Socket events arrive outside the mailbox; posting keeps module state single-threaded.
          polled: (outcome) => this.context.mailbox.post(() => this.polled(poller, outcome)),
          linkChanged: (status) => this.context.mailbox.post(() => this.linkChanged(poller, status)),
        },
        this.log,
      );
      for (const command of device.commands) this.commands.set(command.dataPoint, { command, poller });
      return poller;
    });
    const points = this.settings.devices.reduce((n, d) => n + d.polls.reduce((m, p) => m + p.points.length, 0), 0);
    this.log.info('modbus gateway ready', { devices: this.pollers.length, points, commands: this.commands.size });
    for (const poller of this.pollers) poller.start();
    void this.createDataPoints(generation);
  }

  private stopDevices(): void {
    this.generation++;
    for (const poller of this.pollers) poller.stop();
    this.pollers = [];
  }

  /** CreateDataPoint (exist_ok) for every polled point, tagged modbus and the device; retried until storage answers. */
  private async createDataPoints(generation: number): Promise<void> {
    const wanted = this.settings.devices.flatMap((device) =>
      device.polls.flatMap((poll) =>
        poll.points.map((point): CreateDataPoint => ({
          dataPoint: point.dataPoint,
          tags: ['modbus', device.name],
          unit: point.unit,
          description: `Modbus ${device.name} ${poll.table} ${poll.address + point.offset} (${point.format.type})`,
          existOk: true,
        })),
      ),
    );
    let pending = wanted;
    while (generation === this.generation) {
      await waitForRole(this.context.bus().registry, STORAGE_ROLE, this.settings.createRetryMs);
      const failed: CreateDataPoint[] = [];
      let lastError = '';
      for (const request of pending) {
        if (generation !== this.generation) return;
        try {
          await this.requestOrThrow(STORAGE_ROLE, CreateDataPoint, request, { timeoutMs: this.settings.storageTimeoutMs });
        } catch (error) {
          failed.push(request);
          lastError = describe(error);
        }
      }
      if (failed.length === 0) break;
      this.log.warn('data points not created yet: storage did not take them; trying again', { missing: failed.length, error: lastError, inMs: this.settings.createRetryMs });
      pending = failed;
      await new Promise((resolve) => setTimeout(resolve, this.settings.createRetryMs));
    }
    if (generation !== this.generation) return;
    this.context.mailbox.post(() => {
      if (generation !== this.generation) return;
      this.dataPointsReady = true;
      this.log.info('data points ready in storage', { dataPoints: wanted.length, pollsNotStoredBefore: this.unstoredPolls });
    });
  }

  private polled(poller: DevicePoller, outcome: PollOutcome): void {
    if (this.closing || !this.pollers.includes(poller)) return;
    const device = poller.settings.name;
    const { poll, timestampMs, values, qualities } = outcome;
    const names = poll.points.map((point) => point.dataPoint);
    this.publish(VALUES_TOPIC, FieldValues, {
      gateway: ModbusGateway.info.name,
      link: device,
      dataPoints: names,
      timestampsMs: names.map(() => timestampMs),
      values: Array.from(values),
      qualities,
    });
    if (outcome.error !== undefined) return;
    const batch: AddEntryBatch = { dataPoints: [], pointIndex: [], timestampsMs: [], values: [] };
    names.forEach((name, i) => {
      if (qualities[i] !== 0) return;
      batch.pointIndex!.push(batch.dataPoints!.length);
      batch.dataPoints!.push(name);
      batch.timestampsMs!.push(timestampMs);
      batch.values!.push(values[i]!);
    });
    if (batch.dataPoints!.length === 0) return;
    if (!this.dataPointsReady) {
      this.unstoredPolls++;
      return;
    }
    void this.request(STORAGE_ROLE, AddEntryBatch, batch, {
      timeoutMs: this.settings.storageTimeoutMs,
      onError: (error) => this.storeFailed(device, error),
    });
  }

  private storeFailed(device: string, error: BusError): void {
    this.storeFailures++;
    const now = Date.now();
    if (now - this.storeErrorLoggedMs < STORE_ERROR_LOG_INTERVAL_MS) return;
    this.storeErrorLoggedMs = now;
    this.log.warn('storage did not take a poll', { device, error: error.message, failuresSoFar: this.storeFailures });
  }

  private linkChanged(poller: DevicePoller, status: LinkStatus): void {
    if (this.closing || (!this.pollers.includes(poller) && status.state !== 'Stopped')) return;
    this.publish(LINKS_TOPIC, LinkEvent, { link: this.linkInfo(poller, status) });
  }

  private linkInfo(poller: DevicePoller, status: LinkStatus): LinkInfo {
    return {
      gateway: ModbusGateway.info.name,
      link: poller.settings.name,
      protocol: 'modbus',
      side: 'Field',
      state: status.state,
      peer: poller.peer,
      message: status.overruns > 0 ? `${status.message} (${status.overruns} poll overruns)` : status.message,
      sinceMs: status.sinceMs,
      values: status.values,
      failures: status.failures,
    };
  }

  private command(request: FieldCommand): ReplyLater<FieldCommandReply> {
    const found = this.commands.get(request.dataPoint);
    if (found === undefined) {
      throw fieldError('NotFound', `no Modbus command point "${request.dataPoint}" (configured: ${[...this.commands.keys()].join(', ') || 'none'})`);
    }
    const { command, poller } = found;
    const origin = request.origin ?? 'unknown';
    return replyLater(
      poller.write(command, request.value).then(
        (message): FieldCommandReply => {
          this.log.info('command written', { dataPoint: request.dataPoint, value: request.value, origin, message });
          return { dataPoint: request.dataPoint, confirmed: true, message };
        },
        (error: unknown) => {
          const reply = this.commandError(poller, command, error);
          this.log.warn('command failed', { dataPoint: request.dataPoint, value: request.value, origin, code: reply.value.code, error: reply.message });
          throw reply;
        },
      ),
    );
  }

  private commandError(poller: DevicePoller, command: CommandSettings, error: unknown): ReplyError<FieldErrorReply> {
    const at = `${poller.settings.name} ${command.table} ${command.address}`;
    if (error instanceof RegisterRangeError) return fieldError('InvalidArgument', `${command.dataPoint} (${command.format.type}): ${error.message}`);
    if (error instanceof ModbusExceptionError) return fieldError('Refused', `${at} refused: ${error.message}`);
    if (error instanceof ModbusTimeoutError || error instanceof ModbusConnectionError) return fieldError('Unavailable', `${at}: ${error.message}`);
    if (error instanceof ModbusError) return fieldError('Unknown', `${at}: ${error.message}`);
    return fieldError('Unknown', `${at}: ${describe(error)}`);
  }
}
