/**
 * Gridlink bus replier of the request runs (mirrors zmq-router-echo.ts):
 * holds the echo role and answers each request with its own payload.
 *
 * args: --discovery-port=N --cluster=NAME
 */
import { runWorker, sendReady, stopRequested } from '../../worker.js';
import { BENCH_TYPE, ECHO_ROLE, startBenchBus } from './ours-common.js';

runWorker(async () => {
  const bus = await startBenchBus('bench-echo', { roles: [{ name: ECHO_ROLE, requestTypes: [BENCH_TYPE] }] });
  bus.handle(BENCH_TYPE, (delivery) => ({ type: BENCH_TYPE, body: delivery.body }));
  await sendReady();
  await stopRequested();
  await bus.close();
});
