/**
 * One deadline backed by at most one Node timer, re-armed lazily.
 *
 * Why: the link moves its t1/t2/t3 deadlines on nearly every frame (t3 on every receipt, t1 on
 * every acknowledgement). Clearing and re-creating a Node timer per frame costs more than the frame
 * itself at tens of thousands of frames per second. Here moving a deadline later only stores a
 * number; the armed timer wakes at the old time, sees the deadline has moved and sleeps again.
 * Only a deadline earlier than the armed one re-creates the timer.
 */
export class Deadline {
  #at = Number.POSITIVE_INFINITY;
  #armedAt = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  readonly #onExpire: () => void;
  readonly #now: () => number;

  constructor(onExpire: () => void, now: () => number = Date.now) {
    this.#onExpire = onExpire;
    this.#now = now;
  }

  /** Whether a deadline is set (expiry pending). */
  get pending(): boolean {
    return this.#at !== Number.POSITIVE_INFINITY;
  }

  /** Expire at `at` (ms, same clock as `now`), replacing any earlier setting. */
  set(at: number): void {
    this.#at = at;
    if (at < this.#armedAt) this.#arm(at);
  }

  /** Expire `delayMs` from now. */
  setIn(delayMs: number): void {
    this.set(this.#now() + delayMs);
  }

  /** No expiry; the armed timer (if any) wakes once more and does nothing. */
  clear(): void {
    this.#at = Number.POSITIVE_INFINITY;
  }

  /** Releases the Node timer: call on close so no handle outlives the link. */
  dispose(): void {
    this.#at = Number.POSITIVE_INFINITY;
    this.#disarm();
  }

  #arm(at: number): void {
    this.#disarm();
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#wake(), Math.max(0, at - this.#now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }

  #wake(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    if (this.#at === Number.POSITIVE_INFINITY) return;
    if (this.#now() >= this.#at) {
      this.#at = Number.POSITIVE_INFINITY;
      this.#onExpire();
    } else {
      this.#arm(this.#at);
    }
  }
}
