import { createRequire } from 'node:module';
import type * as Nact from 'nact';

// require(), not import: nact is CommonJS (see core/bus/zeromq.ts for why that matters).
const nact = createRequire(import.meta.url)('nact') as typeof Nact;

/**
 * The mailbox of a module (or child actor): tasks run one at a time, in
 * order, each to completion (awaiting its promise) before the next starts.
 *
 * nact does the queueing underneath; it stays behind this adapter so that
 * none of its types reach the public API and it can be replaced (research:
 * its last release is from 2022). Its own crash handling is not used: every
 * task catches its errors here and hands them to `onError`.
 */
export type Task = () => void | Promise<void>;

type NactSystem = ReturnType<typeof nact.start>;
type NactRef = ReturnType<typeof nact.spawn>;

let system: NactSystem | undefined;
let counter = 0;

function actorSystem(): NactSystem {
  system ??= nact.start();
  return system;
}

export class Mailbox {
  private readonly ref: NactRef;
  private queued = 0;
  private stopped = false;

  constructor(name: string, private readonly onError: (error: unknown) => void) {
    this.ref = nact.spawn(
      actorSystem(),
      async (state: number, task: Task) => {
        try {
          await task();
        } catch (error) {
          this.onError(error);
        } finally {
          this.queued--;
        }
        return state;
      },
      `${name.replace(/[^A-Za-z0-9_-]/g, '_')}-${++counter}`,
      { initialState: 0 },
    );
  }

  /** Messages waiting or running. */
  get depth(): number {
    return this.queued;
  }

  post(task: Task): void {
    if (this.stopped) return;
    this.queued++;
    nact.dispatch(this.ref, task);
  }

  /** Runs a task in the mailbox and resolves with its result once it has run. */
  call<T>(task: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.stopped) return reject(new Error('mailbox stopped'));
      this.queued++;
      nact.dispatch(this.ref, async () => {
        try {
          resolve(await task());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    nact.stop(this.ref);
  }
}
