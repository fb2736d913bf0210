// The gateway's settings: defaults filled in, and every problem reported at once with its path.
import { describe, expect, it } from 'vitest';
import { GatewaySettingsError, parseGatewaySettings } from '../../actors/iec104-gateway/settings.js';

const link = { name: 'rtu-1', host: '10.0.0.1', port: 2404, commonAddress: 7, points: [{ ioa: 1, dataPoint: 'a.p' }], commands: [{ ioa: 2, dataPoint: 'a.cmd', type: 'C_SC_NA_1' }] };

function problems(raw: Record<string, unknown>): string {
  try {
    parseGatewaySettings(raw);
  } catch (error) {
    if (error instanceof GatewaySettingsError) return error.message;
    throw error;
  }
  throw new Error('settings accepted');
}

describe('iec104-gateway settings', () => {
  it('fills in the defaults of a link and its points', () => {
    const settings = parseGatewaySettings({ links: [link] });
    expect(settings.links[0]).toMatchObject({ mode: 'client', interrogateOnConnect: true, clockSyncOnConnect: false, backoff: { initialMs: 1000, maxMs: 30000 }, originator: 0 });
    expect(settings.links[0].points[0]).toEqual({ ioa: 1, commonAddress: 7, dataPoint: 'a.p', scale: 1, offset: 0 });
    expect(settings.links[0].commands[0]).toEqual({ ioa: 2, commonAddress: 7, dataPoint: 'a.cmd', type: 'C_SC_NA_1', selectBeforeOperate: false });
    expect(settings.scada).toBeUndefined();
    expect(settings.flushIntervalMs).toBe(200);
  });

  it('reports every problem with its path', () => {
    const message = problems({
      links: [
        { ...link, points: [{ ioa: 0, dataPoint: 'a p' }, { ioa: 5, dataPoint: 'x'.repeat(195) }], params: { w: 20, k: 10 } },
        { ...link, mode: 'dial', commands: [{ ioa: 3, dataPoint: 'a.cmd', type: 'C_XX' }] },
      ],
      scada: { commonAddress: 1, points: [{ ioa: 9, dataPoint: 'a.p', type: 'M_SP_NA_1' }], state: { activeIoa: 9 } },
      flushInterval: 5,
    });
    expect(message).toContain('links[0].points[0].ioa must be a whole number from 1 to 16777215, got 0');
    expect(message).toContain('"a p" contains white space');
    expect(message).toContain('at most 192');
    expect(message).toContain('links[0].params.w (20) must not exceed k (10)');
    expect(message).toContain('links[1].mode must be one of client, server');
    expect(message).toContain('links[1].commands[0].type must be one of C_SC_NA_1, C_DC_NA_1, C_SE_NC_1');
    expect(message).toContain('link name "rtu-1" is given twice');
    expect(message).toContain('command data point "a.cmd" is given twice');
    expect(message).toContain('IOA 9 is given twice');
    expect(message).toContain('flushInterval is not a known setting');
  });

  it('refuses a gateway with nothing to do', () => {
    expect(problems({})).toContain('nothing to do');
  });
});
