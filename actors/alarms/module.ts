// The alarms module: the alarm engine (core/alarms) on the bus, role `alarms`.
// Sources: RawEvents from any module on `alarms/raw`; data point rules fed from FieldValues on
// `field/values` and MeasurementEvents on `measurements`; the system's own conditions (modules
// down, restart storms, storage backlog, links down; ./system-sources.ts). Every raw event goes to
// the event log, then to flood protection and the alarm book; changes are published on
// `alarms/changes`, what flood protection lets through on `alarms/notifications` and over XMPP,
// the aggregated state on `alarms/state`. Field engineer alarms open work orders (./work-orders.ts).
// The book survives restarts (a JSON file under stateDir, written debounced by rename). See ./README.md.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Module, ReplyError, type Declarations, type MessageMeta } from '../../core/actor/index.js';
import type { AlarmChange } from '../../core/alarms/api.js';
import { AlarmBook, AlarmRequestError, groupOf } from '../../core/alarms/alarm-book.js';
import { EventLog } from '../../core/alarms/event-log.js';
import { FloodGuard } from '../../core/alarms/flood-guard.js';
import { RuleEngine } from '../../core/alarms/rules.js';
import type { ModuleRecord, RegistryChange } from '../../core/bus/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import {
  AcknowledgeAlarm,
  AlarmChanged,
  AlarmErrorReply,
  FieldValues,
  GetAlarms,
  GetRawEvents,
  GetSubstationState,
  LinkEvent,
  MeasurementEvent,
  OperatorNotification,
  RawEvent,
  ShelveAlarm,
  StorageStatus,
  SubstationState,
  SupervisorEvent,
  UnshelveAlarm,
  type Alarm,
  type AlarmErrorCode,
} from '../../schemas/generated/messages.js';
import { ModuleDirectory } from './module-directory.js';
import { RestoredRuleAlarms } from './restored-rule-alarms.js';
import { alarmsDefaults, parseAlarmsSettings, type AlarmsSettings } from './settings.js';
import { fromLinkEvent, fromRegistryLeave, fromSupervisorEvent, moduleBackEvent, RestartStorms, StorageBacklog, systemKeys } from './system-sources.js';
import { WorkOrderOutbox, type WorkOrder } from './work-orders.js';
import { XmppNotifier } from './xmpp-notifier.js';

export const ALARMS_ROLE = 'alarms';
export const RAW_TOPIC = 'alarms/raw';
export const CHANGES_TOPIC = 'alarms/changes';
export const NOTIFICATIONS_TOPIC = 'alarms/notifications';
export const STATE_TOPIC = 'alarms/state';
const FIELD_VALUES_TOPIC = 'field/values';
const FIELD_LINKS_TOPIC = 'field/links';
const SUPERVISOR_TOPIC = 'supervisor/events';
const STORAGE_STATUS_TOPIC = 'storage/status';

const BOOK_FILE = 'alarm-book.json';
const OUTBOX_FILE = 'work-orders.json';
const DEFAULT_ALARMS_LIMIT = 1000;
const DEFAULT_RAW_LIMIT = 10_000;
const MAX_RAW_LIMIT = 100_000;
/** Changes in the aggregated state are published at most this often (a storm changes it per event). */
const STATE_THROTTLE_MS = 200;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class BadRequest extends Error {}

export default class Alarms extends Module {
  static override info = { name: 'alarms', version: '1.0.0', description: 'alarms with flood protection, work orders and XMPP notifications, on role alarms' };
  static override defaults: Record<string, unknown> = { ...alarmsDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private settings: AlarmsSettings = parseAlarmsSettings(this.config, this.stateDir);
  private book = new AlarmBook();
  private guard = new FloodGuard(this.settings.flood, Date.now());
  private rules = new RuleEngine(this.settings.rules, (event) => this.ingest(event));
  private events?: EventLog;
  /** Rule alarms active at the last stop, until a value says whether they still hold. */
  private restored?: RestoredRuleAlarms;
  private outbox?: WorkOrderOutbox;
  private xmpp?: XmppNotifier;
  private readonly storms = new RestartStorms(this.settings.system);
  private readonly storage = new StorageBacklog();
  private readonly directory = new ModuleDirectory();
  /** Per group: the order its recent (or storm) field engineer alarms share. */
  private readonly groupOrders = new Map<string, { order: WorkOrder; lastAtMs: number }>();
  private unsubscribeRegistry?: () => void;
  private persistTimer?: NodeJS.Timeout;
  private stateTimer?: NodeJS.Timeout;
  /** Link-down raises waiting out system.link.downDelayMs, by alarm key. */
  private readonly pendingLinkDowns = new Map<string, NodeJS.Timeout>();
  private lastState = '';
  private stopped = false;

  override declare(on: Declarations): void {
    on.publishes(CHANGES_TOPIC, NOTIFICATIONS_TOPIC, STATE_TOPIC);
    const role = on.role(ALARMS_ROLE);
    // Every refusal is an AlarmErrorReply with a message that names what is wrong.
    const serve = <T, R>(type: RequestType<T, R>, handler: (request: T) => R): void => {
      role.on(type, (request) => {
        try {
          return handler(request);
        } catch (error) {
          throw this.errorReply(error, type.name);
        }
      });
    };
    serve(GetAlarms, (request) => ({ alarms: this.listAlarms(request) }));
    serve(AcknowledgeAlarm, (request) => {
      const by = this.who(request.by);
      return this.changed(this.book.acknowledge(request.key, by, request.comment ?? '', Date.now()), Date.now());
    });
    serve(ShelveAlarm, (request) => {
      const by = this.who(request.by);
      return this.changed(this.book.shelve(request.key, by, request.untilMs, request.comment ?? '', Date.now()), Date.now());
    });
    serve(UnshelveAlarm, (request) => {
      const by = this.who(request.by);
      return this.changed(this.book.unshelve(request.key, by, Date.now()), Date.now());
    });
    serve(GetRawEvents, (request) => this.rawEvents(request));
    serve(GetSubstationState, () => this.substationState(Date.now()));

    on.topic(RAW_TOPIC, RawEvent, (event) => this.ingest(event));
    on.topic(FIELD_VALUES_TOPIC, FieldValues, (batch) => this.fieldValues(batch));
    for (const topic of this.settings.measurementTopics) on.topic(topic, MeasurementEvent, (m) => this.evaluate(m.dataPoint, m.timestampMs, m.value, 0));
    on.topic(SUPERVISOR_TOPIC, SupervisorEvent, (event, meta) => this.supervisorEvent(event, meta));
    on.topic(STORAGE_STATUS_TOPIC, StorageStatus, (status) => {
      for (const event of this.storage.evaluate(status, this.settings.system)) this.ingest(event);
    });
    on.topic(FIELD_LINKS_TOPIC, LinkEvent, (event) => this.linkEvent(event));
  }

  override async start(): Promise<void> {
    const bookFile = join(this.stateDir, BOOK_FILE);
    if (existsSync(bookFile)) {
      try {
        this.book = AlarmBook.fromJSON(JSON.parse(readFileSync(bookFile, 'utf8')));
      } catch (error) {
        // Written by rename only: a damaged file is damage from outside. Start empty, keep the file for people.
        this.log.error('alarm book unreadable; starting with an empty one', { file: bookFile, error: describe(error) });
        renameSync(bookFile, `${bookFile}.damaged-${Date.now()}`);
      }
    }
    this.guard = new FloodGuard(this.settings.flood, Date.now());
    this.events = await EventLog.open(this.settings.dataDir, { retentionMs: this.settings.retentionMs, log: this.log.child('event-log') });
    this.restored = new RestoredRuleAlarms(this.book.list(), (dataPoint) => this.rules.rulesOf(dataPoint), (event) => this.ingest(event), Date.now());
    if (this.settings.workOrders) {
      this.outbox = new WorkOrderOutbox(this.settings.workOrders, join(this.stateDir, OUTBOX_FILE), this.log.child('work-orders'), (order) =>
        this.context.mailbox.post(() => this.workOrderAccepted(order)),
      );
      this.replayAcceptedOrders();
      this.outbox.start();
    }
    if (this.settings.xmpp) {
      this.xmpp = new XmppNotifier(this.settings.xmpp, this.log.child('xmpp'));
      await this.xmpp.start();
    }
    const bus = this.context.bus();
    for (const record of bus.registry.list()) this.directory.seen(record);
    const subscription = bus.changes.subscribe((change) => this.context.mailbox.post(() => this.registryChanged(change)));
    this.unsubscribeRegistry = () => subscription.unsubscribe();
    this.every(this.settings.tickMs, () => this.tick());
    this.every(this.settings.stateIntervalMs, () => this.publishState(true));
    this.publishState(true);
    const alarms = this.book.list();
    this.log.info('alarms ready', {
      rules: this.settings.rules.length,
      alarms: alarms.length,
      active: alarms.filter((a) => a.active).length,
      graceMs: this.settings.flood.graceMs,
      eventLog: this.settings.dataDir,
      workOrders: this.settings.workOrders?.url ?? '(off)',
      pendingWorkOrders: this.outbox?.pending() ?? 0,
      xmpp: this.settings.xmpp ? this.settings.xmpp.to.join(',') : '(off)',
    });
  }

  override configChanged(next: Record<string, unknown>): void {
    let settings: AlarmsSettings;
    try {
      settings = parseAlarmsSettings(next, this.stateDir);
    } catch (error) {
      this.log.error('alarms settings change ignored', { error: describe(error) });
      return;
    }
    const previous = this.settings;
    this.settings = settings;
    if (JSON.stringify(previous.rules) !== JSON.stringify(settings.rules)) this.rules = new RuleEngine(settings.rules, (event) => this.ingest(event));
    this.storms.configure(settings.system);
    if (settings.workOrders) this.outbox?.configure(settings.workOrders);
    const later = ['dataDir', 'retentionMs', 'flood', 'tickMs', 'stateIntervalMs', 'measurementTopics', 'xmpp'] as const;
    const changed = later.filter((key) => JSON.stringify(previous[key]) !== JSON.stringify(settings[key]));
    if (changed.length > 0 || Boolean(previous.workOrders) !== Boolean(settings.workOrders)) this.log.warn('some settings take effect at the next start', { settings: changed.join(', ') });
    this.log.info('alarms settings applied', { rules: settings.rules.length });
  }

  /**
   * A link that goes Down is raised only if it is still down after downDelayMs: a reconnecting RTU
   * or a control centre that dials again is not worth an alarm. Up within the delay cancels it.
   */
  private linkEvent(event: LinkEvent): void {
    const raw = fromLinkEvent(event, Date.now(), this.settings.system);
    if (!raw) return;
    const pending = this.pendingLinkDowns.get(raw.key);
    if (raw.kind === 'Raise') {
      const delayMs = this.settings.system.link.downDelayMs;
      if (delayMs === 0) return this.ingest(raw);
      if (pending) return; // the first Down's delay runs on
      const timer = setTimeout(() => {
        this.pendingLinkDowns.delete(raw.key);
        this.ingest(raw);
      }, delayMs);
      timer.unref();
      this.pendingLinkDowns.set(raw.key, timer);
      return;
    }
    if (pending) {
      clearTimeout(pending);
      this.pendingLinkDowns.delete(raw.key);
    }
    // Up or Stopped of a link that was never raised: nothing to clear, nothing to log.
    if (this.book.get(raw.key)?.active) this.ingest(raw);
  }

  override async release(): Promise<void> {
    for (const timer of this.pendingLinkDowns.values()) clearTimeout(timer);
    this.pendingLinkDowns.clear();
    this.stopped = true;
    await super.release();
    this.unsubscribeRegistry?.();
    clearTimeout(this.stateTimer);
    if (this.persistTimer !== undefined) {
      clearTimeout(this.persistTimer);
      this.persistTimer = undefined;
      this.persistBook();
    }
    this.outbox?.close();
    await Promise.all([this.events?.close().catch((error: unknown) => this.log.error('event log not closed cleanly', { error: describe(error) })), this.xmpp?.close()]);
  }

  // ------------------------------------------------------------ the pipeline

  /** Every raw event, whatever its source: logged, counted for storms, applied to the book. */
  private ingest(event: RawEvent): void {
    if (this.stopped) return;
    const now = Date.now();
    const stored: RawEvent = Number.isFinite(event.atMs) && event.atMs > 0 ? event : { ...event, atMs: now };
    if (stored.key === '') {
      this.log.warn('raw event without a key ignored', { source: stored.source ?? '' });
      return;
    }
    this.events?.append(stored);
    if (stored.kind === 'Raise' && this.restored !== undefined && this.restored.size > 0) this.restored.raisedAgain(stored.key);
    this.guard.observe(stored, now);
    const change = this.book.apply(stored);
    if (change) this.changed(change, now);
  }

  /** Publishes a change, lets flood protection decide on notifications, opens work orders. */
  private changed(change: AlarmChange, now: number): Alarm {
    this.publish(CHANGES_TOPIC, AlarmChanged, { alarm: change.alarm, previous: change.previous, isNew: change.isNew });
    for (const notification of this.guard.consider(change, now)) this.notify(notification);
    this.maybeOpenWorkOrder(change, now);
    this.schedulePersist();
    this.stateChanged();
    return change.alarm;
  }

  private notify(notification: OperatorNotification): void {
    this.publish(NOTIFICATIONS_TOPIC, OperatorNotification, notification);
    if (notification.text) this.xmpp?.notify(notification.text);
    this.log.info('notification', { kind: notification.kind, group: notification.group, text: notification.text });
  }

  private fieldValues(batch: FieldValues): void {
    const names = batch.dataPoints ?? [];
    const times = batch.timestampsMs ?? [];
    const values = batch.values ?? [];
    const qualities = batch.qualities;
    const n = Math.min(names.length, times.length, values.length);
    if (n !== names.length || n !== times.length || n !== values.length) {
      this.log.warn('FieldValues with lists of different lengths: the common part is used', { gateway: batch.gateway ?? '', link: batch.link ?? '', dataPoints: names.length, timestamps: times.length, values: values.length });
    }
    for (let i = 0; i < n; i++) this.evaluate(names[i]!, times[i]!, values[i]!, qualities?.[i] ?? 0);
  }

  private evaluate(dataPoint: string, timestampMs: number, value: number, quality: number): void {
    this.rules.evaluate(dataPoint, timestampMs, value, quality);
    if (this.restored !== undefined && this.restored.size > 0) this.restored.value(dataPoint, timestampMs, value, quality, (event) => this.ingest(event));
  }

  private tick(): void {
    const now = Date.now();
    this.rules.tick(now);
    for (const change of this.book.expireShelves(now)) this.changed(change, now);
    for (const event of this.storms.quiet(now)) this.ingest(event);
    for (const notification of this.guard.tick(now, this.book.list())) this.notify(notification);
    const storms = this.guard.stormGroups();
    const window = this.settings.flood.stormWindowMs;
    for (const [group, shared] of this.groupOrders) if (!storms.has(group) && now - shared.lastAtMs > window) this.groupOrders.delete(group);
    this.stateChanged();
  }

  // ------------------------------------------------------------ requests

  private who(by: string | undefined): string {
    if (by === undefined || by.trim() === '') throw new BadRequest('"by" must name who does it (an operator or a module)');
    return by;
  }

  private listAlarms(request: GetAlarms): Alarm[] {
    const states = request.states ?? [];
    const audiences = request.audienceFilter ?? [];
    const prefix = request.keyPrefix ?? '';
    const limit = request.limit === 0 ? DEFAULT_ALARMS_LIMIT : request.limit;
    return this.book
      .list()
      .filter((a) => (states.length === 0 ? a.state !== 'Cleared' : states.includes(a.state)) && (audiences.length === 0 || audiences.includes(a.audience)) && a.key.startsWith(prefix))
      .sort((a, b) => b.updatedAtMs - a.updatedAtMs)
      .slice(0, limit);
  }

  private rawEvents(request: GetRawEvents): { events: RawEvent[]; truncated: boolean } {
    const limit = request.limit === 0 ? DEFAULT_RAW_LIMIT : request.limit;
    if (limit > MAX_RAW_LIMIT) throw new BadRequest(`limit ${limit} is above ${MAX_RAW_LIMIT}: ask page by page (from the last event's time)`);
    // to_ms 0: up to now and beyond (events stamped by a source with a clock ahead).
    const toMs = request.toMs === 0 ? Number.MAX_SAFE_INTEGER : request.toMs;
    if (!Number.isFinite(request.fromMs) || !Number.isFinite(toMs) || request.fromMs > toMs) {
      throw new BadRequest(`the span from_ms ${request.fromMs} to to_ms ${request.toMs} is inverted or not finite`);
    }
    if (!this.events) throw new Error('the event log is not open yet');
    return this.events.query({ fromMs: request.fromMs, toMs, limit, ...(request.keyPrefix ? { keyPrefix: request.keyPrefix } : {}), ...(request.group ? { group: request.group } : {}) });
  }

  private substationState(now: number): SubstationState {
    return this.book.state(now, this.guard.inGrace(now), this.guard.stormGroups());
  }

  private errorReply(error: unknown, request: string): ReplyError<AlarmErrorReply> {
    let code: AlarmErrorCode = 'Unknown';
    let message = describe(error);
    if (error instanceof AlarmRequestError) code = error.code;
    else if (error instanceof BadRequest) code = 'InvalidArgument';
    else {
      message = `${request} failed: ${message}`;
      this.log.error('request failed', { request, error: message });
    }
    return new ReplyError(AlarmErrorReply, { code, message }, message);
  }

  // ------------------------------------------------------------ system sources

  private registryChanged(change: RegistryChange): void {
    const record = change.record;
    const bus = this.context.bus();
    if (record.id === bus.id) return;
    const now = Date.now();
    if (change.kind === 'leave') {
      this.directory.left(record, now);
      // A restarted module already back (its new record seen first): the old one's leave says nothing.
      if (this.directory.liveNamed(record.host, record.name, record.id)) return;
      const event = fromRegistryLeave(record, change.reason, now, this.settings.system);
      if (event) this.ingest(event);
      return;
    }
    this.directory.seen(record);
    if (record.state === 'running') this.moduleBack(record, now);
  }

  private moduleBack(record: ModuleRecord, now: number): void {
    if (!this.book.get(systemKeys.moduleDown(record.host, record.name))?.active) return;
    this.ingest(moduleBackEvent(record.host, record.name, now, this.settings.system));
  }

  private supervisorEvent(event: SupervisorEvent, meta: MessageMeta): void {
    // The agent that published it says which host's pids these are.
    const agent = this.directory.get(meta.sender) ?? this.context.bus().registry.get(meta.sender);
    const module = agent ? this.directory.child(agent.hostKey, event.child ?? '', event.pid) : undefined;
    if (event.kind === 'Exited' && module && this.directory.liveNamed(module.host, module.name, module.id)) return; // already back
    const host = module?.host ?? event.host ?? '';
    for (const raw of fromSupervisorEvent({ ...event, host }, module?.name, this.storms, this.settings.system)) {
      // A clear for an alarm that is not active would only add noise to the raw event log.
      if (raw.kind === 'Clear' && !this.book.get(raw.key)?.active) continue;
      this.ingest(raw);
    }
  }

  // ------------------------------------------------------------ work orders

  /**
   * Every field engineer alarm raised at or above minSeverity gets an order, once: a new alarm
   * only (re-raises of one that is there only count). A group in storm mode, or with an order
   * opened within the storm window, shares that one order (one common cause, one visit); a key
   * raised again within reuseWithinMs of its last order gets that order again.
   */
  private maybeOpenWorkOrder(change: AlarmChange, now: number): void {
    const outbox = this.outbox;
    const settings = this.settings.workOrders;
    const alarm = change.alarm;
    if (!outbox || !settings || !change.isNew || alarm.audience !== 'FieldEngineer' || alarm.state !== 'Raised' || !alarm.active) return;
    if (!outbox.qualifies(alarm.severity) || (alarm.workOrderId ?? '') !== '') return;
    const previous = outbox.latestFor(alarm.key);
    if (previous && now - previous.createdAtMs <= settings.reuseWithinMs) {
      outbox.attach(previous, alarm.key);
      return;
    }
    const group = groupOf(alarm);
    const storm = this.guard.stormGroups().has(group);
    const shared = this.groupOrders.get(group);
    if (shared && (storm || now - shared.lastAtMs <= this.settings.flood.stormWindowMs)) {
      shared.lastAtMs = now;
      outbox.attach(shared.order, alarm.key);
      return;
    }
    this.groupOrders.set(group, { order: outbox.open(alarm, storm, now), lastAtMs: now });
  }

  /** The system accepted an order: its id on every alarm it stands for. */
  private workOrderAccepted(order: WorkOrder): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const key of [order.payload.alarmKey, ...order.alsoFor]) {
      const change = this.book.setWorkOrder(key, order.workOrderId);
      if (change) this.changed(change, now);
    }
  }

  /** After a restart: ids accepted while the book was not yet written, each key from its newest order only. */
  private replayAcceptedOrders(): void {
    const newest = new Map<string, WorkOrder>();
    for (const order of [...this.outbox!.list()].sort((a, b) => a.createdAtMs - b.createdAtMs)) {
      for (const key of [order.payload.alarmKey, ...order.alsoFor]) newest.set(key, order);
    }
    for (const [key, order] of newest) {
      if (order.state !== 'accepted' || (this.book.get(key)?.workOrderId ?? '') !== '') continue;
      if (this.book.setWorkOrder(key, order.workOrderId)) this.schedulePersist();
    }
  }

  // ------------------------------------------------------------ state and persistence

  private stateChanged(): void {
    if (this.stateTimer !== undefined || this.stopped) return;
    this.stateTimer = setTimeout(() => {
      this.context.mailbox.post(() => {
        this.stateTimer = undefined;
        this.publishState(false);
      });
    }, STATE_THROTTLE_MS);
  }

  private publishState(always: boolean): void {
    if (this.stopped) return;
    const state = this.substationState(Date.now());
    const comparable = JSON.stringify({ ...state, atMs: 0 });
    if (!always && comparable === this.lastState) return;
    this.lastState = comparable;
    this.publish(STATE_TOPIC, SubstationState, state);
  }

  private schedulePersist(): void {
    if (this.persistTimer !== undefined || this.stopped) return;
    this.persistTimer = setTimeout(() => {
      this.context.mailbox.post(() => {
        this.persistTimer = undefined;
        this.persistBook();
      });
    }, this.settings.persistDelayMs);
  }

  /** Temporary file, fsync, rename, folder fsync: the file is always one whole book. */
  private persistBook(): void {
    const file = join(this.stateDir, BOOK_FILE);
    try {
      mkdirSync(this.stateDir, { recursive: true });
      const temp = `${file}.tmp`;
      const fd = openSync(temp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify(this.book.toJSON()));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, file);
      const dir = openSync(this.stateDir, 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch (error) {
      this.log.error('alarm book not written; trying again', { file, error: describe(error) });
      this.schedulePersist();
    }
  }
}
