/**
 * Raw zeromq.js PUB side of the publish-throughput run.
 *
 * args: --messages=N --payload=BYTES --hwm=N
 * ready {endpoint}; go #1: send sync probes until go #2; go #2: send N data
 * messages [topic, payload] (one awaited send at a time, as zeromq.js
 * requires), report {sent, seconds}, then send end markers until stopped.
 */
import { Publisher } from '../../../../core/bus/zeromq.js';
import { nowNs, sleep } from '../../stats.js';
import { intArg, isStopping, nextGo, runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { makePayload } from './common.js';
import { DATA_TOPIC, END_TOPIC, SYNC_TOPIC } from './zmq-topics.js';

runWorker(async () => {
  const messages = intArg('messages');
  const payload = makePayload(intArg('payload', 64));
  const hwm = intArg('hwm', 100_000);

  const pub = new Publisher({ sendHighWaterMark: hwm, linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  await sendReady({ endpoint: pub.lastEndpoint ?? '' });

  // Slow-joiner guard: probe until the subscriber has seen one (the parent then says go).
  await nextGo();
  let probing = true;
  const probes = (async () => {
    while (probing && !isStopping()) {
      await pub.send([SYNC_TOPIC, payload]);
      await sleep(10);
    }
  })();
  await nextGo();
  probing = false;
  await probes;

  const started = nowNs();
  for (let i = 0; i < messages; i++) await pub.send([DATA_TOPIC, payload]);
  const seconds = (nowNs() - started) / 1e9;
  await sendResult({ sent: messages, seconds });

  // Markers after the data: the subscriber stops counting at the first one it sees.
  while (!isStopping()) {
    await pub.send([END_TOPIC, payload]);
    await Promise.race([sleep(10), stopRequested()]);
  }
  pub.close();
});
