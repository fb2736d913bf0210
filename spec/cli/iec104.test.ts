/**
 * `gridlink iec104` as the built CLI against `gridlink iec104 rtu` (the simulated outstation), both
 * real processes talking IEC 104 over TCP: interrogate prints every point with type, value and
 * quality; command operates the breaker (direct and select-before-operate) and moves a measurand
 * by set point, which interrogate and the RTU's own report then show; watch prints spontaneous
 * data; clock-sync reaches the RTU; refusals, a closed port and bad input exit 1 and 2 with a
 * message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectJson } from '../../tools/cli/commands/iec104.js';
import { assertCliBuilt, jsonLines, runCli, startCli, eventually, type RunningCli } from './helpers.js';

let rtu: RunningCli;
let port: number;

function rtuEvents(): Record<string, unknown>[] {
  return jsonLines(rtu.stdout()) as Record<string, unknown>[];
}

async function interrogate(): Promise<ObjectJson[]> {
  const result = await runCli(['iec104', 'interrogate', '--port', String(port), '--json']);
  expect(result.code, result.stderr).toBe(0);
  const document = JSON.parse(result.stdout) as { port: number; commonAddress: number; objects: ObjectJson[] };
  expect(document.port).toBe(port);
  return document.objects;
}

beforeAll(async () => {
  assertCliBuilt();
  // Port 0: the RTU picks a free port and says which in its first event. 100 ms: the watch sees data soon.
  rtu = startCli(['iec104', 'rtu', '--port', '0', '--points', '8', '--interval-ms', '100', '--seed', '3', '--json']);
  await eventually(() => rtuEvents().some((e) => e.event === 'listening'), 'the simulated RTU listening', 15_000);
  port = rtuEvents().find((e) => e.event === 'listening')!.port as number;
});

afterAll(async () => {
  rtu?.child.kill('SIGINT');
  await rtu?.done;
});

describe('gridlink iec104 against the simulated RTU', () => {
  it('interrogate prints every point: 8 measurands, 4 single points and the breaker, on, with good quality', async () => {
    const objects = await interrogate();
    expect(objects.map((o) => o.ioa)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 1001, 1002, 1003, 1004, 2001]);
    for (const o of objects) {
      expect(o.cause).toBe('InterrogatedByStation');
      expect(o.commonAddress).toBe(1);
      expect(o.quality).toEqual([]);
      // Interrogated data carries no time tag.
      expect(o.time).toBeUndefined();
    }
    const u1 = objects.find((o) => o.ioa === 1)!;
    expect(u1.type).toBe('M_ME_NC_1');
    expect(u1.value).toBeGreaterThan(215);
    expect(u1.value).toBeLessThan(245);
    expect(objects.find((o) => o.ioa === 2001)).toMatchObject({ type: 'M_DP_NA_1', value: 2, valueText: '2 (on)' });
    expect(objects.find((o) => o.ioa === 1001)).toMatchObject({ type: 'M_SP_NA_1' });
    expect(rtuEvents().some((e) => e.event === 'interrogation' && e.objects === 13)).toBe(true);

    const text = await runCli(['iec104', 'interrogate', '--port', String(port)]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^TYPE\s+IOA\s+VALUE\s+QUALITY\s+TIME/);
    expect(text.stdout).toMatch(/M_DP_NA_1\s+2001\s+2 \(on\)/);
    expect(text.stdout).toContain(`13 objects from 127.0.0.1:${port}, common address 1`);
  });

  it('command operates the breaker (select before operate, then direct) and the RTU reports and serves the new state', async () => {
    const off = await runCli(['iec104', 'command', '--port', String(port), '--ioa', '2101', '--type', 'double', '--value', 'off', '--sbo', '--json']);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ confirmed: true, type: 'C_DC_NA_1', ioa: 2101, value: 1, steps: ['select: ACTCON', 'execute: ACTCON', 'ACTTERM'] });
    await eventually(() => rtuEvents().some((e) => e.event === 'breaker' && e.state === 'off'), 'the breaker off at the RTU');
    expect(rtuEvents().filter((e) => e.event === 'command' && e.ioa === 2101).map((e) => e.select)).toEqual([true, false]);
    expect((await interrogate()).find((o) => o.ioa === 2001)?.value).toBe(1);

    const on = await runCli(['iec104', 'command', '--port', String(port), '--ioa', '2101', '--type', 'double', '--value', 'on']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain('C_DC_NA_1 IOA 2101 value 2 (on)');
    expect(on.stdout).toContain('confirmed (execute: ACTCON, ACTTERM)');
    await eventually(() => rtuEvents().some((e) => e.event === 'breaker' && e.state === 'on'), 'the breaker on again');
  });

  it('a set point moves its measurand; watch prints it among the spontaneous, time-tagged data', async () => {
    const set = await runCli(['iec104', 'command', '--port', String(port), '--ioa', '3005', '--type', 'setpoint', '--value', '241.5']);
    expect(set.code, set.stderr).toBe(0);
    expect(rtuEvents().some((e) => e.event === 'set-point' && e.measurand === 5 && e.value === 241.5)).toBe(true);
    // 8 measurands every 100 ms: 40 objects are half a second of data.
    const watch = await runCli(['iec104', 'watch', '--port', String(port), '--count', '40', '--json']);
    expect(watch.code, watch.stderr).toBe(0);
    const lines = jsonLines(watch.stdout) as ObjectJson[];
    expect(lines).toHaveLength(40);
    const u5 = lines.filter((o) => o.ioa === 5);
    expect(u5.length).toBeGreaterThan(2);
    for (const o of u5) {
      expect(o).toMatchObject({ type: 'M_ME_TF_1', cause: 'Spontaneous' });
      // The walk reverts to the set point: within a few volts of it.
      expect(Math.abs(o.value - 241.5)).toBeLessThan(6);
      expect(Date.parse(o.time!)).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('clock-sync is confirmed and reaches the RTU with the time sent', async () => {
    const result = await runCli(['iec104', 'clock-sync', '--port', String(port), '--time', '2030-01-02T03:04:05.678Z']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('confirmed (ACTCON)');
    expect(rtuEvents().some((e) => e.event === 'clock-sync' && e.masterTime === '2030-01-02T03:04:05.678Z')).toBe(true);
  });

  it('a command the RTU does not have is refused with its cause and exit code 1', async () => {
    const result = await runCli(['iec104', 'command', '--port', String(port), '--ioa', '2102', '--type', 'single', '--value', 'on']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('C_SC_NA_1 IOA 2102 value 1 (on) was refused');
    expect(result.stderr).toContain('unknown IOA (cause 47)');
  });

  it('a port nobody listens on is exit code 1 with the reason; bad input is exit code 2', async () => {
    const closed = await runCli(['iec104', 'interrogate', '--port', '1', '--timeout', '2000']);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/cannot start a connection to 127\.0\.0\.1:1: .*ECONNREFUSED/);

    const badValue = await runCli(['iec104', 'command', '--port', String(port), '--ioa', '2101', '--type', 'double', '--value', 'maybe']);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('--value of a double command is on/2 or off/1, not "maybe"');
    const badType = await runCli(['iec104', 'command', '--port', String(port), '--ioa', '2101', '--type', 'triple', '--value', '1']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('--type is single, double or setpoint');
    const badIoa = await runCli(['iec104', 'command', '--ioa', '0', '--type', 'single', '--value', '1']);
    expect(badIoa.code).toBe(2);
    expect(badIoa.stderr).toContain('an information object address is a whole number from 1 to 16777215');
    const badSpike = await runCli(['iec104', 'rtu', '--port', '0', '--points', '4', '--spike-at', '9:300']);
    expect(badSpike.code).toBe(2);
    expect(badSpike.stderr).toContain('--spike-at 9: measurands are IOA 1..4');
  });
});
