// The SCADA uplink: a controlled station (outstation) the control centre connects to, up to
// maxConnections at once as one redundancy group (only the connection that got STARTDT carries
// data). It serves the configured points and the substation state (./scada-points.ts),
// spontaneously on change and in general interrogation, and passes the commands the
// configuration permits on to the bus as FieldCommand; a command on any other IOA is refused with
// cause 47 and logged, so nothing unconfigured ever reaches a device.

import type { Logger } from '../../core/log/logger.js';
import { TypeId, type Asdu, type InformationObject, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import { ControlledStation, REFUSE_UNKNOWN_IOA } from '../../core/protocols/iec104/controlled-station.js';
import { typeName } from '../../core/protocols/iec104/type-info.js';
import type { Alarm, FieldCommand, FieldCommandReply, FieldValues, LinkInfo, LinkState, MeasurementEvent, SubstationState } from '../../schemas/generated/messages.js';
import { commandValueProblem } from './command-router.js';
import { ScadaPoints } from './scada-points.js';
import type { ScadaCommandSetting, ScadaSetting } from './settings.js';

export const SCADA_LINK_NAME = 'scada';

export interface ScadaUplinkOptions {
  readonly setting: ScadaSetting;
  readonly gateway: string;
  readonly log: Logger;
  /** Sends a FieldCommand to `target` on the bus; rejects with a message for people when it fails. */
  readonly sendCommand: (target: string, command: FieldCommand) => Promise<FieldCommandReply>;
  readonly onState: (info: LinkInfo) => void;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Up while a connection has started data transfer; Connecting while some are connected but
 * stopped, or while no master has ever started one (waiting for the control centre after a start
 * is not a lost link); else Down: the control centre was there and is gone.
 */
function stateOf(connections: { started: boolean }[], everStarted: boolean): LinkState {
  if (connections.some((c) => c.started)) return 'Up';
  return connections.length > 0 || !everStarted ? 'Connecting' : 'Down';
}

export class ScadaUplink {
  private readonly points: ScadaPoints;
  private readonly commands = new Map<number, ScadaCommandSetting>();
  private station: ControlledStation | undefined;
  private sent = 0;
  private failures = 0;
  private state: LinkState = 'Stopped';
  private message = 'not started';
  private sinceMs = Date.now();
  private lastConnections = '';
  private lastReported: LinkState = 'Stopped';
  /** A master has started data transfer since the uplink started. */
  private everStarted = false;
  private watch: NodeJS.Timeout | undefined;

  constructor(private readonly options: ScadaUplinkOptions) {
    this.points = new ScadaPoints(options.setting);
    for (const command of options.setting.commands) this.commands.set(command.ioa, command);
  }

  /** Listens for SCADA connections; rejects when the port cannot be bound. */
  async start(): Promise<void> {
    const { setting, log } = this.options;
    this.station = await ControlledStation.listen({
      host: setting.host,
      port: setting.port,
      params: setting.params,
      commonAddresses: [setting.commonAddress],
      maxConnections: setting.maxConnections,
      log,
      handler: {
        interrogation: () => {
          const answer = this.points.interrogation();
          this.sent += answer.reduce((n, a) => n + a.objects.length, 0);
          return answer;
        },
        command: (commonAddress, asdu, object) => this.command(commonAddress, asdu, object),
        selectRequired: (_commonAddress, _typeId, ioa) => this.commands.get(ioa)?.selectBeforeOperate ?? false,
      },
    });
    this.station.onConnectionClose((peer, close) => {
      if (close.error) this.failures++;
      this.report(`SCADA connection from ${peer} closed: ${close.reason}`);
    });
    this.station.onConnectionStarted((peer) => {
      this.everStarted = true;
      this.report(`data transfer started with ${peer}`);
    });
    this.report(`listening on ${setting.host}:${this.station.address.port}`);
    // The station reports STARTDT and closes but not connects: look at its connections every second.
    this.watch = setInterval(() => this.report(), 1000);
    this.watch.unref();
  }

  get port(): number | undefined {
    return this.station?.address.port;
  }

  info(): LinkInfo {
    const connections = this.station?.connections() ?? [];
    // Asked between two looks at the connections: the state as it is now.
    if (this.station) this.state = stateOf(connections, this.everStarted);
    return {
      gateway: this.options.gateway,
      link: SCADA_LINK_NAME,
      protocol: 'iec104',
      side: 'Scada',
      state: this.state,
      peer: connections.map((c) => `${c.peer}${c.started ? ' (started)' : ''}`).join(', '),
      message: this.message,
      sinceMs: this.sinceMs,
      values: this.sent,
      failures: this.failures,
    };
  }

  takeFieldValues(values: FieldValues): void {
    this.send(this.points.update(values.dataPoints ?? [], values.timestampsMs ?? [], values.values ?? [], values.qualities));
  }

  takeMeasurement(event: MeasurementEvent): void {
    if (!this.points.serves(event.dataPoint)) return;
    this.send(this.points.update([event.dataPoint], [event.timestampMs], [event.value]));
  }

  takeState(state: SubstationState): void {
    this.send(this.points.updateState(state));
  }

  /** The active alarms (replaceAll, from GetAlarms) or one changed alarm (from alarms/changes). */
  takeAlarms(alarms: readonly Alarm[], replaceAll: boolean): void {
    this.send(this.points.updateAlarms(alarms, replaceAll));
  }

  async stop(): Promise<void> {
    clearInterval(this.watch);
    await this.station?.close();
    this.station = undefined;
    this.setState('Stopped', 'the gateway stopped');
  }

  private send(asdus: Asdu[]): void {
    const station = this.station;
    if (!station) return;
    for (const asdu of asdus) {
      station.send(asdu);
      this.sent += asdu.objects.length;
    }
  }

  /** Up while a SCADA connection has started data transfer; the message lists the connections. */
  private report(why?: string): void {
    const connections = this.station?.connections() ?? [];
    const signature = connections.map((c) => `${c.peer}:${c.started}`).join(',');
    if (why === undefined && signature === this.lastConnections) return;
    this.lastConnections = signature;
    const started = connections.find((c) => c.started);
    if (started) this.everStarted = true;
    const state = stateOf(connections, this.everStarted);
    const message =
      why ??
      (started
        ? `data transfer started with ${started.peer} (${connections.length} connection(s))`
        : connections.length > 0
          ? `${connections.length} connection(s), none started`
          : this.everStarted
            ? 'no SCADA connection any more'
            : 'waiting for the first SCADA connection');
    this.setState(state, message);
  }

  private setState(state: LinkState, message: string): void {
    if (state !== this.lastReported) this.sinceMs = Date.now();
    this.state = state;
    this.lastReported = state;
    this.message = message;
    this.options.onState(this.info());
  }

  /** A command from SCADA: only configured IOAs of the configured type go on, as FieldCommand. */
  private async command(commonAddress: number, asdu: Asdu, object: InformationObject): Promise<true | string> {
    const { log } = this.options;
    const configured = this.commands.get(object.ioa);
    const type = typeName(asdu.typeId);
    if (!configured) {
      log.warn('SCADA command on an IOA that is not configured: refused (cause 47)', { commonAddress, ioa: object.ioa, type, value: object.value, select: object.select === true });
      return `${REFUSE_UNKNOWN_IOA}: ${object.ioa} is not a permitted command`;
    }
    if (TypeId[configured.type] !== (asdu.typeId as TypeIdValue)) {
      log.warn('SCADA command of another type than configured: refused', { ioa: object.ioa, type, configured: configured.type });
      return `IOA ${object.ioa} takes ${configured.type}, not ${type}`;
    }
    const problem = commandValueProblem(configured.type, object.value);
    if (problem !== undefined) {
      log.warn('SCADA command value refused', { ioa: object.ioa, problem });
      return problem;
    }
    // A select only reserves the command here; the device sees the whole exchange at execute.
    if (object.select) return true;
    const request: FieldCommand = { dataPoint: configured.dataPoint, value: object.value, selectBeforeOperate: configured.selectBeforeOperate, origin: `scada:${commonAddress}/${object.ioa}` };
    try {
      const reply = await this.options.sendCommand(configured.target, request);
      if (!reply.confirmed) {
        log.warn('SCADA command not confirmed by the field', { ioa: object.ioa, dataPoint: configured.dataPoint, target: configured.target, message: reply.message ?? '' });
        return `not confirmed: ${reply.message ?? ''}`;
      }
      log.info('SCADA command confirmed by the field', { ioa: object.ioa, dataPoint: configured.dataPoint, target: configured.target, value: object.value, steps: reply.message ?? '' });
      return true;
    } catch (error) {
      log.warn('SCADA command failed in the field', { ioa: object.ioa, dataPoint: configured.dataPoint, target: configured.target, error: describe(error) });
      return describe(error);
    }
  }
}
