/**
 * Gridlink bus receiver of the send-throughput run (mirrors zmq-router-sink.ts):
 * holds the sink role, counts N messages, reports {received, seconds, messagesPerSecond}.
 *
 * args: --discovery-port=N --cluster=NAME --messages=N
 */
import { intArg, runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { ThroughputCounter } from './common.js';
import { BENCH_TYPE, SINK_ROLE, startBenchBus } from './ours-common.js';

runWorker(async () => {
  const messages = intArg('messages');
  const bus = await startBenchBus('bench-sink', { roles: [{ name: SINK_ROLE, requestTypes: [BENCH_TYPE] }] });
  const counter = new ThroughputCounter();
  bus.handle(BENCH_TYPE, () => {
    counter.tick();
    if (counter.received === messages) void sendResult(counter.result());
  });
  await sendReady();
  await stopRequested();
  await bus.close();
});
