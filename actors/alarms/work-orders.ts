// Work orders for the field engineer: each order is POSTed as JSON to the work order system's
// webhook with an Idempotency-Key and retried with bounded exponential backoff until a 2xx
// arrives; the id in that answer goes back to the alarm(s). The outbox is a JSON file written
// atomically (temporary file, fsync, rename) before the first attempt and after the answer, so a
// restart neither loses a pending order nor opens a second one: it resumes the same order with
// the same Idempotency-Key, and a system that honours the key answers with the id it gave.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../core/log/logger.js';
import type { Alarm } from '../../schemas/generated/messages.js';

export interface WorkOrderSettings {
  readonly url: string;
  /** File holding a bearer token (first line), sent as `Authorization: Bearer <token>`. */
  readonly tokenFile?: string;
  readonly minSeverity: Alarm['severity'];
  /** One attempt's limit (connect, send, answer). */
  readonly timeoutMs: number;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

/** The JSON body of a work order. */
export interface WorkOrderPayload {
  readonly alarmKey: string;
  readonly severity: Alarm['severity'];
  readonly message: string;
  readonly source: string;
  readonly group: string;
  readonly category: string;
  readonly raisedAtMs: number;
  readonly value?: number;
  /** The group was in storm mode: this one order stands for every alarm of the group in the storm. */
  readonly storm: boolean;
  readonly origin: string;
}

export interface WorkOrder {
  readonly idempotencyKey: string;
  readonly payload: WorkOrderPayload;
  /** Further alarms this order stands for (a storm's other alarms of the same group). */
  readonly alsoFor: string[];
  readonly createdAtMs: number;
  attempts: number;
  state: 'pending' | 'accepted';
  workOrderId: string;
  acceptedAtMs: number;
  lastError: string;
}

interface OutboxFile {
  readonly version: 1;
  readonly orders: WorkOrder[];
}

/** Accepted orders are kept this long (so a restart still knows an alarm's order), then dropped. */
const KEEP_ACCEPTED_MS = 30 * 86_400_000;
const MAX_ACCEPTED = 10_000;

/** Stable per alarm episode: the alarm's key and the time it was raised. */
export function idempotencyKeyOf(alarmKey: string, raisedAtMs: number): string {
  return `gridlink-alarm-${createHash('sha256').update(`${alarmKey}\u0000${raisedAtMs}`).digest('hex').slice(0, 32)}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

export class WorkOrderOutbox {
  private readonly orders = new Map<string, WorkOrder>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<string>();
  private closed = false;

  /**
   * @param file the outbox file (created on first order)
   * @param onAccepted runs when the system accepted an order (the module records the id on the alarms)
   */
  constructor(
    private settings: WorkOrderSettings,
    private readonly file: string,
    private readonly log: Logger,
    private readonly onAccepted: (order: WorkOrder) => void,
  ) {
    if (!existsSync(file)) return;
    let parsed: OutboxFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as OutboxFile;
    } catch (error) {
      // Written by rename only, so this is damage from outside: refuse to start rather than lose or duplicate orders.
      throw new Error(`alarms: the work order outbox ${file} is unreadable (${describe(error)}); repair or remove it`, { cause: error });
    }
    for (const order of parsed.orders ?? []) this.orders.set(order.idempotencyKey, order);
  }

  configure(settings: WorkOrderSettings): void {
    this.settings = settings;
  }

  /** Sends what is pending (after a restart: what the last run left). */
  start(): void {
    for (const order of this.orders.values()) if (order.state === 'pending') this.schedule(order, 0);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  list(): readonly WorkOrder[] {
    return [...this.orders.values()];
  }

  pending(): number {
    let count = 0;
    for (const order of this.orders.values()) if (order.state === 'pending') count++;
    return count;
  }

  /** The newest order standing for an alarm key (its own, or one it was attached to). */
  latestFor(alarmKey: string): WorkOrder | undefined {
    let latest: WorkOrder | undefined;
    for (const order of this.orders.values()) {
      if ((order.payload.alarmKey === alarmKey || order.alsoFor.includes(alarmKey)) && (latest === undefined || order.createdAtMs >= latest.createdAtMs)) latest = order;
    }
    return latest;
  }

  /** Whether an alarm of this severity calls for an order. */
  qualifies(severity: Alarm['severity']): boolean {
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[this.settings.minSeverity];
  }

  /** Opens an order for the alarm (persisted before the first attempt). */
  open(alarm: Alarm, storm: boolean, nowMs: number): WorkOrder {
    const idempotencyKey = idempotencyKeyOf(alarm.key, alarm.raisedAtMs);
    const existing = this.orders.get(idempotencyKey);
    if (existing) return existing;
    const order: WorkOrder = {
      idempotencyKey,
      payload: {
        alarmKey: alarm.key,
        severity: alarm.severity,
        message: alarm.message ?? '',
        source: alarm.source ?? '',
        group: alarm.group ?? '',
        category: alarm.category ?? '',
        raisedAtMs: alarm.raisedAtMs,
        ...(alarm.hasValue ? { value: alarm.value } : {}),
        storm,
        origin: 'gridlink alarms',
      },
      alsoFor: [],
      createdAtMs: nowMs,
      attempts: 0,
      state: 'pending',
      workOrderId: '',
      acceptedAtMs: 0,
      lastError: '',
    };
    this.orders.set(idempotencyKey, order);
    this.persist();
    this.log.info('work order opened', { alarm: alarm.key, idempotencyKey, storm });
    this.schedule(order, 0);
    return order;
  }

  /**
   * Lets an existing order stand for another alarm too (a storm's alarms of one group, or the
   * same key raised again soon after); an accepted order's id is handed over at once.
   */
  attach(order: WorkOrder, alarmKey: string): void {
    if (order.payload.alarmKey !== alarmKey && !order.alsoFor.includes(alarmKey)) {
      order.alsoFor.push(alarmKey);
      this.persist();
    }
    if (order.state === 'accepted') this.onAccepted(order);
  }

  private schedule(order: WorkOrder, delayMs: number): void {
    if (this.closed || this.timers.has(order.idempotencyKey) || this.inFlight.has(order.idempotencyKey)) return;
    const timer = setTimeout(() => {
      this.timers.delete(order.idempotencyKey);
      void this.attempt(order);
    }, delayMs);
    this.timers.set(order.idempotencyKey, timer);
  }

  private backoffMs(attempts: number): number {
    const { initialMs, maxMs } = this.settings.retry;
    return Math.min(maxMs, initialMs * 2 ** Math.min(attempts - 1, 30));
  }

  private async attempt(order: WorkOrder): Promise<void> {
    if (this.closed || order.state !== 'pending') return;
    this.inFlight.add(order.idempotencyKey);
    order.attempts++;
    let outcome: { id: string } | { error: string; status: number };
    try {
      outcome = await this.post(order);
    } finally {
      this.inFlight.delete(order.idempotencyKey);
    }
    if (this.closed) return;
    if ('id' in outcome) {
      order.state = 'accepted';
      order.workOrderId = outcome.id;
      order.acceptedAtMs = Date.now();
      order.lastError = '';
      this.prune(order.acceptedAtMs);
      this.persist();
      this.log.info('work order accepted', { alarm: order.payload.alarmKey, workOrderId: outcome.id, attempts: order.attempts, idempotencyKey: order.idempotencyKey });
      this.onAccepted(order);
      return;
    }
    order.lastError = outcome.error;
    const retryMs = this.backoffMs(order.attempts);
    this.log.warn('work order not accepted; retrying', { alarm: order.payload.alarmKey, attempt: order.attempts, status: outcome.status, error: outcome.error, retryMs, url: this.settings.url });
    this.schedule(order, retryMs);
  }

  private async post(order: WorkOrder): Promise<{ id: string } | { error: string; status: number }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': order.idempotencyKey };
    try {
      const token = this.token();
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch(this.settings.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...order.payload, alsoFor: order.alsoFor }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      const text = await response.text();
      if (response.status < 200 || response.status > 299) return { status: response.status, error: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
      let id: unknown;
      try {
        id = (JSON.parse(text) as { id?: unknown }).id;
      } catch {
        return { status: response.status, error: `HTTP ${response.status} but the body is not JSON: ${text.slice(0, 200)}` };
      }
      if ((typeof id !== 'string' || id === '') && typeof id !== 'number') return { status: response.status, error: `HTTP ${response.status} but no "id" in the answer: ${text.slice(0, 200)}` };
      return { id: String(id) };
    } catch (error) {
      return { status: 0, error: describe(error) };
    }
  }

  /** Read at every attempt, so a rotated token is used without a restart. */
  private token(): string {
    if (!this.settings.tokenFile) return '';
    return readFileSync(this.settings.tokenFile, 'utf8').split('\n')[0]!.trim();
  }

  private prune(nowMs: number): void {
    const accepted = [...this.orders.values()].filter((o) => o.state === 'accepted').sort((a, b) => a.acceptedAtMs - b.acceptedAtMs);
    for (const [i, order] of accepted.entries()) {
      if (nowMs - order.acceptedAtMs > KEEP_ACCEPTED_MS || accepted.length - i > MAX_ACCEPTED) this.orders.delete(order.idempotencyKey);
    }
  }

  private persist(): void {
    const body: OutboxFile = { version: 1, orders: [...this.orders.values()] };
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(body, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    // The rename itself is durable only once the folder is synced.
    const dir = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}

export const SEVERITY_RANK: Record<Alarm['severity'], number> = { Info: 0, Warning: 1, Minor: 2, Major: 3, Critical: 4 };
