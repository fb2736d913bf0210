/**
 * NATS subscriber side of the publish-throughput run: connects, subscribes
 * (callback delivery, the client's fastest path), flushes so the server has
 * the subscription, reports ready; counts data messages from the first to
 * the last and reports {received, seconds, messagesPerSecond} at the first
 * end marker (an empty message on the same subject).
 *
 * args: --url=nats://... --subject=S
 */
import { connect } from 'nats';
import { runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { ThroughputCounter } from './common.js';

runWorker(async () => {
  const nc = await connect({ servers: stringArg('url'), name: 'bench-sub' });
  const counter = new ThroughputCounter();
  let reported = false;
  nc.subscribe(stringArg('subject'), {
    callback: (error, msg) => {
      if (error !== null || reported) return;
      if (msg.data.length > 0) {
        counter.tick();
      } else {
        reported = true;
        void sendResult(counter.result());
      }
    },
  });
  await nc.flush();
  await sendReady();
  await stopRequested();
  await nc.close();
});
