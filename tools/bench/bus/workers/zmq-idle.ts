/**
 * Raw zeromq.js idle module: the sockets of one bus peer (DESIGN.md: a
 * ROUTER for direct traffic, a PUB for its publications, a SUB connected to
 * the other peer's PUB, a DEALER to the other peer's ROUTER), connected to
 * one other such process, receive loops running, then idle.
 *
 * ready {router, pub}; go {router, pub} = the other peer's endpoints: connect,
 * send one hello over the DEALER, report result {hello: true} once the
 * other's hello has arrived on the ROUTER; then sit idle until stopped.
 */
import { Dealer, Publisher, Router, Subscriber } from '../../../../core/bus/zeromq.js';
import { nextGo, runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { stringField } from '../../wire.js';

runWorker(async () => {
  const router = new Router({ linger: 0 });
  const pub = new Publisher({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  await pub.bind('tcp://127.0.0.1:*');
  await sendReady({ router: router.lastEndpoint ?? '', pub: pub.lastEndpoint ?? '' });

  const peer = await nextGo();
  const sub = new Subscriber({ linger: 0 });
  sub.connect(stringField(peer, 'pub', 'parent'));
  sub.subscribe();
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(stringField(peer, 'router', 'parent'));

  let greeted = false;
  const routerLoop = (async () => {
    for (;;) {
      await router.receive();
      if (!greeted) {
        greeted = true;
        await sendResult({ hello: true });
      }
    }
  })();
  const subLoop = (async () => {
    for (;;) await sub.receive();
  })();
  await dealer.send('hello');

  await Promise.race([routerLoop, subLoop, stopRequested()]);
  for (const socket of [dealer, sub, pub, router]) socket.close();
});
