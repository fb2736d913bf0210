// Follows one topic until `count` deliveries were taken or the command is aborted (Ctrl-C):
// the loop of `gridlink subscribe` and `gridlink alarms watch`.

import type { Bus, Delivery } from '../../core/bus/bus.js';

/**
 * Calls `take` for each publication on `topic` (its body is valid only during the call) until it
 * has returned true `count` times, or `signal` aborts; resolves then. `take` returns false for a
 * delivery it passes over (another type), which does not count.
 */
export function followTopic(bus: Bus, topic: string, count: number | undefined, signal: AbortSignal, take: (delivery: Delivery) => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    let taken = 0;
    let unsubscribe = (): void => undefined;
    const finish = (): void => {
      unsubscribe();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    if (signal.aborted || count === 0) return finish();
    signal.addEventListener('abort', finish, { once: true });
    unsubscribe = bus.subscribe(topic, (delivery: Delivery) => {
      if (count !== undefined && taken >= count) return;
      if (!take(delivery)) return;
      taken++;
      if (count !== undefined && taken >= count) finish();
    });
  });
}
