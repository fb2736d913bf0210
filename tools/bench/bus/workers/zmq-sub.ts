/**
 * Raw zeromq.js SUB side of the publish-throughput run: connects to the
 * publisher, reports result {synced} on the first probe, then counts data
 * messages from the first to the last and reports
 * {received, seconds, messagesPerSecond} at the first end marker.
 *
 * args: --endpoint=tcp://... --hwm=N
 */
import { Subscriber } from '../../../../core/bus/zeromq.js';
import { intArg, runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { ThroughputCounter } from './common.js';
import { DATA_TOPIC, END_TOPIC, SYNC_TOPIC, TOPIC_PREFIX } from './zmq-topics.js';

runWorker(async () => {
  const endpoint = stringArg('endpoint');
  const hwm = intArg('hwm', 100_000);

  const sub = new Subscriber({ receiveHighWaterMark: hwm, linger: 0 });
  sub.connect(endpoint);
  sub.subscribe(TOPIC_PREFIX);
  await sendReady();

  const counter = new ThroughputCounter();
  let synced = false;
  const receiving = (async () => {
    for (;;) {
      const [topic] = await sub.receive();
      if (topic === undefined) continue;
      if (topic.length === DATA_TOPIC.length) {
        counter.tick();
      } else if (topic.length === SYNC_TOPIC.length) {
        if (!synced) {
          synced = true;
          await sendResult({ synced: true });
        }
      } else if (topic.length === END_TOPIC.length) {
        await sendResult(counter.result());
        return;
      }
    }
  })();
  await Promise.race([receiving, stopRequested()]);
  sub.close();
});
