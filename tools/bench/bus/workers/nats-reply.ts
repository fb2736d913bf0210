/**
 * NATS replier side of the request/reply runs: subscribes and answers every
 * request with its own payload until stopped.
 *
 * args: --url=nats://... --subject=S
 */
import { connect } from 'nats';
import { runWorker, sendReady, stopRequested, stringArg } from '../../worker.js';

runWorker(async () => {
  const nc = await connect({ servers: stringArg('url'), name: 'bench-reply' });
  nc.subscribe(stringArg('subject'), {
    callback: (error, msg) => {
      if (error === null) msg.respond(msg.data);
    },
  });
  await nc.flush();
  await sendReady();
  await stopRequested();
  await nc.close();
});
