/**
 * Gridlink bus publisher of the publish-throughput run (mirrors zmq-pub.ts):
 * go #1: publish sync probes until go #2; go #2: publish N messages with
 * bus.publishRaw (coalesced into batches by the bus), report {sent, seconds},
 * then publish end markers until stopped.
 *
 * args: --discovery-port=N --cluster=NAME --messages=N --payload=BYTES
 */
import { nowNs, sleep } from '../../stats.js';
import { intArg, isStopping, nextGo, runWorker, sendReady, sendResult, stopRequested } from '../../worker.js';
import { makePayload } from './common.js';
import { BENCH_TYPE, DATA_TOPIC, END_TOPIC, SYNC_TOPIC, startBenchBus, waitForModule, yieldEvery } from './ours-common.js';

runWorker(async () => {
  const messages = intArg('messages');
  const payload = makePayload(intArg('payload', 64));
  const bus = await startBenchBus('bench-pub', { publishes: [DATA_TOPIC] });
  await sendReady();
  await waitForModule(bus, 'bench-sub');

  await nextGo();
  let probing = true;
  const probes = (async () => {
    while (probing && !isStopping()) {
      bus.publishRaw(SYNC_TOPIC, BENCH_TYPE, payload);
      await sleep(10);
    }
  })();
  await nextGo();
  probing = false;
  await probes;

  // A module publishing in a loop still gives the event loop a turn now and
  // then; the bus sends the batch built so far at each turn.
  const pause = yieldEvery(2048);
  const started = nowNs();
  for (let i = 0; i < messages; i++) {
    bus.publishRaw(DATA_TOPIC, BENCH_TYPE, payload);
    const turn = pause(i);
    if (turn) await turn;
  }
  await new Promise<void>((r) => setImmediate(r));
  const seconds = (nowNs() - started) / 1e9;
  await sendResult({ sent: messages, seconds, dropped: bus.snapshotStats().droppedPublications ?? 0 });

  while (!isStopping()) {
    bus.publishRaw(END_TOPIC, BENCH_TYPE, payload);
    await Promise.race([sleep(10), stopRequested()]);
  }
  await bus.close();
});
