/**
 * Deterministic identifiers and random streams for the simulator. An id is
 * derived from the seed and a readable name (not drawn from the generator's
 * random stream), so adding an object never renames the others and the same
 * seed always yields the same files byte for byte.
 */
import { createHash } from 'node:crypto';
import { prng } from '../bench/prng.js';

/** A UUID-shaped id (version 5 style: SHA-1 of the seed and the name). */
export function uuidFor(seed: number, name: string): string {
  const hex = createHash('sha1').update(`gridlink-simulate:${seed}:${name}`).digest('hex');
  // Version and variant nibbles, so tools that check UUID syntax accept the ids.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A random stream of its own for one purpose ("profile", building index), so
 * the values of one building do not depend on how many were drawn before it.
 */
export function streamFor(seed: number, purpose: string, index = 0): () => number {
  const digest = createHash('sha1').update(`gridlink-simulate:${seed}:${purpose}:${index}`).digest();
  return prng(digest.readUInt32LE(0));
}

/** A standard normal deviate from a uniform stream (Box–Muller, one of the pair). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
