/**
 * Raw zeromq.js ROUTER side of the request/reply runs: binds and echoes every
 * multipart message (routing id included) back to its sender until stopped.
 *
 * args: --hwm=N
 */
import { Router } from '../../../../core/bus/zeromq.js';
import { intArg, runWorker, sendReady, stopRequested } from '../../worker.js';

runWorker(async () => {
  const hwm = intArg('hwm', 100_000);
  const router = new Router({ sendHighWaterMark: hwm, receiveHighWaterMark: hwm, linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  await sendReady({ endpoint: router.lastEndpoint ?? '' });

  const echoing = (async () => {
    for (;;) {
      const message = await router.receive();
      await router.send(message);
    }
  })();
  await Promise.race([echoing, stopRequested()]);
  router.close();
});
