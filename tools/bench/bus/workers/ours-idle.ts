/**
 * An idle Gridlink module for the RSS row (mirrors zmq-idle.ts): a real
 * module (Module subclass under ModuleRuntime: mailbox, lifecycle roles,
 * bus node), as `gridlink run` starts one, that waits until it has
 * discovered the other idle module and then sits idle.
 *
 * args: --discovery-port=N --cluster=NAME --name=NAME --peer=NAME
 */
import { Module, ModuleRuntime } from '../../../../core/actor/index.js';
import { intArg, runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { waitForModule } from './ours-common.js';

class IdleModule extends Module {
  static override info = { name: stringArg('name'), version: '0.0.0' };
}

runWorker(async () => {
  const runtime = await ModuleRuntime.start(IdleModule, {
    config: { stateDir: '/nonexistent/gridlink-bench-idle' },
    busOverrides: { discovery: { port: intArg('discovery-port'), cluster: stringArg('cluster') } },
  });
  await sendReady();
  await waitForModule(runtime.busNode, stringArg('peer'));
  await sendResult({ joined: true });
  await stopRequested();
  await runtime.stop('benchmark over');
});
