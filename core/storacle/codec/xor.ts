/**
 * Gorilla-style XOR codec on the raw IEEE-754 bits: lossless for every double, including
 * NaN payloads, ±Infinity, -0 and subnormals. Used for values that are not decimal and for
 * timestamps that are not safe integers.
 *
 * Per value after the first (64 raw bits):
 *   '0'                          same bits as the previous value
 *   '10' + meaningful bits       XOR fits in the previous leading/trailing-zero window
 *   '11' + 6b leading + 6b (length-1) + meaningful bits
 */
import { BitReader, BitWriter } from './bits.js';

/** Writes `values` (count known by the caller). */
export function writeXor(values: Float64Array, w: BitWriter): void {
  const n = values.length;
  if (n === 0) return;
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  // Little-endian platforms only (all Node targets we support): word 2i is low, 2i+1 high.
  let prevLo = words[0];
  let prevHi = words[1];
  w.writeBits(prevHi, 32);
  w.writeBits(prevLo, 32);
  let winLead = 65; // no window yet
  let winLen = 0;
  for (let i = 1; i < n; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    const xl = (lo ^ prevLo) >>> 0;
    const xh = (hi ^ prevHi) >>> 0;
    prevLo = lo;
    prevHi = hi;
    if (xl === 0 && xh === 0) {
      w.writeBits(0, 1);
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 32 + (31 - Math.clz32(xh & -xh));
    if (winLead <= 64 && lead >= winLead && trail >= 64 - winLead - winLen) {
      w.writeBits(0b10, 2);
      writeMeaningful(w, xh, xl, 64 - winLead - winLen, winLen);
    } else {
      const len = 64 - lead - trail;
      w.writeBits(0b11, 2);
      w.writeBits(lead > 63 ? 63 : lead, 6);
      w.writeBits(len - 1, 6);
      writeMeaningful(w, xh, xl, trail, len);
      winLead = lead;
      winLen = len;
    }
  }
}

/** Writes bits [shift, shift+len) of the 64-bit word (hi, lo), high bit first. */
function writeMeaningful(w: BitWriter, hi: number, lo: number, shift: number, len: number): void {
  let h: number;
  let l: number;
  if (shift >= 32) {
    h = 0;
    l = hi >>> (shift - 32);
  } else if (shift === 0) {
    h = hi;
    l = lo;
  } else {
    h = hi >>> shift;
    l = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
  }
  if (len > 32) {
    w.writeBits(h, len - 32);
    w.writeBits(l, 32);
  } else {
    w.writeBits(l, len);
  }
}

/** Reads `count` values written by writeXor into `out[offset .. offset + count)`. */
export function readXorInto(r: BitReader, count: number, out: Float64Array, offset: number): void {
  if (count === 0) return;
  // Written as 32-bit words so NaN payloads pass through no floating-point register.
  const words = new Uint32Array(out.buffer, out.byteOffset + offset * 8, count * 2);
  let hi = r.readBits(32);
  let lo = r.readBits(32);
  words[0] = lo;
  words[1] = hi;
  let winShift = -1;
  let winLen = 0;
  for (let i = 1; i < count; i++) {
    if (r.readBits(1) === 1) {
      if (r.readBits(1) === 1) {
        const lead = r.readBits(6);
        const len = r.readBits(6) + 1;
        if (lead + len > 64) r.fail(`XOR window of ${lead} leading and ${len} meaningful bits exceeds 64`);
        winShift = 64 - lead - len;
        winLen = len;
      } else if (winShift < 0) {
        r.fail('XOR value reuses a window before any was set');
      }
      let mh: number;
      let ml: number;
      if (winLen > 32) {
        mh = r.readBits(winLen - 32);
        ml = r.readBits(32);
      } else {
        mh = 0;
        ml = r.readBits(winLen);
      }
      // Shift (mh, ml) left by winShift into 64 bits.
      let xh: number;
      let xl: number;
      if (winShift >= 32) {
        xh = ml << (winShift - 32);
        xl = 0;
      } else if (winShift === 0) {
        xh = mh;
        xl = ml;
      } else {
        xh = (mh << winShift) | (ml >>> (32 - winShift));
        xl = ml << winShift;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
  }
}
