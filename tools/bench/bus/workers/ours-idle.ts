/**
 * An idle Gridlink module for the RSS row (mirrors zmq-idle.ts): starts its
 * bus, waits until it has discovered the other idle module, then sits idle.
 *
 * args: --discovery-port=N --cluster=NAME --name=NAME --peer=NAME
 */
import { runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { startBenchBus, waitForModule } from './ours-common.js';

runWorker(async () => {
  const bus = await startBenchBus(stringArg('name'));
  await sendReady();
  await waitForModule(bus, stringArg('peer'));
  await sendResult({ joined: true });
  await stopRequested();
  await bus.close();
});
