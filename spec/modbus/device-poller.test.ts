// actors/modbus-gateway/device-poller against a pymodbus server that stops answering (SIGSTOP):
// ticks that come while the group's read still runs are skipped and counted, never queued, and a
// warning says so (once per interval); after SIGCONT the same connection reads again. Three
// timeouts in a row drop the connection, and the device is Down with the timeout as its reason.
import { afterAll, describe, expect, it } from 'vitest';
import { DevicePoller, QUALITY_INVALID, TIMEOUTS_BEFORE_RECONNECT, type LinkStatus, type PollOutcome } from '../../actors/modbus-gateway/device-poller.js';
import { parseModbusGatewaySettings } from '../../actors/modbus-gateway/settings.js';
import { createLogger } from '../../core/log/logger.js';
import { killAll } from '../support/processes.js';
import { PymodbusServer } from '../support/pymodbus-server.js';
import { until } from '../actor/helpers.js';

const pollers: DevicePoller[] = [];

afterAll(async () => {
  for (const poller of pollers) poller.stop();
  await killAll();
});

function start(port: number, timeoutMs: number): { poller: DevicePoller; outcomes: PollOutcome[]; links: LinkStatus[]; log: string[] } {
  const settings = parseModbusGatewaySettings({
    devices: [{ name: 'slow', host: '127.0.0.1', port, timeoutMs, backoff: { initialMs: 100, maxMs: 200 }, polls: [{ periodMs: 50, table: 'input', address: 0, points: [{ offset: 0, dataPoint: 'slow.v' }] }] }],
  });
  const outcomes: PollOutcome[] = [];
  const links: LinkStatus[] = [];
  const log: string[] = [];
  const poller = new DevicePoller(settings.devices[0]!, { polled: (o) => outcomes.push(o), linkChanged: (l) => links.push(l) }, createLogger('modbus-gateway', 'info', (line) => log.push(line)));
  pollers.push(poller);
  poller.start();
  return { poller, outcomes, links, log };
}

describe('device poller', () => {
  it('skips and counts ticks while a read hangs, and reads on the same connection afterwards', async () => {
    const server = await PymodbusServer.start({});
    await server.set(1, 'ir', 0, [77]);
    const { poller, outcomes, log } = start(server.port, 20_000);
    await until(() => poller.link.state === 'Up' && outcomes.length >= 2, 'two reads and link Up');
    expect(outcomes.at(-1)?.values[0]).toBe(77);
    server.process.child.kill('SIGSTOP');
    const heard = outcomes.length;
    await until(() => poller.link.overruns >= 10, '10 overruns while the server is stopped');
    // At most the one read that was under way when the server stopped came back; nothing queued up.
    expect(outcomes.length - heard).toBeLessThanOrEqual(1);
    expect(log.filter((line) => line.includes('poll overrun'))).toHaveLength(1);
    server.process.child.kill('SIGCONT');
    await server.set(1, 'ir', 0, [78]);
    await until(() => outcomes.at(-1)?.values[0] === 78, 'the new value after SIGCONT');
    expect(poller.link.state).toBe('Up');
    expect(poller.link.failures).toBe(0);
    expect(log.filter((line) => line.includes('connected'))).toHaveLength(1);
    poller.stop();
    expect(poller.link.state).toBe('Stopped');
  });

  it(`drops the connection after ${TIMEOUTS_BEFORE_RECONNECT} timeouts in a row and publishes the points invalid`, async () => {
    const server = await PymodbusServer.start({});
    await server.set(1, 'ir', 0, [5]);
    const { poller, outcomes, links } = start(server.port, 100);
    await until(() => poller.link.state === 'Up', 'link Up');
    server.process.child.kill('SIGSTOP');
    const down = await until(() => links.find((link) => link.state === 'Down'), 'link Down');
    expect(down.message).toBe('input 0+1: timeout: no response to FC4 within 100 ms');
    await until(() => links.some((link) => link.state === 'Down' && link.message.includes(`${TIMEOUTS_BEFORE_RECONNECT} requests in a row timed out`)), 'the connection dropped');
    const invalid = outcomes.filter((o) => o.qualities[0] === QUALITY_INVALID);
    expect(invalid.length).toBeGreaterThanOrEqual(TIMEOUTS_BEFORE_RECONNECT);
    expect(invalid[0]!.values[0]).toBe(5);
    expect(invalid[0]!.error?.kind).toBe('timeout');
    server.process.child.kill('SIGCONT');
    await until(() => links.at(-1)?.state === 'Up', 'link Up again after SIGCONT');
    poller.stop();
  });
});
