/**
 * Gridlink bus requester of the request runs (mirrors zmq-dealer-request.ts):
 * on go sends `warmup` untimed then `requests` timed bus.requestRaw calls with
 * `in-flight` outstanding, timing each from the call to its reply.
 *
 * args: --discovery-port=N --cluster=NAME --warmup=N --requests=N --in-flight=N --payload=BYTES
 */
import { intArg, nextGo, runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { closedLoop, makePayload, requestFigures } from './common.js';
import { BENCH_TYPE, ECHO_ROLE, startBenchBus, waitForModule } from './ours-common.js';

runWorker(async () => {
  const warmup = intArg('warmup');
  const requests = intArg('requests');
  const inFlight = Math.max(1, intArg('in-flight', 1));
  const payload = makePayload(intArg('payload', 64));
  const bus = await startBenchBus('bench-request');
  await waitForModule(bus, 'bench-echo');
  await sendReady();
  await nextGo();
  const call = () => bus.requestRaw(ECHO_ROLE, BENCH_TYPE, payload, { timeoutMs: 10_000 });
  await closedLoop(warmup, inFlight, call);
  const { latenciesNs, seconds } = await closedLoop(requests, inFlight, call);
  await sendResult(requestFigures(latenciesNs, seconds));
  await stopRequested();
  await bus.close();
});
