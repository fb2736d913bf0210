/**
 * Raw zeromq.js ROUTER side of the send-throughput run: binds, counts N
 * messages from DEALERs from the first to the last, reports
 * {received, seconds, messagesPerSecond}.
 *
 * args: --messages=N --hwm=N
 */
import { Router } from '../../../../core/bus/zeromq.js';
import { intArg, runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { ThroughputCounter } from './common.js';

runWorker(async () => {
  const messages = intArg('messages');
  const hwm = intArg('hwm', 100_000);

  const router = new Router({ receiveHighWaterMark: hwm, linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  await sendReady({ endpoint: router.lastEndpoint ?? '' });

  const counter = new ThroughputCounter();
  const receiving = (async () => {
    while (counter.received < messages) {
      await router.receive();
      counter.tick();
    }
    await sendResult(counter.result());
  })();
  await Promise.race([receiving, stopRequested()]);
  router.close();
});
