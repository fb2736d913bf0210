/**
 * Raw zeromq.js DEALER side of the request/reply runs: connects to the echo
 * ROUTER; on go sends `warmup` untimed then `requests` timed requests with
 * `in-flight` outstanding at a time, timing each from before its send to its
 * reply; reports {requests, seconds, requestsPerSecond, p50Us, p99Us, ...}.
 *
 * One in flight is the plain awaited send → receive loop. With more, one loop
 * sends while another receives (zeromq.js allows one pending send and one
 * pending receive per socket); the echo keeps order, so reply i answers request i.
 *
 * args: --endpoint=tcp://... --warmup=N --requests=N --in-flight=N --payload=BYTES --hwm=N
 */
import { Dealer } from '../../../../core/bus/zeromq.js';
import { nowNs } from '../../stats.js';
import { intArg, nextGo, runWorker, sendReady, sendResult, stopRequested, stringArg } from '../../worker.js';
import { makePayload, requestFigures } from './common.js';

runWorker(async () => {
  const endpoint = stringArg('endpoint');
  const warmup = intArg('warmup');
  const requests = intArg('requests');
  const inFlight = Math.max(1, intArg('in-flight', 1));
  const payload = makePayload(intArg('payload', 64));
  const hwm = intArg('hwm', 100_000);

  const dealer = new Dealer({ sendHighWaterMark: hwm, receiveHighWaterMark: hwm, linger: 0 });
  dealer.connect(endpoint);
  await sendReady();
  await nextGo();

  const oneAtATime = async (total: number): Promise<Float64Array> => {
    const latencies = new Float64Array(total);
    for (let i = 0; i < total; i++) {
      const start = nowNs();
      await dealer.send(payload);
      await dealer.receive();
      latencies[i] = nowNs() - start;
    }
    return latencies;
  };

  const pipelined = async (total: number): Promise<Float64Array> => {
    const starts = new Float64Array(total);
    const latencies = new Float64Array(total);
    let sent = 0;
    let received = 0;
    let wake: (() => void) | undefined;
    const receiving = (async () => {
      while (received < total) {
        await dealer.receive();
        latencies[received] = nowNs() - (starts[received] as number);
        received++;
        if (wake !== undefined) {
          const w = wake;
          wake = undefined;
          w();
        }
      }
    })();
    while (sent < total) {
      if (sent - received >= inFlight) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      starts[sent] = nowNs();
      sent++;
      await dealer.send(payload);
    }
    await receiving;
    return latencies;
  };

  const run = inFlight === 1 ? oneAtATime : pipelined;
  await run(warmup);
  const started = nowNs();
  const latencies = await run(requests);
  const seconds = (nowNs() - started) / 1e9;
  await sendResult(requestFigures(latencies, seconds));
  await stopRequested();
  dealer.close();
});
