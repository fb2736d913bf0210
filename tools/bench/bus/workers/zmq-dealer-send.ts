/**
 * Raw zeromq.js DEALER side of the send-throughput run: connects to the
 * ROUTER, and on go sends N one-frame messages, one awaited send at a time
 * (a DEALER waits at the high-water mark, nothing is dropped); reports
 * {sent, seconds}.
 *
 * args: --endpoint=tcp://... --messages=N --payload=BYTES --hwm=N
 */
import { Dealer } from '../../../../core/bus/zeromq.js';
import { nowNs } from '../../stats.js';
import { intArg, nextGo, runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { makePayload } from './common.js';

runWorker(async () => {
  const endpoint = stringArg('endpoint');
  const messages = intArg('messages');
  const payload = makePayload(intArg('payload', 64));
  const hwm = intArg('hwm', 100_000);

  const dealer = new Dealer({ sendHighWaterMark: hwm, linger: 0 });
  dealer.connect(endpoint);
  await sendReady();
  await nextGo();

  const started = nowNs();
  for (let i = 0; i < messages; i++) await dealer.send(payload);
  await sendResult({ sent: messages, seconds: (nowNs() - started) / 1e9 });
  await stopRequested();
  dealer.close();
});
