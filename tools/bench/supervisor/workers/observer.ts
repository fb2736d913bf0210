/**
 * The bus peer of `npm run bench:supervisor` ("ours"): a plain bus node in
 * the discovery domain of the `gridlink up` under test, with default bus
 * options, as any other module would be. On `go` it waits until the module
 * is running, then for each kill: waits the settle time, takes the module's
 * pid from its registry record, SIGKILLs it and times on the monotonic clock
 *   - crash known:     until that record (id and incarnation) leaves our registry;
 *   - restart visible: until a record of the same name and a newer
 *                      incarnation is in our registry in state "running".
 * It reports {crashKnownMs: [...], restartVisibleMs: [...]} once.
 *
 * args: --discovery-port=N --cluster=name --module=<bus name> --kills=N
 *       --settle-ms=N --per-kill-timeout-ms=N --start-timeout-ms=N
 */
import { Bus, type ModuleRecord, type RegistryChange } from '../../../../core/bus/index.js';
import { nowNs, sleep } from '../../stats.js';
import { intArg, nextGo, runWorker, sendReady, sendResult, stringArg } from '../../worker.js';
import { killLine } from '../plan.js';

/** The newest running record of a module name, if any. */
function runningRecord(bus: Bus, name: string): ModuleRecord | undefined {
  let best: ModuleRecord | undefined;
  for (const record of bus.registry.list()) {
    if (record.name !== name || record.state !== 'running') continue;
    if (best === undefined || record.incarnation > best.incarnation) best = record;
  }
  return best;
}

/** Resolves with the first registry change that `match` accepts, or rejects after `ms`. */
function awaitChange(bus: Bus, ms: number, what: string, match: (change: RegistryChange) => boolean): { done: Promise<number>; cancel: () => void } {
  let cancel = (): void => {};
  const done = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`${what} not seen within ${ms} ms`));
    }, ms);
    const subscription = bus.registry.changes.subscribe((change) => {
      if (!match(change)) return;
      const at = nowNs();
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(at);
    });
    cancel = () => {
      clearTimeout(timer);
      subscription.unsubscribe();
    };
  });
  return { done, cancel };
}

runWorker(async () => {
  const moduleName = stringArg('module');
  const kills = intArg('kills');
  const settleMs = intArg('settle-ms');
  const perKillTimeoutMs = intArg('per-kill-timeout-ms');
  const startTimeoutMs = intArg('start-timeout-ms');
  const bus = await Bus.start({
    name: 'bench-observer',
    discovery: { port: intArg('discovery-port'), cluster: stringArg('cluster') },
  });
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  try {
    await sendReady();
    await nextGo();

    const until = Date.now() + startTimeoutMs;
    while (runningRecord(bus, moduleName) === undefined) {
      if (Date.now() > until) {
        const seen = bus.registry.list().map((r) => `${r.name} (${r.state})`);
        throw new Error(`module "${moduleName}" not running in the registry within ${startTimeoutMs} ms; seen: ${seen.join(', ') || 'nobody'}`);
      }
      await sleep(20);
    }

    const crashKnownMs: number[] = [];
    const restartVisibleMs: number[] = [];
    for (let i = 1; i <= kills; i++) {
      await sleep(settleMs);
      const victim = runningRecord(bus, moduleName);
      if (victim === undefined) throw new Error(`kill ${i}: module "${moduleName}" is not running before the kill`);
      if (!(victim.pid > 0)) throw new Error(`kill ${i}: the record of "${moduleName}" has no pid`);
      const left = awaitChange(
        bus,
        perKillTimeoutMs,
        `kill ${i}: the leave of ${moduleName} (pid ${victim.pid})`,
        (c) => c.kind === 'leave' && c.record.id === victim.id && c.record.incarnation === victim.incarnation,
      );
      const back = awaitChange(
        bus,
        perKillTimeoutMs,
        `kill ${i}: a restarted ${moduleName} in state running`,
        (c) => c.kind !== 'leave' && c.record.name === moduleName && c.record.incarnation > victim.incarnation && c.record.state === 'running',
      );
      const killedAt = nowNs();
      try {
        process.kill(victim.pid, 'SIGKILL');
      } catch (error) {
        left.cancel();
        back.cancel();
        throw new Error(`kill ${i}: cannot SIGKILL pid ${victim.pid}: ${(error as Error).message}`);
      }
      const [leftAt, backAt] = await Promise.all([left.done, back.done]).catch((error: unknown) => {
        left.cancel();
        back.cancel();
        throw error;
      });
      const crashMs = (leftAt - killedAt) / 1e6;
      const restartMs = (backAt - killedAt) / 1e6;
      crashKnownMs.push(crashMs);
      restartVisibleMs.push(restartMs);
      log(killLine(i, kills, crashMs, restartMs));
    }
    await sendResult({ crashKnownMs, restartVisibleMs });
  } finally {
    await bus.close('benchmark done');
  }
});
