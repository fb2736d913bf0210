/** In-process timing of ours: one warm-up call (JIT, caches), then the median of `runs` calls. */
import { median, nowNs } from '../harness.js';

/** Median wall time of `work` in milliseconds, after one unmeasured call. */
export async function medianMs(runs: number, work: () => unknown): Promise<number> {
  await work();
  const readings: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = nowNs();
    await work();
    readings.push((nowNs() - started) / 1e6);
  }
  return median(readings);
}
