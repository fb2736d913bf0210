/**
 * Doubles as short varints where they are short decimals: the frame headers of segment files and
 * the persisted statistics hold values such as 0.053, 230.41, 1440 or a millisecond timestamp,
 * which take 1 to 7 bytes this way instead of 8.
 *
 * Encoding: varint x. x = 0: the raw 8 bytes of the double follow (little-endian; every bit
 * pattern, NaN payloads and -0 included). Otherwise x − 1 = zigzag(n)·16 + e with v = n / 10^e
 * exactly (e <= 15, |n| < 2^47 so x stays below 2^53), the same exact-decimal rule as the codec.
 */
import { VarintReader, VarintWriter, unzigzag } from './varint.js';

const N_LIMIT = 2 ** 47;
const POW10 = Array.from({ length: 16 }, (_, e) => 10 ** e);

/** The decimal form (n, e) of v, or undefined if v is not a short exact decimal (or is -0). */
function decimalOf(v: number): { n: number; e: number } | undefined {
  if (!Number.isFinite(v) || Object.is(v, -0)) return undefined;
  for (let e = 0; e < POW10.length; e++) {
    const n = Math.round(v * POW10[e]);
    if (!(Math.abs(n) < N_LIMIT)) return undefined;
    if (n / POW10[e] === v) return { n, e };
  }
  return undefined;
}

export function writeCompactNumber(w: VarintWriter, v: number): void {
  const d = decimalOf(v);
  if (d === undefined) {
    w.writeUnsigned(0);
    const raw = new Uint8Array(8);
    new DataView(raw.buffer).setFloat64(0, v, true);
    w.writeBytes(raw);
    return;
  }
  const z = d.n < 0 ? -2 * d.n - 1 : 2 * d.n;
  w.writeUnsigned(z * 16 + d.e + 1);
}

export function readCompactNumber(r: VarintReader): number {
  const x = r.readUnsigned();
  if (x === 0) {
    if (r.pos + 8 > r.end) r.fail(`raw double runs past the end at byte ${r.pos}`);
    const v = new DataView(r.bytes.buffer, r.bytes.byteOffset + r.pos, 8).getFloat64(0, true);
    r.pos += 8;
    return v;
  }
  const e = (x - 1) % 16;
  const n = unzigzag(Math.floor((x - 1) / 16));
  return n / POW10[e];
}
