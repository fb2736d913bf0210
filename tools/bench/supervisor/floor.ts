/**
 * The "spawn loop" column of `npm run bench:supervisor`: a bare `node -e`
 * child restarted by a minimal spawn loop (./workers/spawn-loop.ts). This
 * process SIGKILLs the child the loop reports and reads, from the loop's
 * reports, when its 'exit' event fired (crash known) and when the next
 * child's first stdout line arrived (restart visible).
 */
import { numberField, sleep, startWorker, stringField, nowNs, type WireData, type WorkerProcess } from '../harness.js';
import { killLine, type KillPlan, type KillSamples } from './plan.js';

interface LoopEvent {
  event: 'visible' | 'exit';
  pid: number;
  atNs: number;
}

function loopEvent(data: WireData): LoopEvent {
  const event = stringField(data, 'event', 'spawn-loop');
  if (event !== 'visible' && event !== 'exit') throw new Error(`spawn-loop: unknown event "${event}"`);
  return { event, pid: numberField(data, 'pid', 'spawn-loop'), atNs: numberField(data, 'atNs', 'spawn-loop') };
}

/** Waits for the next report of the loop that matches. */
async function nextEvent(loop: WorkerProcess, deadline: number, match: (e: LoopEvent) => boolean): Promise<LoopEvent> {
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('spawn-loop: no report in time');
    const e = loopEvent(await loop.result(left));
    if (match(e)) return e;
  }
}

export async function measureFloor(plan: KillPlan, log: (message: string) => void): Promise<KillSamples> {
  const loop = await startWorker({ script: new URL('./workers/spawn-loop.js', import.meta.url), label: 'spawn-loop' });
  const samples: KillSamples = { crashKnownMs: [], restartVisibleMs: [] };
  try {
    let current = await nextEvent(loop, Date.now() + plan.startTimeoutMs, (e) => e.event === 'visible');
    for (let i = 1; i <= plan.kills; i++) {
      await sleep(plan.settleMs);
      const killedAt = nowNs();
      process.kill(current.pid, 'SIGKILL');
      const deadline = Date.now() + plan.perKillTimeoutMs;
      let exit: LoopEvent | undefined;
      let visible: LoopEvent | undefined;
      while (exit === undefined || visible === undefined) {
        const e = await nextEvent(loop, deadline, () => true);
        if (e.event === 'exit' && e.pid === current.pid) exit = e;
        else if (e.event === 'visible' && e.pid !== current.pid) visible = e;
      }
      const crashMs = (exit.atNs - killedAt) / 1e6;
      const restartMs = (visible.atNs - killedAt) / 1e6;
      if (crashMs < 0 || restartMs < 0) throw new Error('spawn-loop: clocks of the two processes disagree (event before the kill)');
      samples.crashKnownMs.push(crashMs);
      samples.restartVisibleMs.push(restartMs);
      log(killLine(i, plan.kills, crashMs, restartMs));
      current = visible;
    }
  } finally {
    await loop.stop();
  }
  return samples;
}
