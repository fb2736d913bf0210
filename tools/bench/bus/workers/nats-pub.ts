/**
 * NATS publisher side of the publish-throughput run: on go publishes N
 * messages, flushing (a PING/PONG with the server) every `batch` messages so
 * the client's outbound buffer stays bounded; reports {sent, seconds}; then
 * publishes end markers (empty messages) until stopped.
 *
 * args: --url=nats://... --subject=S --messages=N --payload=BYTES --batch=N
 */
import { connect } from 'nats';
import { nowNs, sleep } from '../../stats.js';
import { intArg, isStopping, nextGo, runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { makePayload } from './common.js';

runWorker(async () => {
  const subject = stringArg('subject');
  const messages = intArg('messages');
  const payload = makePayload(intArg('payload', 64));
  const batch = Math.max(1, intArg('batch', 1000));
  const nc = await connect({ servers: stringArg('url'), name: 'bench-pub' });
  await sendReady();
  await nextGo();

  const started = nowNs();
  for (let i = 0; i < messages; i++) {
    nc.publish(subject, payload);
    if ((i + 1) % batch === 0) await nc.flush();
  }
  await nc.flush();
  await sendResult({ sent: messages, seconds: (nowNs() - started) / 1e9 });

  const end = new Uint8Array(0);
  while (!isStopping()) {
    nc.publish(subject, end);
    await nc.flush();
    await Promise.race([sleep(10), stopRequested()]);
  }
  await nc.close();
});
