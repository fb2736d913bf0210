/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table-driven, one byte per step.
 * Written here because `zlib.crc32` only arrived in Node 20.15 / 22.2, while package.json
 * allows Node >= 20.6; a dependency for 15 lines is not worth its supply-chain risk.
 * A CRC-32 detects every single-bit flip and every burst of up to 32 bits.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
