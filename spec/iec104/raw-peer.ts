// A hand-driven IEC 104 peer for the link tests: it speaks APDUs on a real socket but has no state
// machine of its own, so a test decides every frame (and every frame it does not send).
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Apdu, Asdu } from '../../core/protocols/iec104/api.js';
import { decodeApdu, encodeApdu } from '../../core/protocols/iec104/apci.js';
import { decodeAsdu, encodeAsdu } from '../../core/protocols/iec104/asdu.js';
import { FrameReader } from '../../core/protocols/iec104/frame-reader.js';

export class RawPeer {
  readonly received: Apdu[] = [];
  /** Our own N(S) and N(R) for sendAsdu (the test may also send any numbers with send()). */
  sendSeq = 0;
  recvSeq = 0;
  ended = false;
  readonly #socket: Socket;
  readonly #reader = new FrameReader();
  readonly closed: Promise<void>;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#reader.push(chunk)) {
        const apdu = decodeApdu(frame);
        if (apdu.kind === 'I') this.recvSeq = (apdu.sendSeq + 1) % 32768;
        this.received.push(apdu);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.ended = true;
      resolve();
    }));
  }

  static connect(host: string, port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  send(apdu: Apdu): void {
    this.#socket.write(encodeApdu(apdu));
  }

  sendBytes(bytes: Uint8Array): void {
    this.#socket.write(bytes);
  }

  /** An I frame with our running N(S) and the N(R) of everything received. */
  sendAsdu(asdu: Asdu | Uint8Array): void {
    const bytes = asdu instanceof Uint8Array ? asdu : encodeAsdu(asdu);
    this.send({ kind: 'I', sendSeq: this.sendSeq, recvSeq: this.recvSeq, asdu: bytes });
    this.sendSeq = (this.sendSeq + 1) % 32768;
  }

  /** Acknowledges every I frame received so far. */
  acknowledge(): void {
    this.send({ kind: 'S', recvSeq: this.recvSeq });
  }

  frames(kind: Apdu['kind']): Apdu[] {
    return this.received.filter((apdu) => apdu.kind === kind);
  }

  iFrames(): Extract<Apdu, { kind: 'I' }>[] {
    return this.received.filter((apdu): apdu is Extract<Apdu, { kind: 'I' }> => apdu.kind === 'I');
  }

  asdus(): Asdu[] {
    return this.iFrames().map((frame) => decodeAsdu(frame.asdu));
  }

  count(fn: string): number {
    return this.received.filter((apdu) => apdu.kind === 'U' && apdu.fn === fn).length;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A listening socket whose connections become RawPeers (stands in for an outstation). */
export class RawServer {
  readonly peers: RawPeer[] = [];
  readonly #server: Server;
  port = 0;

  constructor(onPeer: (peer: RawPeer) => void = () => undefined) {
    this.#server = createServer((socket) => {
      const peer = new RawPeer(socket);
      this.peers.push(peer);
      onPeer(peer);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  close(): Promise<void> {
    for (const peer of this.peers) peer.close();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** Polls until `condition` holds (every 5 ms); fails naming `what`. */
export async function until<T>(condition: () => T | undefined | false | null, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
