import { Router, curveKeyPair, type Socket } from './zeromq.js';
import type { Keyring } from './config.js';

/** Z85 text of a 32-byte CURVE public key as ZAP hands it over in binary. */
function z85Encode(data: Uint8Array): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
  let out = '';
  for (let i = 0; i < data.length; i += 4) {
    let value = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(alphabet[value % 85]);
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

export function generateKeyPair(): { publicKey: string; secretKey: string } {
  return curveKeyPair();
}

/**
 * The ZAP handler (RFC 27) of this process: libzmq asks it about every CURVE
 * handshake on our server sockets, and it admits only the public keys of the
 * keyring. A peer outside the keyring can then neither connect to our ROUTER
 * nor subscribe to our publisher, so it never enters our registry.
 */
export class ZapHandler {
  private readonly socket = new Router();
  private readonly allowed: Set<string>;
  refused = 0;

  constructor(keyring: Keyring, private readonly onRefused: (address: string, key: string) => void) {
    this.allowed = new Set([...keyring.allowed, keyring.publicKey]);
  }

  async start(): Promise<void> {
    await this.socket.bind('inproc://zeromq.zap.01');
    void this.serve();
  }

  isAllowed(publicKey: string): boolean {
    return this.allowed.has(publicKey);
  }

  close(): void {
    this.socket.close();
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        // [identity, empty, version, request id, domain, address, identity, mechanism, credentials...]
        const [identity, , version, requestId, , address, , mechanism, key] = frames;
        let ok = false;
        let text = 'mechanism not allowed';
        if (mechanism?.toString() === 'CURVE' && key?.byteLength === 32) {
          const z85 = z85Encode(key);
          ok = this.allowed.has(z85);
          text = ok ? 'OK' : 'public key not in keyring';
          if (!ok) {
            this.refused++;
            this.onRefused(address?.toString() ?? '?', z85);
          }
        }
        await this.socket.send([identity, Buffer.alloc(0), version ?? '1.0', requestId ?? '', ok ? '200' : '400', text, ok ? 'gridlink' : '', Buffer.alloc(0)]);
      }
    } catch {
      // The socket closed while the bus shut down.
    }
  }
}

/** CURVE server options for our ROUTER and publisher. */
export function configureCurveServer(socket: Socket, keyring: Keyring): void {
  socket.zapDomain = 'gridlink';
  socket.curveServer = true;
  socket.curvePublicKey = keyring.publicKey;
  socket.curveSecretKey = keyring.secretKey;
}

/** CURVE client options for a DEALER or SUB talking to a server whose key we know. */
export function configureCurveClient(socket: Socket, keyring: Keyring, serverKey: string): void {
  socket.curveServerKey = serverKey;
  socket.curvePublicKey = keyring.publicKey;
  socket.curveSecretKey = keyring.secretKey;
}
