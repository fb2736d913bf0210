import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import * as flatbuffers from 'flatbuffers/mjs/flatbuffers.js';
import { Beacon } from '../../schemas/generated/flatc/gridlink/bus/beacon.js';
import type { DiscoveryOptions } from './config.js';

/** What a beacon tells about a peer, plus where it came from. */
export interface BeaconInfo {
  id: string;
  incarnation: bigint;
  routerPort: number;
  pubPort: number;
  seq: number;
  curvePublicKey: string;
  ipcRouter: string;
  ipcPub: string;
  leaving: boolean;
  /** Source address of the datagram. */
  address: string;
  /** The beacon arrived on loopback: the peer shares our host and network namespace. */
  sameHost: boolean;
}

/** What our own beacon says; ports differ per interface, so it is built per destination. */
export interface OwnBeacon {
  id: string;
  incarnation: bigint;
  seq: number;
  curvePublicKey: string;
  ipcRouter: string;
  ipcPub: string;
  loopbackPorts: { router: number; pub: number };
  lanPorts?: { router: number; pub: number };
}

const MAGIC = Buffer.from('GLB1');
const MAX_BEACON = 1024;

export interface LanAddress {
  address: string;
  broadcast: string;
}

/** The IPv4 address and broadcast address of a named interface. */
export function lanAddress(name: string): LanAddress {
  const entries = networkInterfaces()[name];
  const v4 = entries?.find((entry) => entry.family === 'IPv4');
  if (!v4) throw new Error(`bus: interface "${name}" has no IPv4 address (known: ${Object.keys(networkInterfaces()).join(', ')})`);
  const ip = v4.address.split('.').map(Number);
  const mask = v4.netmask.split('.').map(Number);
  const broadcast = ip.map((octet, i) => (octet & mask[i]) | (~mask[i] & 255)).join('.');
  return { address: v4.address, broadcast };
}

/**
 * ZRE-style UDP beacons: every interval each module broadcasts who it is and
 * where its sockets listen, on loopback (same host) and, when configured, on a
 * LAN interface. All modules of a host bind the same port with SO_REUSEADDR,
 * and each receives every broadcast; our own beacons come back and are ignored.
 */
export class Discovery {
  private socket?: dgram.Socket;
  private timer?: NodeJS.Timeout;
  private readonly builder = new flatbuffers.Builder(256);
  malformed = 0;

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly lan: LanAddress | undefined,
    private readonly own: () => OwnBeacon,
    private readonly onBeacon: (beacon: BeaconInfo) => void,
    private readonly onMalformed: (address: string, why: string) => void,
  ) {}

  async start(): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.socket = socket;
    socket.on('message', (data, remote) => this.receive(data, remote.address));
    socket.on('error', (error) => this.onMalformed('udp', `beacon socket error: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.setBroadcast(true);
    this.announce();
    this.timer = setInterval(() => this.announce(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Sends a beacon now (on start, on change, and every interval). */
  announce(leaving = false): void {
    const socket = this.socket;
    if (!socket) return;
    const own = this.own();
    socket.send(this.encode(own, own.loopbackPorts, leaving), this.options.port, '127.255.255.255', () => undefined);
    if (this.lan && own.lanPorts) {
      socket.send(this.encode(own, own.lanPorts, leaving), this.options.port, this.lan.broadcast, () => undefined);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    const own = this.own();
    // A leaving beacon (ports 0, as in ZRE) tells peers at once.
    await new Promise<void>((resolve) => socket.send(this.encode(own, own.loopbackPorts, true), this.options.port, '127.255.255.255', () => resolve()));
    if (this.lan && own.lanPorts) {
      await new Promise<void>((resolve) => socket.send(this.encode(own, own.lanPorts!, true), this.options.port, this.lan!.broadcast, () => resolve()));
    }
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private encode(own: OwnBeacon, ports: { router: number; pub: number }, leaving: boolean): Buffer {
    const b = this.builder;
    b.clear();
    const id = b.createString(own.id);
    const key = b.createString(own.curvePublicKey);
    const ipcRouter = b.createString(own.ipcRouter);
    const ipcPub = b.createString(own.ipcPub);
    const cluster = b.createString(this.options.cluster);
    Beacon.startBeacon(b);
    Beacon.addId(b, id);
    Beacon.addIncarnation(b, own.incarnation);
    Beacon.addRouterPort(b, leaving ? 0 : ports.router);
    Beacon.addPubPort(b, leaving ? 0 : ports.pub);
    Beacon.addSeq(b, own.seq);
    Beacon.addCurvePublicKey(b, key);
    Beacon.addIpcRouter(b, ipcRouter);
    Beacon.addIpcPub(b, ipcPub);
    Beacon.addLeaving(b, leaving);
    Beacon.addCluster(b, cluster);
    b.finish(Beacon.endBeacon(b));
    return Buffer.concat([MAGIC, b.asUint8Array()]);
  }

  private receive(data: Buffer, address: string): void {
    if (data.byteLength < MAGIC.byteLength + 12 || data.byteLength > MAX_BEACON || !data.subarray(0, 4).equals(MAGIC)) {
      this.malformed++;
      this.onMalformed(address, `not a Gridlink beacon (${data.byteLength} bytes)`);
      return;
    }
    let info: BeaconInfo;
    try {
      // The flatc reader does not check bounds; a beacon is small and read
      // once, so it is read inside a try and every value is checked after.
      const beacon = Beacon.getRootAsBeacon(new flatbuffers.ByteBuffer(new Uint8Array(data.subarray(4))));
      if ((beacon.cluster() ?? '') !== this.options.cluster) return;
      info = {
        id: beacon.id() ?? '',
        incarnation: beacon.incarnation(),
        routerPort: beacon.routerPort(),
        pubPort: beacon.pubPort(),
        seq: beacon.seq(),
        curvePublicKey: beacon.curvePublicKey() ?? '',
        ipcRouter: beacon.ipcRouter() ?? '',
        ipcPub: beacon.ipcPub() ?? '',
        leaving: beacon.leaving(),
        address,
        sameHost: address.startsWith('127.'),
      };
    } catch (error) {
      this.malformed++;
      this.onMalformed(address, `unreadable beacon: ${(error as Error).message}`);
      return;
    }
    if (!/^[0-9a-f]{32}$/.test(info.id) || info.curvePublicKey.length > 40 || info.ipcRouter.length > 512 || info.ipcPub.length > 512) {
      this.malformed++;
      this.onMalformed(address, 'beacon with an invalid id or fields');
      return;
    }
    this.onBeacon(info);
  }
}
