/**
 * A classic pcap file (Ethernet, IPv4, TCP) of one RTU connection's frames, for tshark: the RTU
 * (port 2404, where tshark's IEC 104 dissector listens) sends each APDU in a TCP segment of its
 * own, sequence numbers continuing from segment to segment. Checksums are filled in, so a
 * checksum-validating tshark finds nothing to complain about either.
 */

const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const RTU_PORT = 2404;
const MASTER_PORT = 40_404;
const RTU_IP = [10, 0, 0, 2];
const MASTER_IP = [10, 0, 0, 1];

function onesComplementSum(bytes: Uint8Array, from: number, to: number, initial = 0): number {
  let sum = initial;
  for (let i = from; i + 1 < to; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if ((to - from) % 2 === 1) sum += bytes[to - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The pcap bytes of `frames`, one TCP segment each, 100 µs apart. */
export function pcapOf(frames: readonly Uint8Array[], startMs = Date.UTC(2026, 0, 1)): Uint8Array {
  const headers = 14 + 20 + 20;
  let size = 24;
  for (const frame of frames) size += 16 + headers + frame.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, PCAP_MAGIC, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65_535, true);
  view.setUint32(20, LINKTYPE_ETHERNET, true);
  let at = 24;
  let seq = 1_000_000;
  frames.forEach((frame, index) => {
    const micros = startMs * 1000 + index * 100;
    const length = headers + frame.length;
    view.setUint32(at, Math.floor(micros / 1e6), true);
    view.setUint32(at + 4, micros % 1e6, true);
    view.setUint32(at + 8, length, true);
    view.setUint32(at + 12, length, true);
    at += 16;
    // Ethernet: destination, source, IPv4.
    out.set([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00], at);
    const ip = at + 14;
    out[ip] = 0x45;
    view.setUint16(ip + 2, 20 + 20 + frame.length);
    view.setUint16(ip + 4, index & 0xffff);
    view.setUint16(ip + 6, 0x4000);
    out[ip + 8] = 64;
    out[ip + 9] = 6;
    out.set(RTU_IP, ip + 12);
    out.set(MASTER_IP, ip + 16);
    view.setUint16(ip + 10, ~onesComplementSum(out, ip, ip + 20) & 0xffff);
    const tcp = ip + 20;
    view.setUint16(tcp, RTU_PORT);
    view.setUint16(tcp + 2, MASTER_PORT);
    view.setUint32(tcp + 4, seq >>> 0);
    view.setUint32(tcp + 8, 1);
    out[tcp + 12] = 5 << 4;
    out[tcp + 13] = 0x18; // PSH, ACK
    view.setUint16(tcp + 14, 65_535);
    out.set(frame, tcp + 20);
    // TCP checksum over the pseudo header, the header and the payload.
    const pseudo = new Uint8Array(12);
    pseudo.set(RTU_IP, 0);
    pseudo.set(MASTER_IP, 4);
    pseudo[9] = 6;
    new DataView(pseudo.buffer).setUint16(10, 20 + frame.length);
    const partial = onesComplementSum(pseudo, 0, 12);
    view.setUint16(tcp + 16, ~onesComplementSum(out, tcp, tcp + 20 + frame.length, partial) & 0xffff);
    seq += frame.length;
    at = tcp + 20 + frame.length;
  });
  return out;
}
