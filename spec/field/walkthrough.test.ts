/**
 * The field walkthrough of the README, step by step, as a new user types it — every step a real
 * process: the simulated RTU (`gridlink iec104 rtu`), the substation (`gridlink up
 * supervisor/examples/field.json`: storage, alarms, iec104-gateway), then the CLI: `alarms state`
 * until it answers, `iec104 interrogate` of the SCADA uplink (points and aggregated state), the
 * breaker operated through the uplink and through `gridlink request ... FieldCommand`, a voltage
 * pushed beyond the band by a set point through the uplink, the alarm in `alarms list` and as a
 * notification in `alarms watch`, `alarms ack`, and the clearing that notifies nobody.
 *
 * The example's ports are fixed (RTU 2404, uplink 2405): the test fails at once, saying so, when
 * something else holds them.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm, OperatorNotification, SubstationState } from '../../schemas/generated/messages.js';
import { killAll, repoRoot, type LineProcess } from '../support/processes.js';
import { domainFlags, removeTempDirs, startGridlink, tempDir, until, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { assertCliBuilt, runCli, type CliResult } from '../cli/helpers.js';

const TREE = join(repoRoot, 'supervisor', 'examples', 'field.json');
const U_BAND = 'dp:F1/u:u-band';

interface ObjectLine {
  type: string;
  ioa: number;
  value: number;
  quality: string[];
}

let domain: Domain;
let workDir: string;
let rtu: LineProcess;
let agent: LineProcess;
let watch: LineProcess;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `gridlink <args>` on the walkthrough's bus (bus commands get --port/--cluster of the test's domain). */
function gridlink(...args: string[]): Promise<CliResult> {
  const bus = args[0] === 'alarms' || args[0] === 'request' ? domainFlags(domain) : [];
  return runCli([...args, ...bus]);
}

async function ok(...args: string[]): Promise<string> {
  const result = await gridlink(...args);
  expect(result.code, `gridlink ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

async function uplink(): Promise<Map<number, ObjectLine>> {
  const document = JSON.parse(await ok('iec104', 'interrogate', '--port', '2405', '--json')) as { objects: ObjectLine[] };
  return new Map(document.objects.map((o) => [o.ioa, o]));
}

async function state(): Promise<SubstationState> {
  return JSON.parse(await ok('alarms', 'state', '--json')) as SubstationState;
}

async function alarm(key: string, states = 'all'): Promise<Alarm | undefined> {
  const list = JSON.parse(await ok('alarms', 'list', '--json', '--state', states, '--prefix', key)) as Alarm[];
  return list.find((a) => a.key === key);
}

/** Polls an async check every 300 ms until it returns a value. */
async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function rtuSaw(match: (event: Record<string, unknown>) => boolean): boolean {
  return rtu.events.some(match);
}

function notificationsOf(key: string): OperatorNotification[] {
  return (watch.events as unknown as OperatorNotification[]).filter((n) => n.alarm?.key === key);
}

beforeAll(async () => {
  assertCliBuilt();
  for (const port of [2404, 2405]) {
    if (!(await portFree(port))) throw new Error(`TCP port ${port} is in use: the field example (supervisor/examples/field.json) needs 2404 and 2405`);
  }
  domain = await newDomain('field-walkthrough');
  // The user's working directory: .gridlink/field (storage, alarm events, alarm book) and .gridlink/logs go there.
  workDir = tempDir('field-walkthrough');
});

afterAll(async () => {
  for (const proc of [watch, agent, rtu]) proc?.child.kill('SIGINT');
  await Promise.all([watch, agent, rtu].map((proc) => proc?.exited));
  await killAll();
  removeTempDirs();
}, 30_000);

describe('the field walkthrough', () => {
  it('RTU, substation, uplink, breaker, alarm, acknowledge', async () => {
    // 1. A simulated RTU on 127.0.0.1:2404 with 8 measurands.
    rtu = startGridlink(['iec104', 'rtu', '--points', '8', '--json'], { cwd: workDir, env: { GRIDLINK_LOG: 'warn' }, label: 'iec104 rtu' });
    await rtu.waitFor((e) => e.event === 'listening' && e.port === 2404, 10_000, 'the RTU listening on 2404');

    // 2. The substation: storage, alarms, iec104-gateway.
    agent = startGridlink(['up', TREE, ...domainFlags(domain)], { cwd: workDir, label: 'gridlink up' });
    await agent.waitFor((e) => e.event === 'up', 30_000, '"up" of the agent');
    watch = startGridlink(['alarms', 'watch', '--json', ...domainFlags(domain)], { cwd: workDir, env: { GRIDLINK_LOG: 'warn' }, label: 'alarms watch' });

    // 3. Wait until `gridlink alarms state` answers.
    await eventually(async () => (await gridlink('alarms', 'state')).code === 0, '`alarms state` answering');
    // The gateway has connected to the RTU, started data transfer and interrogated it.
    await until(() => rtuSaw((e) => e.event === 'master' && e.state === 'started') && rtuSaw((e) => e.event === 'interrogation'), 'the gateway at the RTU', 15_000, rtu);

    // 4. The uplink serves the RTU's points and the aggregated state.
    const served = await eventually(async () => {
      const objects = await uplink();
      return objects.get(1)?.quality.length === 0 && objects.get(2001)?.quality.length === 0 ? objects : undefined;
    }, 'valid values at the uplink');
    expect([...served.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 1003, 2001, 5001, 5002, 5003, 5004, 5011, 5012, 5013]);
    expect(served.get(1)!.value).toBeGreaterThan(215);
    expect(served.get(1)!.value).toBeLessThan(245);
    expect(served.get(2001)).toMatchObject({ type: 'M_DP_NA_1', value: 2 });
    expect(served.get(5011)).toMatchObject({ type: 'M_SP_NA_1', value: 0 });

    // 5. The breaker, from the SCADA side: select before operate at the uplink, executed at the RTU.
    await ok('iec104', 'command', '--port', '2405', '--ioa', '2101', '--type', 'double', '--value', 'off', '--sbo');
    await until(() => rtuSaw((e) => e.event === 'breaker' && e.state === 'off'), 'the breaker off at the RTU', 10_000, rtu);
    await eventually(async () => (await uplink()).get(2001)?.value === 1, 'the breaker off at the uplink');
    // ... and from the bus: a FieldCommand to the gateway.
    const request = JSON.parse(await ok('request', 'iec104-gateway', 'FieldCommand', '{"data_point": "F1/cb-1/operate", "value": 2, "select_before_operate": true}')) as { value: { confirmed: boolean } };
    expect(request.value.confirmed).toBe(true);
    await until(() => rtuSaw((e) => e.event === 'breaker' && e.state === 'on'), 'the breaker on again at the RTU', 10_000, rtu);

    // 6. The voltage of feeder F1 beyond the band: a set point through the uplink moves the RTU's measurand.
    // (After the alarms module's start grace period, so the raise is notified on its own.)
    await eventually(async () => !(await state()).inGrace, 'the end of the grace period', 20_000);
    await ok('iec104', 'command', '--port', '2405', '--ioa', '3001', '--type', 'setpoint', '--value', '262');
    const raised = await eventually(() => alarm(U_BAND, 'raised'), `${U_BAND} raised`);
    expect(raised).toMatchObject({ state: 'Raised', severity: 'Major', audience: 'FieldEngineer', group: 'feeder:F1', hasValue: true });
    expect(raised.value).toBeGreaterThan(253);
    const table = await ok('alarms', 'list');
    expect(table).toMatch(/dp:F1\/u:u-band\s+Raised\s+Major\s+field engineer/);
    await until(() => notificationsOf(U_BAND).length === 1, 'the notification in `alarms watch`', 10_000, watch);
    expect(notificationsOf(U_BAND)[0]).toMatchObject({ kind: 'Alarm' });
    // The uplink's state points follow: feeder F1 active, worst severity Major (4).
    await eventually(async () => {
      const objects = await uplink();
      return objects.get(5011)?.value === 1 && objects.get(5003)?.value === 4;
    }, 'feeder F1 active at the uplink');

    // 7. Acknowledge: the alarm stays listed, no longer unacknowledged.
    const unacknowledgedBefore = (await state()).unacknowledged;
    const acked = await ok('alarms', 'ack', U_BAND, '--by', 'anna', '--comment', 'crew on the way');
    expect(acked).toContain(`${U_BAND}: Acknowledged by anna ("crew on the way")`);
    expect((await state()).unacknowledged).toBe(unacknowledgedBefore - 1);

    // 8. The voltage back to normal: the acknowledged alarm clears without a notification.
    await ok('iec104', 'command', '--port', '2405', '--ioa', '3001', '--type', 'setpoint', '--value', '230');
    await eventually(async () => (await alarm(U_BAND))?.state === 'Cleared', `${U_BAND} cleared`);
    expect(await alarm(U_BAND, 'raised')).toBeUndefined();
    const events = JSON.parse(await ok('alarms', 'events', '--from', '-5m', '--prefix', U_BAND, '--json')) as { events: { kind: string; value: number }[] };
    expect(events.events.map((e) => e.kind)).toEqual(['Raise', 'Clear']);
    // The Clear was published with the change `alarms list` shows; a notification would have come with it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(notificationsOf(U_BAND)).toHaveLength(1);
  }, 90_000);
});
