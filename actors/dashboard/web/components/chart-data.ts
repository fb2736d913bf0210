// The chart route's binary answer (actors/dashboard/api.ts, GET /api/datapoints/:name/chart):
// a little-endian header of 4 uint32 (magic "GLCH", version 1, n, reserved) and a float64
// source-entry count, then n float64 timestamps and n float64 values. The header is 24 bytes,
// a multiple of 8, so both arrays are views into the response's buffer: nothing is copied.

export const chartMagic = 0x474c4348;
export const chartVersion = 1;
const headerBytes = 24;

export interface ChartSeries {
  timestampsMs: Float64Array;
  values: Float64Array;
  /** Entries the storage read to make these points (0 when it did not count them). */
  sourceEntries: number;
}

const littleEndianMachine = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function parseChartBytes(buffer: ArrayBuffer): ChartSeries {
  if (buffer.byteLength < headerBytes) throw new Error(`chart answer of ${buffer.byteLength} bytes is shorter than its 24-byte header`);
  const header = new DataView(buffer, 0, headerBytes);
  const magic = header.getUint32(0, true);
  if (magic !== chartMagic) throw new Error(`chart answer does not start with "GLCH" (0x${magic.toString(16)})`);
  const version = header.getUint32(4, true);
  if (version !== chartVersion) throw new Error(`chart answer of version ${version}; this page reads version ${chartVersion}`);
  const n = header.getUint32(8, true);
  const sourceEntries = header.getFloat64(16, true);
  const expected = headerBytes + 16 * n;
  if (buffer.byteLength < expected) throw new Error(`chart answer of ${buffer.byteLength} bytes is too short for ${n} points (${expected} bytes)`);
  if (littleEndianMachine) {
    return {
      timestampsMs: new Float64Array(buffer, headerBytes, n),
      values: new Float64Array(buffer, headerBytes + 8 * n, n),
      sourceEntries,
    };
  }
  // A big-endian machine cannot view little-endian floats; read them one by one.
  const view = new DataView(buffer);
  const timestampsMs = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestampsMs[i] = view.getFloat64(headerBytes + 8 * i, true);
    values[i] = view.getFloat64(headerBytes + 8 * (n + i), true);
  }
  return { timestampsMs, values, sourceEntries };
}
