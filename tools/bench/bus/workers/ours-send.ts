/**
 * Gridlink bus sender of the send-throughput run (mirrors zmq-dealer-send.ts):
 * on go sends N messages with bus.sendRaw to the role held by the sink
 * (coalesced into batches per peer), reports {sent, seconds}.
 *
 * args: --discovery-port=N --cluster=NAME --messages=N --payload=BYTES
 */
import { nowNs } from '../../stats.js';
import { intArg, nextGo, runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { makePayload } from './common.js';
import { BENCH_TYPE, SINK_ROLE, startBenchBus, waitForModule, yieldEvery } from './ours-common.js';

runWorker(async () => {
  const messages = intArg('messages');
  const payload = makePayload(intArg('payload', 64));
  const bus = await startBenchBus('bench-send');
  await waitForModule(bus, 'bench-sink');
  await sendReady();
  await nextGo();
  const pause = yieldEvery(2048);
  const started = nowNs();
  for (let i = 0; i < messages; i++) {
    bus.sendRaw(SINK_ROLE, BENCH_TYPE, payload);
    const turn = pause(i);
    if (turn) await turn;
  }
  await new Promise<void>((r) => setImmediate(r));
  await sendResult({ sent: messages, seconds: (nowNs() - started) / 1e9 });
  await stopRequested();
  await bus.close();
});
