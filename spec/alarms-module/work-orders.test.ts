/**
 * Work orders from the real alarms module to a test webhook (spec/support/work-order-endpoint.ts):
 * a grid alarm from a threshold rule on FieldValues opens exactly one work order at an endpoint
 * that refuses the first 2 attempts, and the alarm then carries the order's id; a restart of the
 * module (SIGKILL) while an order is pending still ends with exactly one order; alarms below
 * minSeverity or for the administrator open none; a burst on one feeder shares one order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldValues, GetAlarms, RawEvent, type Alarm } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { startWorkOrderEndpoint, type WorkOrderEndpoint } from '../support/work-order-endpoint.js';
import { countLines, removeTempDirs, tempDir, TestPeer, until, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { AlarmsListener, ask, startAlarms, untilSubscribed, type RunningAlarms } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let listener: AlarmsListener;
let endpoint: WorkOrderEndpoint;
let alarms: RunningAlarms;
let settings: Record<string, unknown>;

function values(dataPoint: string, value: number): FieldValues {
  return { gateway: 'iec104-gateway', link: 'rtu-1', dataPoints: [dataPoint], timestampsMs: [Date.now()], values: [value], qualities: new Uint8Array([0]) };
}

/** Publishes the value until the alarm it raises is on alarms/changes (the first publications may precede the subscription). */
async function raiseBy(dataPoint: string, value: number, key: string): Promise<void> {
  await untilSubscribed(() => peer.bus.publish('field/values', FieldValues, values(dataPoint, value)), () => listener.changes.some((c) => c.alarm.key === key), `FieldValues raising ${key}`);
}

/** The alarm as GetAlarms lists it, asked until it carries a work order id. */
async function idOnAlarm(key: string): Promise<Alarm> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = ((await ask(peer, GetAlarms, { keyPrefix: key, limit: 0 })).alarms ?? [])[0];
    if (found && (found.workOrderId ?? '') !== '') return found;
    if (Date.now() > deadline) throw new Error(`no work order id on ${key} within 10 s: ${JSON.stringify(found)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const requestsFor = (key: string) => endpoint.requests.filter((r) => r.body?.alarmKey === key);

beforeAll(async () => {
  domain = await newDomain('alarms-work-orders');
  peer = await TestPeer.start(domain);
  listener = new AlarmsListener(peer);
  endpoint = await startWorkOrderEndpoint({ failFirst: 2 });
  const dir = tempDir('alarms-wo');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'secret-token\n');
  settings = {
    flood: { graceMs: 0 },
    persistDelayMs: 100,
    rules: [
      { id: 'high', kind: 'threshold', dataPoints: ['F6/*', 'F7/*', 'F8/*', 'F9/*'], high: 250, hysteresis: 5, severity: 'Major', message: '{dataPoint} at {value} V above {limit} V' },
      { id: 'warm', kind: 'threshold', dataPoints: ['F7/mp-1/temperature'], high: 80, hysteresis: 2, severity: 'Minor' },
    ],
    workOrders: { url: endpoint.url, tokenFile, minSeverity: 'Major', timeoutMs: 2000, retry: { initialMs: 200, maxMs: 1000 } },
  };
  alarms = await startAlarms(peer, domain, settings, dir);
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  await endpoint?.close();
  removeTempDirs();
});

describe('work orders', () => {
  it('a grid alarm from a threshold rule opens exactly one order at an endpoint that fails twice, and carries its id', async () => {
    const key = 'dp:F7/mp-1/voltage:high';
    await raiseBy('F7/mp-1/voltage', 262, key);
    const alarm = await listener.waitAlarm(key, (a) => (a.workOrderId ?? '') !== '', 'the alarm with its work order id', 15_000);
    const requests = requestsFor(key);
    expect(requests.map((r) => r.status)).toEqual([503, 503, 201]);
    expect(new Set(requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(requests[0]!.idempotencyKey).toMatch(/^gridlink-alarm-[0-9a-f]{32}$/);
    expect(requests.every((r) => r.authorization === 'Bearer secret-token')).toBe(true);
    expect(requests[2]!.body).toMatchObject({ alarmKey: key, severity: 'Major', source: 'F7/mp-1/voltage', group: 'feeder:F7', raisedAtMs: alarm.raisedAtMs, value: 262 });
    expect(String(requests[2]!.body!.message)).toContain('262');
    expect(alarm.workOrderId).toBe(endpoint.orders.get(requests[0]!.idempotencyKey));
    const [listed] = (await ask(peer, GetAlarms, { keyPrefix: key, limit: 0 })).alarms ?? [];
    expect(listed!.workOrderId).toBe(alarm.workOrderId);
    // Each refused attempt was logged at warn with its status.
    expect(countLines(alarms.process, /WARN .*work order not accepted; retrying.*status=503/)).toBe(2);
  });

  it('opens none below minSeverity, for the administrator, or for a re-raise', async () => {
    await raiseBy('F7/mp-1/temperature', 85, 'dp:F7/mp-1/temperature:warm');
    peer.bus.publish('alarms/raw', RawEvent, { key: 'module:host-x/grm:down', kind: 'Raise', severity: 'Critical', audience: 'Administrator', category: 'module', source: 'host-x/grm', group: 'host:host-x', message: 'grm down', value: 0, hasValue: false, atMs: Date.now() });
    await listener.waitAlarm('module:host-x/grm:down', () => true, 'the administrator alarm');
    // A re-raise of the voltage alarm (back inside, out again without clearing: 248 is within the hysteresis).
    peer.bus.publish('field/values', FieldValues, values('F7/mp-1/voltage', 248));
    peer.bus.publish('field/values', FieldValues, values('F7/mp-1/voltage', 270));
    // A sentinel that does open one, published last: once it is there, the others were decided.
    await raiseBy('F8/mp-9/voltage', 255, 'dp:F8/mp-9/voltage:high');
    await until(() => requestsFor('dp:F8/mp-9/voltage:high').some((r) => r.status === 201), 'the sentinel order');
    const keys = new Set(endpoint.requests.map((r) => r.body?.alarmKey));
    expect([...keys].sort()).toEqual(['dp:F7/mp-1/voltage:high', 'dp:F8/mp-9/voltage:high']);
    expect(endpoint.orders.size).toBe(2);
  });

  it('a restart (SIGKILL) while an order is pending still ends with exactly one order', async () => {
    const key = 'dp:F6/mp-2/voltage:high';
    endpoint.failNext(1_000_000);
    await raiseBy('F6/mp-2/voltage', 275, key);
    await until(() => requestsFor(key).length >= 2, 'two refused attempts', 10_000);
    // Past the book's debounce, then killed hard while the order is still pending.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await alarms.process.kill('SIGKILL');
    await peer.gone('alarms', 15_000);
    const refusedBefore = requestsFor(key).length;
    endpoint.failNext(1);
    alarms = await startAlarms(peer, domain, settings, alarms.dir);
    const done = await until(() => requestsFor(key).find((r) => r.status === 201), 'the order accepted after the restart', 15_000);
    const listed = await idOnAlarm(key);
    const requests = requestsFor(key);
    expect(requests.length).toBeGreaterThan(refusedBefore);
    expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([done.idempotencyKey]));
    expect(requests.filter((r) => r.status === 201 || r.status === 200)).toHaveLength(1);
    expect(endpoint.orders.size).toBe(3);
    expect(listed.workOrderId).toBe(endpoint.orders.get(done.idempotencyKey));
    // The rules start fresh after a restart (they never saw this alarm raised); the restored alarm still clears once a value is back inside.
    await untilSubscribed(() => peer.bus.publish('field/values', FieldValues, values('F6/mp-2/voltage', 230)), () => listener.changes.some((c) => c.alarm.key === key && c.alarm.state === 'Cleared'), 'the value that clears the restored alarm');
  });

  it('a burst of alarms on one feeder shares one order, and each alarm carries its id', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `dp:F9/mp-${i}/voltage:high`);
    await raiseBy('F9/mp-0/voltage', 300, keys[0]!);
    for (let i = 1; i < keys.length; i++) peer.bus.publish('field/values', FieldValues, values(`F9/mp-${i}/voltage`, 300 + i));
    for (const key of keys) await listener.waitAlarm(key, (a) => (a.workOrderId ?? '') !== '', 'a burst alarm with its order id', 10_000);
    const ids = new Set(((await ask(peer, GetAlarms, { keyPrefix: 'dp:F9/', limit: 0 })).alarms ?? []).map((a) => a.workOrderId));
    expect(ids.size).toBe(1);
    const orders = endpoint.requests.filter((r) => r.body?.group === 'feeder:F9');
    expect(new Set(orders.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(endpoint.orders.size).toBe(4);
  });
});
