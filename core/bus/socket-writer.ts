import type { Writable } from './zeromq.js';

type Frames = (Buffer | Uint8Array | string)[];

/**
 * The one writer of a ZeroMQ socket. zeromq.js allows a single pending
 * send() per socket (a second one fails with EBUSY), so every message for the
 * socket goes through this bounded FIFO and one async loop.
 *
 * Backpressure: a send waits while the socket is at its high-water mark
 * (direct sockets) and the queue fills meanwhile; `push` returns false once it
 * holds `limit` messages, so callers fail fast instead of growing memory.
 * With `dropWhenBusy`, a send that cannot be queued at once is dropped and
 * reported through `onDrop` (publications: best effort, counted).
 */
export class SocketWriter {
  private queue: Frames[] = [];
  private head = 0;
  private running = false;
  private closed = false;

  constructor(
    private readonly socket: Writable & { closed: boolean },
    private readonly limit: number,
    private readonly onDrop: (frames: Frames, error: unknown) => void,
  ) {}

  /** No send under way and none queued. */
  get idle(): boolean {
    return !this.running && this.head === this.queue.length;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  push(frames: Frames): boolean {
    if (this.closed) return false;
    if (this.pending >= this.limit) return false;
    this.queue.push(frames);
    if (!this.running) void this.run();
    return true;
  }

  /** Stops writing; queued messages are handed to onDrop. */
  close(): void {
    this.closed = true;
    for (let i = this.head; i < this.queue.length; i++) this.onDrop(this.queue[i], new Error('socket closed'));
    this.queue = [];
    this.head = 0;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.head < this.queue.length && !this.closed) {
        const frames = this.queue[this.head];
        this.queue[this.head++] = EMPTY;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        if (this.socket.closed) {
          this.onDrop(frames, new Error('socket closed'));
          continue;
        }
        try {
          await this.socket.send(frames);
        } catch (error) {
          this.onDrop(frames, error);
        }
      }
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
    } finally {
      this.running = false;
    }
  }
}

const EMPTY: Frames = [];
