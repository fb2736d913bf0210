/**
 * Gridlink bus subscriber of the publish-throughput run (mirrors zmq-sub.ts):
 * reports {synced} at the first probe, counts data publications from the
 * first to the last, reports at the first end marker.
 *
 * args: --discovery-port=N --cluster=NAME
 */
import { runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { ThroughputCounter } from './common.js';
import { DATA_TOPIC, END_TOPIC, SYNC_TOPIC, startBenchBus, waitForModule } from './ours-common.js';

runWorker(async () => {
  const bus = await startBenchBus('bench-sub');
  const counter = new ThroughputCounter();
  let synced = false;
  let ended = false;
  bus.subscribe(DATA_TOPIC, () => counter.tick());
  bus.subscribe(SYNC_TOPIC, () => {
    if (synced) return;
    synced = true;
    void sendResult({ synced: true });
  });
  bus.subscribe(END_TOPIC, () => {
    if (ended) return;
    ended = true;
    void sendResult(counter.result());
  });
  await waitForModule(bus, 'bench-pub');
  await sendReady();
  await stopRequested();
  await bus.close();
});
