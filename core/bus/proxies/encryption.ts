import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Proxy } from './proxy.js';

const MAGIC = Buffer.from('GLE1');
const IV = 12;
const TAG = 16;

/** Parses a 256-bit key given as base64 or 64 hex digits. */
export function parseKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.byteLength !== 32) throw new Error(`encryption proxy: key must be 32 bytes as base64 or 64 hex digits (got ${key.byteLength} bytes)`);
  return key;
}

/**
 * Authenticated encryption of message bodies (AES-256-GCM): outbound seals,
 * inbound opens. A sealed body is "GLE1" + 12-byte IV + 16-byte tag +
 * ciphertext; the envelope (routing) stays readable so the bus can route.
 * Inbound, a body that is not sealed passes unchanged (so a receiver can be
 * set up before its senders switch), and one that fails authentication is
 * dropped and counted: a tampered message never reaches the module.
 */
export function encryptionProxy(keyText: string, onRejected: (reason: string) => void = () => undefined): Proxy {
  const key = parseKey(keyText);
  return {
    name: 'encrypt',
    outbound(m) {
      const iv = randomBytes(IV);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([MAGIC, iv, Buffer.alloc(TAG), cipher.update(m.body), cipher.final()]);
      cipher.getAuthTag().copy(sealed, MAGIC.byteLength + IV);
      m.body = sealed;
      return true;
    },
    inbound(m) {
      const body = m.body;
      if (body.byteLength < MAGIC.byteLength + IV + TAG || !Buffer.from(body.buffer, body.byteOffset, 4).equals(MAGIC)) return true;
      const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(4, 4 + IV));
        decipher.setAuthTag(buf.subarray(4 + IV, 4 + IV + TAG));
        m.body = Buffer.concat([decipher.update(buf.subarray(4 + IV + TAG)), decipher.final()]);
        return true;
      } catch {
        onRejected(`sealed ${m.type} from ${m.sender} failed authentication`);
        return false;
      }
    },
  };
}
