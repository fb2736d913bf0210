// actors/modbus-gateway/settings: defaults, the size of each poll's one read, and every problem
// named with its path in one error.
import { describe, expect, it } from 'vitest';
import { ModbusGatewaySettingsError, parseModbusGatewaySettings } from '../../actors/modbus-gateway/settings.js';

describe('modbus-gateway settings', () => {
  it('fills defaults and sizes each read to the end of its last point', () => {
    const settings = parseModbusGatewaySettings({
      devices: [
        {
          name: 'meter',
          host: '10.0.0.5',
          polls: [
            { periodMs: 1000, table: 'holding', address: 100, points: [{ offset: 0, dataPoint: 'm.a', type: 'float64' }, { offset: 6, dataPoint: 'm.b', type: 'float32', wordOrder: 'little', scale: 0.5 }] },
            { periodMs: 500, table: 'coil', address: 0, points: [{ offset: 9, dataPoint: 'm.c' }] },
          ],
          commands: [{ dataPoint: 'm.set', table: 'holding', address: 10, type: 'int32' }],
        },
      ],
    });
    const device = settings.devices[0]!;
    expect(device).toMatchObject({ port: 502, unitId: 1, timeoutMs: 1000, maxInFlight: 1, backoff: { initialMs: 500, maxMs: 30_000 } });
    expect(device.polls.map((poll) => poll.count)).toEqual([8, 10]);
    expect(device.polls[0]!.points[1]!.format).toEqual({ type: 'float32', wordOrder: 'little', byteSwap: false, scale: 0.5, valueOffset: 0 });
    expect(device.polls[1]!.points[0]!.format.type).toBe('bool');
    expect(device.commands[0]!.format.type).toBe('int32');
    expect(settings.storageTimeoutMs).toBe(5000);
  });

  it('lists every problem with its path', () => {
    let error: unknown;
    try {
      parseModbusGatewaySettings({
        devices: [
          { name: 'a', host: 'h', port: 70000, polls: [{ periodMs: 100, table: 'holding', address: 0, points: [{ offset: 124, dataPoint: 'x', type: 'float32' }] }] },
          { name: 'a', host: 'h', polls: [{ periodMs: 100, table: 'coil', address: 0, points: [{ offset: 0, dataPoint: 'x', type: 'int16' }] }], commands: [{ dataPoint: 'c', table: 'input', address: 0 }] },
          { host: '', colour: 'red', backoff: { initialMs: 1000, maxMs: 10 } },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModbusGatewaySettingsError);
    const message = (error as Error).message;
    for (const problem of [
      'devices[0].port must be a whole number in 1..65535, got 70000',
      'devices[0].polls[0] reads 126 registers (up to the end of its last point); one request reads at most 125: split it into two polls',
      'devices[1].polls[0].points[0].type must be "bool" (or absent) on a coil or discrete input table, got "int16"',
      'devices[1].commands[0].table must be one of coil, holding, got "input"',
      'devices[2]: unknown setting "colour"',
      'devices[2].name must be a non-empty string, got undefined',
      'devices[2].host must be a non-empty string, got ""',
      'devices[2].backoff.maxMs (10) must not be below initialMs (1000)',
      'two devices are named "a"; device names must be unique',
      'data point "x" is polled twice; each data point has one source',
    ]) {
      expect(message).toContain(problem);
    }
  });
});
