/**
 * The actor mailbox of a module, seen from outside: messages reach a module
 * one at a time, each handler running to its end (awaits included) before
 * the next one starts. The probe runs as its own process (`gridlink run`);
 * the requests come from a bus peer in this process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecipientFailureError } from '../../core/bus/index.js';
import { ErrorReply } from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { removeTempDirs, startProbe, TestPeer, type Domain, type RunningProbe } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let probe: RunningProbe;

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-mailbox') };
  peer = await TestPeer.start(domain);
  probe = await startProbe(peer, domain);
});

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('mailbox', () => {
  it('runs two concurrent requests to a handler that awaits 200 ms one after the other', async () => {
    // Both requests are on the wire before either is answered.
    const [a, b] = await Promise.all([peer.ask(probe.address, 'slow:a'), peer.ask(probe.address, 'slow:b')]);

    // Each handler saw itself as the only one running...
    expect(a.entry?.value).toBe(1);
    expect(b.entry?.value).toBe(1);
    // ...and the probe's own record of begin/end shows no interleaving: begin, end, begin, end.
    const trace = probe.process.events.filter((e) => e.event === 'slow-begin' || e.event === 'slow-end').map((e) => `${String(e.event)}:${String(e.label)}`);
    expect(trace).toHaveLength(4);
    const [first, second] = trace[0] === 'slow-begin:a' ? ['a', 'b'] : ['b', 'a'];
    expect(trace).toEqual([`slow-begin:${first}`, `slow-end:${first}`, `slow-begin:${second}`, `slow-end:${second}`]);
    // The second began after the first had waited its 200 ms.
    const began = { a: a.entry!.timestampMs, b: b.entry!.timestampMs };
    expect(began[second as 'a' | 'b'] - began[first as 'a' | 'b']).toBeGreaterThanOrEqual(195);
  });

  it('replyLater frees the mailbox: two 200 ms replies overlap, and a later ReplyError arrives as an ErrorReply', async () => {
    const [a, b, ping] = await Promise.all([peer.ask(probe.address, 'later:a'), peer.ask(probe.address, 'later:b'), peer.value(probe.address, 'ping')]);
    // The second began while the first reply was still pending.
    expect([a.entry?.value, b.entry?.value].sort()).toEqual([1, 2]);
    expect(ping).toBe(0);
    const failed = await peer.ask(probe.address, 'later-fail').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String(failed)).toContain('asked to fail later');
  });

  it('keeps the order of messages from one sender', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => peer.value(probe.address, 'increment')));
    // Twenty increments in the order sent: 1..20, no lost update, no reordering.
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a handler that throws answers with an error reply; the mailbox goes on with the next message', async () => {
    const before = await peer.value(probe.address, 'counter');
    const [failed, unknown, after] = await Promise.allSettled([
      peer.ask(probe.address, 'fail'),
      peer.ask(probe.address, 'no-such-action'),
      peer.value(probe.address, 'increment'),
    ]);
    // A plain exception becomes a RecipientFailure carrying its message...
    expect(failed.status).toBe('rejected');
    const failure = (failed as PromiseRejectedResult).reason as RecipientFailureError;
    expect(failure).toBeInstanceOf(RecipientFailureError);
    expect(failure.message).toContain('asked to fail');
    // ...a ReplyError becomes the typed error reply the module chose (a storage ErrorReply here).
    expect(unknown.status).toBe('rejected');
    const typed = (unknown as PromiseRejectedResult).reason as RecipientFailureError;
    expect(typed).toBeInstanceOf(RecipientFailureError);
    expect(typed.replyType).toBe(ErrorReply.name);
    expect(ErrorReply.decode(typed.replyBody)).toEqual({ code: 'InvalidArgument', message: 'probe: unknown action "no-such-action"', dataPoint: 'no-such-action' });
    // The message queued behind them ran normally.
    expect(after).toEqual({ status: 'fulfilled', value: before + 1 });
    expect(probe.process.child.exitCode).toBeNull();
  });
});
