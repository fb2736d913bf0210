// The IEC 60870-5-104 gateway. Field side: one controlling station per configured RTU link
// (dialing it, or taking its connection in server mode), whose mapped values are stored through
// role `storage` (AddEntryBatch, with a quality companion per data point) and published on
// `field/values`; link states go to `field/links`; FieldCommand on role `iec104-gateway` is sent
// to the RTU holding the command point. SCADA side (optional): a controlled station serving chosen
// data points and the substation's alarm state to the control centre, passing the commands the
// configuration permits to the bus. Settings, stored names, events and limits: ./README.md.

import { Module, replyLater, type Declarations } from '../../core/actor/index.js';
import { RecipientFailureError } from '../../core/bus/errors.js';
import { waitForRole } from '../../core/grid/serving/wait-for-role.js';
import {
  AlarmChanged,
  FieldCommand,
  FieldErrorReply,
  FieldValues,
  GetAlarms,
  GetLinks,
  GetSubstationState,
  LinkEvent,
  MeasurementEvent,
  SubstationState,
  type FieldCommandReply,
  type LinkInfo,
} from '../../schemas/generated/messages.js';
import { CommandRouter, fieldError } from './command-router.js';
import { FieldIntake, qualityDataPoint } from './field-intake.js';
import { FieldLink } from './field-link.js';
import { PointMap } from './point-map.js';
import { ScadaUplink } from './scada-uplink.js';
import { gatewayDefaults, parseGatewaySettings, type GatewaySettings, type LinkSetting } from './settings.js';
import { StoreBatcher } from './store-batcher.js';
import { busStorageClient, type DataPointSpec } from './storage-client.js';

export const GATEWAY_ROLE = 'iec104-gateway';
/** The role of a gateway with only the SCADA uplink (see README: why not iec104-gateway). */
export const UPLINK_ROLE = 'iec104-uplink';
export const VALUES_TOPIC = 'field/values';
export const LINKS_TOPIC = 'field/links';
export const MEASUREMENTS_TOPIC = 'measurements';
export const ALARM_STATE_TOPIC = 'alarms/state';
export const ALARM_CHANGES_TOPIC = 'alarms/changes';
const STORAGE_ROLE = 'storage';
/** How long a stopping gateway tries to hand its waiting values to storage. */
const FINAL_FLUSH_MS = 3000;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The data points a link writes: each mapped point and its quality companion. */
export function linkDataPoints(link: LinkSetting): DataPointSpec[] {
  return link.points.flatMap((p) => [
    { name: p.dataPoint, tags: ['iec104', link.name], description: `IEC 104 link ${link.name}, common address ${p.commonAddress}, IOA ${p.ioa}` },
    { name: qualityDataPoint(p.dataPoint), tags: ['iec104', link.name, 'quality'], description: `quality bits of ${p.dataPoint} (0 good; 1 OV, 2 EI, 16 BL, 32 SB, 64 NT, 128 IV), written when they change` },
  ]);
}

export default class Iec104Gateway extends Module {
  static override info = { name: 'iec104-gateway', version: '1.0.0', description: 'IEC 60870-5-104 gateway: RTU links into storage and field/values, commands to RTUs, SCADA uplink' };
  static override defaults: Record<string, unknown> = { ...gatewayDefaults };

  // Checked when the module is constructed: a bad setting stops the start with every problem listed.
  private readonly settings: GatewaySettings = parseGatewaySettings(this.config);
  private batcher?: StoreBatcher;
  private readonly links: FieldLink[] = [];
  private readonly intakes: FieldIntake[] = [];
  private router?: CommandRouter;
  private uplink?: ScadaUplink;

  override declare(on: Declarations): void {
    on.publishes(VALUES_TOPIC, LINKS_TOPIC);
    if (this.settings.links.length > 0) {
      on.role(GATEWAY_ROLE)
        .on(GetLinks, () => ({ links: this.linkInfos() }))
        .on(FieldCommand, (request) => {
          const router = this.router;
          if (!router) throw fieldError('Unavailable', 'the gateway is starting');
          return replyLater(router.route(request));
        });
    } else {
      on.role(UPLINK_ROLE).on(GetLinks, () => ({ links: this.linkInfos() }));
    }
    if (this.settings.scada !== undefined) {
      on.topic(VALUES_TOPIC, FieldValues, (values) => this.uplink?.takeFieldValues(values));
      on.topic(MEASUREMENTS_TOPIC, MeasurementEvent, (event) => this.uplink?.takeMeasurement(event));
      on.topic(ALARM_STATE_TOPIC, SubstationState, (state) => this.uplink?.takeState(state));
      if (this.settings.scada.state.alarms.length > 0) on.topic(ALARM_CHANGES_TOPIC, AlarmChanged, (change) => this.uplink?.takeAlarms([change.alarm], false));
    }
  }

  override configChanged(): void {
    this.log.warn('iec104-gateway settings changed: they take effect at the next start (links and the uplink hold connections)');
  }

  override async start(): Promise<void> {
    const settings = this.settings;
    const name = GATEWAY_ROLE;
    if (settings.links.length > 0) {
      this.batcher = new StoreBatcher({
        client: busStorageClient((type, value, timeoutMs) => this.requestOrThrow(STORAGE_ROLE, type, value, { timeoutMs }), settings.storageTimeoutMs),
        log: this.log.child('store'),
        dataPoints: settings.links.flatMap(linkDataPoints),
        flushIntervalMs: settings.flushIntervalMs,
        maxBatch: settings.maxBatch,
        maxPending: settings.maxPending,
        retryMaxMs: settings.storageRetryMaxMs,
      });
      // Storage may be discovered a moment after us: give it that moment before the first CreateDataPoint.
      void waitForRole(this.context.bus().registry, STORAGE_ROLE, 2000).then(() => this.batcher?.start());
    }
    const batcher = this.batcher;
    const store = (dataPoint: string, timestampMs: number, value: number): void => batcher?.add(dataPoint, timestampMs, value);
    for (const setting of settings.links) {
      const log = this.log.child(setting.name);
      const intake = new FieldIntake(name, new PointMap(setting), store, (values) => this.publish(VALUES_TOPIC, FieldValues, values), settings.maxBatch, log);
      const link = new FieldLink(setting, {
        gateway: name,
        log,
        interrogationTimeoutMs: settings.interrogationTimeoutMs,
        onAsdu: (asdu) => void intake.take(asdu),
        onState: (info) => this.linkChanged(info),
      });
      this.intakes.push(intake);
      this.links.push(link);
      await link.start();
    }
    this.router = new CommandRouter(this.links, settings.commandTimeoutMs, this.log.child('commands'));
    if (this.intakes.length > 0) this.every(settings.flushIntervalMs, () => this.publishLive());
    if (settings.scada !== undefined) await this.startUplink(settings);
    this.log.info('iec104 gateway running', {
      links: settings.links.map((l) => `${l.name}:${l.mode}:${l.host}:${l.port}`).join(',') || '(none)',
      points: settings.links.reduce((n, l) => n + l.points.length, 0),
      commands: settings.links.reduce((n, l) => n + l.commands.length, 0),
      scada: this.uplink ? `${settings.scada?.host}:${this.uplink.port}` : '(none)',
    });
  }

  override async release(): Promise<void> {
    await super.release();
    await Promise.all(this.links.map((link) => link.stop().catch(() => undefined)));
    this.publishLive();
    await this.uplink?.stop().catch(() => undefined);
    if (this.batcher) {
      const left = await this.batcher.stop(FINAL_FLUSH_MS);
      const counters = this.batcher.counters;
      const fields = { stored: counters.stored, left, dropped: counters.dropped, refused: counters.refused };
      if (left > 0) this.log.warn('stopping with values storage did not take', fields);
      else this.log.info('store batcher stopped', fields);
    }
  }

  private async startUplink(settings: GatewaySettings): Promise<void> {
    const scada = settings.scada;
    if (!scada) return;
    this.uplink = new ScadaUplink({
      setting: scada,
      gateway: GATEWAY_ROLE,
      log: this.log.child(`scada`),
      onState: (info) => this.linkChanged(info),
      sendCommand: (target, command) => this.fieldCommand(target, command, settings.commandTimeoutMs),
    });
    await this.uplink.start();
    if (settings.alarmsRole !== '') void this.askSubstationState(settings.alarmsRole);
  }

  /** FieldCommand over the bus; a FieldErrorReply becomes an Error with its code and message. */
  private async fieldCommand(target: string, command: FieldCommand, commandTimeoutMs: number): Promise<FieldCommandReply> {
    try {
      // The field gateway's own wait for the RTU is commandTimeoutMs: give its answer time to come back.
      return await this.requestOrThrow(target, FieldCommand, command, { timeoutMs: commandTimeoutMs + 2000 });
    } catch (error) {
      if (error instanceof RecipientFailureError && error.replyType === FieldErrorReply.name) {
        const reply = FieldErrorReply.decode(error.replyBody);
        throw new Error(`${target} answered ${reply.code}: ${reply.message ?? ''}`);
      }
      throw error;
    }
  }

  /** The state the uplink serves until the first publication on alarms/state: asked once, if the alarms module is there. */
  private async askSubstationState(role: string): Promise<void> {
    if (!(await waitForRole(this.context.bus().registry, role, 2000))) return void this.log.info('no alarms module yet: the state points stay invalid until alarms/state is published', { role });
    try {
      const state = await this.requestOrThrow(role, GetSubstationState, {}, { timeoutMs: 5000 });
      this.uplink?.takeState(state);
      if (this.settings.scada?.state.alarms.length) {
        // Active alarms now (not cleared); later changes come on alarms/changes.
        const active = await this.requestOrThrow(role, GetAlarms, { states: ['Raised', 'Acknowledged', 'Shelved'], audienceFilter: [], limit: 0 }, { timeoutMs: 5000 });
        this.uplink?.takeAlarms(active.alarms ?? [], true);
      }
    } catch (error) {
      this.log.info('substation state not available yet', { role, error: describe(error) });
    }
  }

  private publishLive(): void {
    for (const intake of this.intakes) intake.publishLive();
  }

  private linkChanged(info: LinkInfo): void {
    this.log.info('link state', { link: info.link ?? '', side: info.side, state: info.state, peer: info.peer ?? '', message: info.message ?? '' });
    try {
      this.publish(LINKS_TOPIC, LinkEvent, { link: info });
    } catch (error) {
      this.log.warn('link event not published', { error: describe(error) });
    }
  }

  private linkInfos(): LinkInfo[] {
    return [...this.links.map((link) => link.info()), ...(this.uplink ? [this.uplink.info()] : [])];
  }
}
