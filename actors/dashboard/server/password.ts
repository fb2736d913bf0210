// Password hashes of dashboard users: scrypt (node:crypto) with its parameters stored beside the
// salt, so the cost can be raised for new hashes without breaking old ones:
//   scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>
// N = 2^15, r = 8 (32 MiB, ~0.1 s on the reference machine) is the default: logins are rare and
// rate-limited, and an edge computer has little memory to spare for more.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { N: 32_768, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, cost: ScryptCost, keyBytes: number): Promise<Buffer> {
  // maxmem above 128 * N * r, which node's 32 MiB default does not leave room for at N = 2^15.
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1_048_576 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost, KEY_BYTES);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface StoredHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

/** Parses a stored hash; throws naming what is wrong (users file checks use it). */
export function parseHash(text: string): StoredHash {
  const parts = text.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new Error('must be "scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>"');
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20) throw new Error(`N must be a power of two from 2 to 2^20, not ${parts[1]}`);
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) throw new Error('r must be 1..32 and p 1..16');
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || key.length < 16) throw new Error('salt (>= 8 bytes) or hash (>= 16 bytes) too short');
  return { cost: { N, r, p }, salt, key };
}

export async function verifyPassword(stored: StoredHash, password: string): Promise<boolean> {
  const key = await derive(password, stored.salt, stored.cost, stored.key.length);
  return timingSafeEqual(key, stored.key);
}
