/**
 * Value and quality arrays put aside for reuse, by length. A month at one
 * minute is 345 kB of values: handing such arrays on from one profile to
 * the next is far cheaper than fresh ones (no zeroing, page faults or
 * garbage collection). Whatever is taken must be overwritten in full.
 */
export class SlotArrayPool {
  private readonly valueArrays = new Map<number, Float64Array[]>();
  private readonly qualityArrays = new Map<number, Uint8Array[]>();

  values(length: number): Float64Array {
    return this.valueArrays.get(length)?.pop() ?? new Float64Array(length);
  }

  quality(length: number): Uint8Array {
    return this.qualityArrays.get(length)?.pop() ?? new Uint8Array(length);
  }

  /** Puts arrays aside that nothing else reads or writes any more. */
  release(values: Float64Array, quality: Uint8Array): void {
    pushTo(this.valueArrays, values.length, values);
    pushTo(this.qualityArrays, quality.length, quality);
  }
}

function pushTo<T>(arrays: Map<number, T[]>, length: number, array: T): void {
  const list = arrays.get(length);
  if (list) list.push(array);
  else arrays.set(length, [array]);
}
