/**
 * Support for the spec/iec104-gateway suites: the gateway (dist/actors/iec104-gateway/module.js)
 * as a real `gridlink run` process, an RTU played by our ControlledStation in the test process
 * (its points and the commands it received), a raw TCP "RTU" for malformed frames, the
 * gateway's publications as the test's bus peer hears them, and storage read-backs.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { RecipientFailureError } from '../../core/bus/index.js';
import { Cause, TypeId, type Asdu, type InformationObject, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import { ControlledStation } from '../../core/protocols/iec104/controlled-station.js';
import { EntriesReply, ErrorReply, FieldErrorReply, FieldValues, GetEntriesOfTimeSpan, LinkEvent, type Entry, type LinkInfo } from '../../schemas/generated/messages.js';
import { distPath, type LineProcess } from '../support/processes.js';
import { domainFlags, startGridlink, tempDir, type Domain, type TestPeer, writeConfig } from '../actor/helpers.js';

export const GATEWAY_MODULE = distPath('actors/iec104-gateway/module.js');

export interface RunningGateway {
  readonly process: LineProcess;
  readonly dir: string;
}

/** Starts the gateway with these settings; resolves once `peer` sees it running. */
export async function startGateway(peer: TestPeer, domain: Domain, settings: Record<string, unknown>, label = 'iec104-gateway'): Promise<RunningGateway> {
  const dir = tempDir(label);
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings });
  const running = startGridlink(['run', GATEWAY_MODULE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, label });
  await Promise.race([
    peer.module('iec104-gateway', running.pid, 20_000, running),
    running.exited.then(({ code, signal }) => {
      throw new Error(`${label} ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
  return { process: running, dir };
}

/** Everything the gateways publish on field/links and field/values, in arrival order. */
export class FieldListener {
  readonly linkEvents: LinkInfo[] = [];
  readonly values: FieldValues[] = [];

  constructor(peer: TestPeer) {
    peer.bus.subscribe('field/links', (delivery) => {
      if (delivery.type === LinkEvent.name) this.linkEvents.push(LinkEvent.decode(delivery.body).link);
    });
    peer.bus.subscribe('field/values', (delivery) => {
      if (delivery.type === FieldValues.name) this.values.push(FieldValues.decode(delivery.body));
    });
  }

  /** The link events of `link` from index `from` on. */
  eventsOf(link: string, from = 0): LinkInfo[] {
    return this.linkEvents.slice(from).filter((e) => e.link === link);
  }

  /** Values of one data point published so far: [timestamp, value, quality]. */
  published(dataPoint: string): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (const batch of this.values) {
      (batch.dataPoints ?? []).forEach((name, i) => {
        if (name === dataPoint) out.push([batch.timestampsMs![i], batch.values![i], batch.qualities![i]]);
      });
    }
    return out;
  }
}

/** A command as the RTU received it. */
export interface ReceivedCommand {
  readonly typeId: TypeIdValue;
  readonly ioa: number;
  readonly value: number;
  readonly select: boolean;
}

/** The point table an RTU answers a general interrogation with. */
export interface RtuPoint {
  readonly typeId: TypeIdValue;
  readonly ioa: number;
  value: number;
  quality: number;
}

/** An RTU: our ControlledStation with a point table, recording commands, refusing those on `refuseIoas`. */
export class Rtu {
  readonly commands: ReceivedCommand[] = [];
  readonly refuseIoas = new Set<number>();
  interrogations = 0;

  private constructor(
    readonly station: ControlledStation,
    readonly commonAddress: number,
    readonly points: RtuPoint[],
  ) {}

  static async start(options: { port?: number; commonAddress: number; points: RtuPoint[]; selectRequired?: number[] }): Promise<Rtu> {
    let rtu: Rtu | undefined;
    const station = await ControlledStation.listen({
      host: '127.0.0.1',
      port: options.port ?? 0,
      commonAddresses: [options.commonAddress],
      params: { t1: 3000, t2: 500, t3: 5000 },
      maxConnections: 2,
      handler: {
        interrogation: () => {
          rtu!.interrogations++;
          const groups = new Map<TypeIdValue, InformationObject[]>();
          for (const p of rtu!.points) {
            const list = groups.get(p.typeId) ?? groups.set(p.typeId, []).get(p.typeId)!;
            list.push({ ioa: p.ioa, value: p.value, quality: p.quality });
          }
          return [...groups].map(([typeId, objects]) => asdu(typeId, options.commonAddress, Cause.InterrogatedByStation, objects));
        },
        command: (_ca, request, object) => {
          rtu!.commands.push({ typeId: request.typeId, ioa: object.ioa, value: object.value, select: object.select === true });
          return Promise.resolve(rtu!.refuseIoas.has(object.ioa) ? `IOA ${object.ioa} is blocked locally` : true);
        },
        selectRequired: (_ca, _type, ioa) => (options.selectRequired ?? []).includes(ioa),
      },
    });
    rtu = new Rtu(station, options.commonAddress, options.points);
    return rtu;
  }

  get port(): number {
    return this.station.address.port;
  }

  /** A spontaneous ASDU (cause 3) with these objects. */
  send(typeId: TypeIdValue, objects: InformationObject[]): void {
    this.station.send(asdu(typeId, this.commonAddress, Cause.Spontaneous, objects));
  }

  started(): boolean {
    return this.station.connections().some((c) => c.started);
  }

  close(): Promise<void> {
    return this.station.close();
  }
}

export function asdu(typeId: TypeIdValue, commonAddress: number, cause: number, objects: InformationObject[]): Asdu {
  return { typeId, sequence: false, cause, negative: false, test: false, originator: 0, commonAddress, objects };
}

/**
 * An RTU that dials the gateway (server mode): the RTU's station listens on a loopback port, and
 * a TCP connection to the gateway is joined to a connection to that port, as a dial-out modem
 * in front of the RTU would.
 */
export async function dialFromRtu(rtu: Rtu, gatewayPort: number): Promise<{ close: () => void; closed: Promise<void> }> {
  const toGateway = connect(gatewayPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    toGateway.once('connect', resolve);
    toGateway.once('error', reject);
  });
  const toRtu = connect(rtu.port, '127.0.0.1');
  toGateway.pipe(toRtu);
  toRtu.pipe(toGateway);
  const closed = new Promise<void>((resolve) => {
    const end = (): void => {
      toGateway.destroy();
      toRtu.destroy();
      resolve();
    };
    toGateway.on('close', end);
    toRtu.on('close', end);
    toGateway.on('error', end);
    toRtu.on('error', end);
  });
  return { close: () => toGateway.destroy(), closed };
}

/**
 * A raw TCP peer on `port` that confirms STARTDT and then sends `garbage`: the RTU gone wrong.
 * Resolves with the server; `sockets` holds the connections it got.
 */
export async function startMalformedRtu(port: number, garbage: Uint8Array): Promise<{ server: Server; sockets: Socket[]; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      // STARTDT act (68 04 07 00 00 00) -> STARTDT con (68 04 0B 00 00 00), then the garbage.
      if (chunk.length >= 6 && chunk[0] === 0x68 && chunk[2] === 0x07) {
        socket.write(Uint8Array.from([0x68, 0x04, 0x0b, 0x00, 0x00, 0x00]));
        setTimeout(() => socket.write(garbage), 50);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    server,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Every stored entry of a data point (none while the data point does not exist). */
export async function storedEntries(peer: TestPeer, dataPoint: string): Promise<Entry[]> {
  try {
    const reply: EntriesReply = await peer.bus.request('storage', GetEntriesOfTimeSpan, { dataPoint, limit: 0 }, EntriesReply, { timeoutMs: 5000 });
    return reply.entries ?? [];
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name && ErrorReply.decode(error.replyBody).code === 'NotFound') return [];
    throw error;
  }
}

/** Polls an asynchronous condition every 50 ms until it gives a value; fails with `what` (and the log tail of `proc`). */
export async function eventually<T>(condition: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000, proc?: LineProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const tail = proc ? `\nstderr of ${proc.label}:\n${proc.stderr.slice(-25).join('\n')}` : '';
      throw new Error(`no ${what} within ${timeoutMs} ms${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The stored entries of a data point once there are at least `count`. */
export function entriesOnce(peer: TestPeer, dataPoint: string, count: number, proc?: LineProcess, timeoutMs = 10_000): Promise<Entry[]> {
  return eventually(async () => {
    const entries = await storedEntries(peer, dataPoint);
    return entries.length >= count ? entries : undefined;
  }, `${count} stored entries of ${dataPoint}`, timeoutMs, proc);
}

/** The FieldErrorReply a request was answered with (fails if it was answered otherwise). */
export async function fieldErrorOf(call: Promise<unknown>): Promise<FieldErrorReply> {
  try {
    const reply = await call;
    throw new Error(`expected a FieldErrorReply, got ${JSON.stringify(reply)}`);
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === FieldErrorReply.name) return FieldErrorReply.decode(error.replyBody);
    throw error;
  }
}

/** A TCP port nobody listens on right now (for a server whose port the test must know). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export { TypeId };
