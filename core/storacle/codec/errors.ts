/** Thrown by every decoder on bytes that are not a valid chunk: what is wrong, and where. */
export class CorruptChunkError extends Error {
  override readonly name = 'CorruptChunkError';
  constructor(message: string) {
    super(message);
  }
}
