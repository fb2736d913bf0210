// actors/modbus-gateway as a real `gridlink run` process with the real storage module, polling a
// real Modbus TCP peer (pymodbus 3.0 server, /usr/bin/python3): float32 in both word orders, a
// negative scaled int16, a uint32 and coils are stored (read back from storage) and published;
// commands change the server's registers (read back from the server and by a second poll); an
// illegal address is reported for that device only while the other keeps polling; killing the
// server takes the link Down and, restarted on the same port, Up again.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecipientFailureError } from '../../core/bus/index.js';
import {
  ErrorReply,
  FieldCommand,
  FieldErrorReply,
  FieldValues,
  GetDataPoints,
  GetLinks,
  GetMostRecentEntry,
  LinkEvent,
  type FieldCommandReply,
  type LinkInfo,
} from '../../schemas/generated/messages.js';
import { distPath, killAll, type LineProcess } from '../support/processes.js';
import { PymodbusServer } from '../support/pymodbus-server.js';
import { domainFlags, removeTempDirs, replaceFile, startGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from '../actor/helpers.js';
import { ask, newDomain, startStorage } from '../storage/helpers.js';

const INVALID = 1 << 7;

/** Register images written with Node's Buffer, independent of the gateway's codec. */
function float32Words(value: number, wordOrder: 'big' | 'little'): number[] {
  const buffer = Buffer.alloc(4);
  buffer.writeFloatBE(value);
  const words = [buffer.readUInt16BE(0), buffer.readUInt16BE(2)];
  return wordOrder === 'big' ? words : words.reverse();
}

function uint32Words(value: number): number[] {
  return [Math.floor(value / 0x10000), value % 0x10000];
}

let server: PymodbusServer;
let domain: Domain;
let peer: TestPeer;
let gateway: LineProcess;
let gatewayConfig: { path: string; dir: string };
const values: FieldValues[] = [];
const links: LinkInfo[] = [];

async function loadRegisters(): Promise<void> {
  await server.set(1, 'hr', 0, [...float32Words(123.456, 'big'), ...float32Words(-7.25, 'little'), 0x10000 - 1234, ...uint32Words(3_000_000_000)]);
  await server.set(1, 'co', 0, [1, 0, 1]);
}

function settings(port: number): Record<string, unknown> {
  return {
    devices: [
      {
        name: 'meter',
        host: '127.0.0.1',
        port,
        unitId: 1,
        timeoutMs: 1000,
        backoff: { initialMs: 100, maxMs: 400 },
        polls: [
          {
            periodMs: 100,
            table: 'holding',
            address: 0,
            points: [
              { offset: 0, dataPoint: 'meter.p_big', type: 'float32', unit: 'kW' },
              { offset: 2, dataPoint: 'meter.p_little', type: 'float32', wordOrder: 'little' },
              { offset: 4, dataPoint: 'meter.t', type: 'int16', scale: 0.1 },
              { offset: 5, dataPoint: 'meter.energy', type: 'uint32' },
            ],
          },
          {
            periodMs: 100,
            table: 'coil',
            address: 0,
            points: [
              { offset: 0, dataPoint: 'meter.breaker' },
              { offset: 1, dataPoint: 'meter.alarm' },
              { offset: 2, dataPoint: 'meter.door' },
            ],
          },
          { periodMs: 100, table: 'holding', address: 20, points: [{ offset: 0, dataPoint: 'meter.setpoint_fb', type: 'int16', scale: 0.1 }] },
        ],
        commands: [
          { dataPoint: 'meter.setpoint', table: 'holding', address: 20, type: 'int16', scale: 0.1 },
          { dataPoint: 'meter.limit', table: 'holding', address: 22, type: 'float32', wordOrder: 'little' },
          { dataPoint: 'meter.trip', table: 'coil', address: 10 },
          { dataPoint: 'meter.beyond', table: 'holding', address: 150, type: 'uint16' },
        ],
      },
      {
        name: 'bad',
        host: '127.0.0.1',
        port,
        unitId: 2,
        timeoutMs: 1000,
        backoff: { initialMs: 100, maxMs: 400 },
        // The server holds addresses 0..99: this read of 98..101 is answered with exception 2.
        polls: [{ periodMs: 100, table: 'holding', address: 98, points: [{ offset: 0, dataPoint: 'bad.p', type: 'float32' }, { offset: 2, dataPoint: 'bad.q', type: 'float32' }] }],
      },
    ],
  };
}

/** The newest stored value; undefined while the data point has none (or does not exist yet: the gateway creates it at start). */
async function mostRecent(dataPoint: string): Promise<number | undefined> {
  try {
    return (await ask(peer, GetMostRecentEntry, { dataPoint })).entry?.value;
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name && ErrorReply.decode(error.replyBody).code === 'NotFound') return undefined;
    throw error;
  }
}

/** Resolves once storage's newest entry of the data point satisfies `test`. */
async function stored(dataPoint: string, test: (value: number) => boolean, what: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await mostRecent(dataPoint);
    if (value !== undefined && test(value)) return value;
    if (Date.now() > deadline) throw new Error(`storage never held ${what} for ${dataPoint} (last ${value}); gateway log:\n${gateway.stderr.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function command(dataPoint: string, value: number): Promise<FieldCommandReply> {
  return peer.bus.request('modbus-gateway', FieldCommand, { dataPoint, value, selectBeforeOperate: false, origin: 'spec' }, FieldCommand.reply, { timeoutMs: 5000 });
}

async function commandError(dataPoint: string, value: number): Promise<FieldErrorReply> {
  try {
    const reply = await command(dataPoint, value);
    throw new Error(`expected a FieldErrorReply, got ${JSON.stringify(reply)}`);
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === FieldErrorReply.name) return FieldErrorReply.decode(error.replyBody);
    throw error;
  }
}

function lastLink(device: string): LinkInfo | undefined {
  return links.filter((link) => link.link === device).at(-1);
}

beforeAll(async () => {
  server = await PymodbusServer.start({ units: [1, 2], size: 100 });
  await loadRegisters();
  domain = await newDomain('modbus');
  peer = await TestPeer.start(domain);
  peer.bus.subscribe('field/values', (delivery) => {
    if (delivery.type === FieldValues.name) values.push(FieldValues.decode(delivery.body));
  });
  peer.bus.subscribe('field/links', (delivery) => {
    if (delivery.type === LinkEvent.name) links.push(LinkEvent.decode(delivery.body).link);
  });
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  const dir = tempDir('modbus-gateway');
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings: settings(server.port) });
  gatewayConfig = { path: configPath, dir };
  gateway = startGridlink(['run', distPath('actors/modbus-gateway/module.js'), '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'modbus-gateway' });
  await Promise.race([
    peer.module('modbus-gateway', gateway.pid, 20_000, gateway),
    gateway.exited.then(({ code, signal }) => {
      throw new Error(`modbus-gateway ended early (${signal ?? `exit code ${code}`}):\n${gateway.stderr.join('\n')}`);
    }),
  ]);
});

afterAll(async () => {
  await peer?.close();
  await killAll();
  removeTempDirs();
});

describe('modbus-gateway polling a pymodbus server', () => {
  it('stores float32 in both word orders, a negative scaled int16, a uint32 and coils', async () => {
    expect(await stored('meter.p_big', (v) => v !== 0, 'a value')).toBeCloseTo(123.456, 4);
    expect(await stored('meter.p_little', (v) => v !== 0, 'a value')).toBe(-7.25);
    expect(await stored('meter.t', (v) => v !== 0, 'a value')).toBeCloseTo(-123.4, 10);
    expect(await stored('meter.energy', (v) => v !== 0, 'a value')).toBe(3_000_000_000);
    expect(await stored('meter.breaker', () => true, 'a value')).toBe(1);
    expect(await stored('meter.alarm', () => true, 'a value')).toBe(0);
    expect(await stored('meter.door', () => true, 'a value')).toBe(1);
  });

  it('created the data points tagged modbus and the device, with their units', async () => {
    const reply = await ask(peer, GetDataPoints, { tags: ['modbus', 'meter'], match: 'All' });
    expect(reply.dataPoints?.map((point) => point.name)).toEqual(['meter.alarm', 'meter.breaker', 'meter.door', 'meter.energy', 'meter.p_big', 'meter.p_little', 'meter.setpoint_fb', 'meter.t']);
    expect(reply.dataPoints?.find((point) => point.name === 'meter.p_big')?.unit).toBe('kW');
  });

  it('publishes each poll on field/values with good quality', async () => {
    const batch = await until(() => values.find((v) => v.link === 'meter' && v.dataPoints?.includes('meter.energy') && v.qualities?.[0] === 0), 'a good meter batch');
    expect(batch.gateway).toBe('modbus-gateway');
    expect(batch.dataPoints).toEqual(['meter.p_big', 'meter.p_little', 'meter.t', 'meter.energy']);
    expect(Array.from(batch.qualities ?? [])).toEqual([0, 0, 0, 0]);
    expect(batch.values?.[3]).toBe(3_000_000_000);
    expect(new Set(batch.timestampsMs).size).toBe(1);
  });

  it('reports the illegal address for that device only, while the other keeps polling', async () => {
    const down = await until(() => links.find((link) => link.link === 'bad' && link.state === 'Down'), 'LinkEvent Down for bad', 10_000, gateway);
    expect(down.message).toBe('holding 98+4: Modbus exception 2 (Illegal Data Address) to FC3');
    expect(down.protocol).toBe('modbus');
    expect(down.peer).toBe(`127.0.0.1:${server.port}`);
    const invalid = await until(() => values.find((v) => v.link === 'bad'), 'a bad batch');
    expect(Array.from(invalid.qualities ?? [])).toEqual([INVALID, INVALID]);
    const meterBatchesBefore = values.filter((v) => v.link === 'meter').length;
    await until(() => values.filter((v) => v.link === 'meter').length >= meterBatchesBefore + 6, 'meter batches after bad went Down');
    const reply = await peer.bus.request('modbus-gateway', GetLinks, {}, GetLinks.reply, { timeoutMs: 5000 });
    const byName = new Map((reply.links ?? []).map((link) => [link.link, link]));
    expect(byName.get('meter')?.state).toBe('Up');
    expect(byName.get('meter')?.values).toBeGreaterThan(7);
    expect(byName.get('bad')?.state).toBe('Down');
    expect(byName.get('bad')?.values).toBe(0);
    expect(lastLink('meter')?.state).toBe('Up');
    const badPoints = await ask(peer, GetDataPoints, { tags: ['modbus', 'bad'], match: 'All' });
    expect(badPoints.dataPoints?.map((point) => [point.name, Number(point.entryCount)])).toEqual([
      ['bad.p', 0],
      ['bad.q', 0],
    ]);
  });

  it('writes a scaled int16 (FC6), a little-endian float32 (FC16) and a coil (FC5); the server and a second poll see them', async () => {
    const setpoint = await command('meter.setpoint', -12.3);
    expect(setpoint.confirmed).toBe(true);
    expect(setpoint.message).toBe('FC6 holding 20 = 0xff85, echoed by meter');
    expect(await server.get(1, 'hr', 20, 1)).toEqual([0x10000 - 123]);
    expect(await stored('meter.setpoint_fb', (v) => v !== 0, 'the written set point')).toBeCloseTo(-12.3, 10);

    const limit = await command('meter.limit', 1.5);
    expect(limit.message).toBe('FC16 holding 22..23 = 0x0000 0x3fc0, confirmed by meter');
    expect(await server.get(1, 'hr', 22, 2)).toEqual(float32Words(1.5, 'little'));

    expect((await command('meter.trip', 1)).confirmed).toBe(true);
    expect(await server.get(1, 'co', 10, 1)).toEqual([1]);
    await command('meter.trip', 0);
    expect(await server.get(1, 'co', 10, 1)).toEqual([0]);
  });

  it('answers bad commands with FieldErrorReply: NotFound, InvalidArgument, Refused (exception)', async () => {
    expect(await commandError('meter.nothing', 1)).toMatchObject({ code: 'NotFound' });
    const range = await commandError('meter.setpoint', 5000);
    expect(range.code).toBe('InvalidArgument');
    expect(range.message).toBe('meter.setpoint (int16): 5000 is 50000 raw, outside int16 (-32768..32767)');
    expect(await commandError('meter.trip', 2)).toMatchObject({ code: 'InvalidArgument' });
    const refused = await commandError('meter.beyond', 1);
    expect(refused.code).toBe('Refused');
    expect(refused.message).toBe('meter holding 150 refused: Modbus exception 2 (Illegal Data Address) to FC6');
    expect(await server.get(1, 'hr', 20, 1)).toEqual([0x10000 - 123]);
  });

  it('goes Down when the server dies (commands: Unavailable) and Up again once it is back on its port', async () => {
    const port = server.port;
    const seen = links.length;
    const valuesSeen = values.length;
    await server.kill();
    const down = await until(() => links.slice(seen).find((link) => link.link === 'meter' && link.state === 'Down'), 'LinkEvent Down for meter', 10_000, gateway);
    expect(down.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port}: (connection closed by the peer|connection reset by peer \\(ECONNRESET\\))$`));
    const invalid = await until(() => values.slice(valuesSeen).find((v) => v.link === 'meter' && v.dataPoints?.[0] === 'meter.p_big' && v.qualities?.[0] === INVALID), 'meter values published invalid');
    expect(invalid.values?.[3]).toBe(3_000_000_000);
    const unavailable = await commandError('meter.setpoint', 1);
    expect(unavailable.code).toBe('Unavailable');
    expect(unavailable.message).toMatch(/^meter holding 20: meter \(127\.0\.0\.1:\d+\) is not connected: /);
    await until(() => lastLink('meter')?.message === `connect 127.0.0.1:${port}: connection refused (ECONNREFUSED)`, 'connection refused on reconnecting', 10_000, gateway);

    server = await PymodbusServer.start({ port, units: [1, 2], size: 100 });
    await loadRegisters();
    const downAt = links.length;
    const up = await until(() => links.slice(downAt).find((link) => link.link === 'meter' && link.state === 'Up'), 'LinkEvent Up for meter', 10_000, gateway);
    expect(up.failures).toBeGreaterThan(0);
    const reply = await peer.bus.request('modbus-gateway', GetLinks, {}, GetLinks.reply, { timeoutMs: 5000 });
    expect(reply.links?.find((link) => link.link === 'meter')?.state).toBe('Up');
    expect(reply.links?.find((link) => link.link === 'bad')?.state).toBe('Down');
    expect((await command('meter.setpoint', 2.5)).confirmed).toBe(true);
    expect(await server.get(1, 'hr', 20, 1)).toEqual([25]);
  });

  it('takes a configuration change without a restart: the removed device is Stopped, the other polls on', async () => {
    const next = settings(server.port);
    next.devices = (next.devices as { name: string }[]).filter((device) => device.name !== 'bad');
    const seen = links.length;
    replaceFile(gatewayConfig.path, JSON.stringify({ stateDir: join(gatewayConfig.dir, 'state'), settings: next }));
    await until(() => links.slice(seen).find((link) => link.link === 'bad' && link.state === 'Stopped'), 'LinkEvent Stopped for bad', 10_000, gateway);
    await until(() => links.slice(seen).find((link) => link.link === 'meter' && link.state === 'Up'), 'meter Up again after the change', 10_000, gateway);
    const reply = await peer.bus.request('modbus-gateway', GetLinks, {}, GetLinks.reply, { timeoutMs: 5000 });
    expect(reply.links?.map((link) => [link.link, link.state])).toEqual([['meter', 'Up']]);
    expect(gateway.child.exitCode).toBeNull();
  });
});
