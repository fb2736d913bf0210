/**
 * NATS requester side of the request/reply runs: on go sends `warmup`
 * untimed then `requests` timed requests (nc.request, the client's shared
 * reply inbox) with `in-flight` outstanding at a time; reports
 * {requests, seconds, requestsPerSecond, p50Us, p99Us, ...}.
 *
 * args: --url=nats://... --subject=S --warmup=N --requests=N --in-flight=N --payload=BYTES
 */
import { connect } from 'nats';
import { intArg, nextGo, runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { closedLoop, makePayload, requestFigures } from './common.js';

runWorker(async () => {
  const subject = stringArg('subject');
  const warmup = intArg('warmup');
  const requests = intArg('requests');
  const inFlight = Math.max(1, intArg('in-flight', 1));
  const payload = makePayload(intArg('payload', 64));
  const nc = await connect({ servers: stringArg('url'), name: 'bench-request' });
  await sendReady();
  await nextGo();

  const request = (): Promise<unknown> => nc.request(subject, payload, { timeout: 10_000 });
  await closedLoop(warmup, inFlight, request);
  const { latenciesNs, seconds } = await closedLoop(requests, inFlight, request);
  await sendResult(requestFigures(latenciesNs, seconds));
  await stopRequested();
  await nc.close();
});
