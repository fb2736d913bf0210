// Writes a classic pcap file (LINKTYPE_ETHERNET) of TCP conversations, so captured protocol frames
// can be read back by tshark: Ethernet II + IPv4 + TCP headers with correct lengths, sequence and
// acknowledgement numbers, and checksums (IPv4 header and TCP with its pseudo-header).
import { writeFileSync } from 'node:fs';

export interface TcpEndpoint {
  /** Dotted IPv4 address. */
  ip: string;
  port: number;
}

interface Packet {
  timeUs: number;
  bytes: Uint8Array;
}

const ETHERNET_SIZE = 14;
const IPV4_SIZE = 20;
const TCP_SIZE = 20;
const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, PSH: 0x08, ACK: 0x10 } as const;

function ipv4Octets(ip: string): number[] {
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) {
    throw new Error(`${ip} is not a dotted IPv4 address`);
  }
  return octets;
}

/** The Internet checksum (RFC 1071) over 16-bit big-endian words. */
function internetChecksum(bytes: Uint8Array, start = 0): number {
  let sum = start;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Locally administered MAC addresses derived from the IP, so each side keeps its own. */
function macFor(ip: string): number[] {
  return [0x02, 0x00, ...ipv4Octets(ip)];
}

/** One TCP connection between a client and a server, from SYN to FIN, with a clock advancing 1 ms a segment. */
export class PcapTcpConversation {
  private clientSeq = 1_000;
  private serverSeq = 500_000;
  private ipId = 1;
  private timeUs: number;
  readonly packets: Packet[] = [];

  constructor(
    readonly client: TcpEndpoint,
    readonly server: TcpEndpoint,
    startTimeMs = Date.UTC(2024, 2, 15, 12, 0, 0),
  ) {
    this.timeUs = startTimeMs * 1000;
    // Three-way handshake: SYN and SYN-ACK each take one sequence number.
    this.segment('client', TCP_FLAGS.SYN, new Uint8Array(0));
    this.clientSeq += 1;
    this.segment('server', TCP_FLAGS.SYN | TCP_FLAGS.ACK, new Uint8Array(0));
    this.serverSeq += 1;
    this.segment('client', TCP_FLAGS.ACK, new Uint8Array(0));
  }

  /** A data segment from the client (PSH, ACK). */
  clientSends(payload: Uint8Array): this {
    this.segment('client', TCP_FLAGS.PSH | TCP_FLAGS.ACK, payload);
    this.clientSeq += payload.length;
    return this;
  }

  /** A data segment from the server (PSH, ACK). */
  serverSends(payload: Uint8Array): this {
    this.segment('server', TCP_FLAGS.PSH | TCP_FLAGS.ACK, payload);
    this.serverSeq += payload.length;
    return this;
  }

  /** Client FIN, server FIN-ACK, client ACK. */
  close(): this {
    this.segment('client', TCP_FLAGS.FIN | TCP_FLAGS.ACK, new Uint8Array(0));
    this.clientSeq += 1;
    this.segment('server', TCP_FLAGS.FIN | TCP_FLAGS.ACK, new Uint8Array(0));
    this.serverSeq += 1;
    this.segment('client', TCP_FLAGS.ACK, new Uint8Array(0));
    return this;
  }

  private segment(from: 'client' | 'server', flags: number, payload: Uint8Array): void {
    const [source, destination] = from === 'client' ? [this.client, this.server] : [this.server, this.client];
    const seq = from === 'client' ? this.clientSeq : this.serverSeq;
    // The first SYN acknowledges nothing.
    const ack = flags === TCP_FLAGS.SYN ? 0 : from === 'client' ? this.serverSeq : this.clientSeq;
    const bytes = new Uint8Array(ETHERNET_SIZE + IPV4_SIZE + TCP_SIZE + payload.length);
    const view = new DataView(bytes.buffer);
    bytes.set(macFor(destination.ip), 0);
    bytes.set(macFor(source.ip), 6);
    view.setUint16(12, 0x0800); // IPv4

    const ip = bytes.subarray(ETHERNET_SIZE, ETHERNET_SIZE + IPV4_SIZE);
    ip[0] = 0x45; // version 4, header 5 words
    view.setUint16(ETHERNET_SIZE + 2, IPV4_SIZE + TCP_SIZE + payload.length); // total length
    view.setUint16(ETHERNET_SIZE + 4, this.ipId++ & 0xffff);
    view.setUint16(ETHERNET_SIZE + 6, 0x4000); // don't fragment
    ip[8] = 64; // TTL
    ip[9] = 6; // TCP
    ip.set(ipv4Octets(source.ip), 12);
    ip.set(ipv4Octets(destination.ip), 16);
    view.setUint16(ETHERNET_SIZE + 10, internetChecksum(ip));

    const tcpAt = ETHERNET_SIZE + IPV4_SIZE;
    view.setUint16(tcpAt, source.port);
    view.setUint16(tcpAt + 2, destination.port);
    view.setUint32(tcpAt + 4, seq >>> 0);
    view.setUint32(tcpAt + 8, ack >>> 0);
    bytes[tcpAt + 12] = (TCP_SIZE / 4) << 4;
    bytes[tcpAt + 13] = flags;
    view.setUint16(tcpAt + 14, 65535); // window
    bytes.set(payload, tcpAt + TCP_SIZE);
    const tcp = bytes.subarray(tcpAt);
    // Pseudo-header: source, destination, zero + protocol, TCP length.
    const pseudo = new Uint8Array(12);
    pseudo.set(ipv4Octets(source.ip), 0);
    pseudo.set(ipv4Octets(destination.ip), 4);
    pseudo[9] = 6;
    new DataView(pseudo.buffer).setUint16(10, tcp.length);
    const pseudoSum = (~internetChecksum(pseudo) & 0xffff);
    view.setUint16(tcpAt + 16, internetChecksum(tcp, pseudoSum));

    this.packets.push({ timeUs: this.timeUs, bytes });
    this.timeUs += 1000;
  }
}

/** The pcap file (microsecond timestamps, Ethernet) of the conversations' packets in time order. */
export function pcapBytes(conversations: PcapTcpConversation[]): Uint8Array {
  const packets = conversations.flatMap((conversation) => conversation.packets).sort((a, b) => a.timeUs - b.timeUs);
  const size = 24 + packets.reduce((total, packet) => total + 16 + packet.bytes.length, 0);
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);
  view.setUint32(0, 0xa1b2c3d4, true); // magic, microsecond resolution
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setInt32(8, 0, true); // GMT offset
  view.setUint32(12, 0, true); // accuracy
  view.setUint32(16, 65535, true); // snap length
  view.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  let at = 24;
  for (const packet of packets) {
    view.setUint32(at, Math.floor(packet.timeUs / 1e6), true);
    view.setUint32(at + 4, packet.timeUs % 1e6, true);
    view.setUint32(at + 8, packet.bytes.length, true);
    view.setUint32(at + 12, packet.bytes.length, true);
    file.set(packet.bytes, at + 16);
    at += 16 + packet.bytes.length;
  }
  return file;
}

export function writePcap(path: string, conversations: PcapTcpConversation[]): void {
  writeFileSync(path, pcapBytes(conversations));
}
