/**
 * A reply a request handler promises without holding the mailbox while it is
 * on its way. Handlers run in the module's mailbox one at a time, to their end;
 * a handler whose last step is a long wait that does not touch module state
 * (an fsync, say) would hold every other message back for it. Returning
 * `replyLater(promise)` ends the mailbox turn at once: the runtime awaits the
 * promise outside the mailbox and sends its value (or the ErrorReply of a
 * ReplyError it rejects with) as the reply. Everything order-sensitive must
 * happen before the handler returns.
 */
export class ReplyLater<R> {
  constructor(readonly reply: Promise<R>) {
    // Observed at once: a rejection before the runtime awaits it is not "unhandled".
    reply.catch(() => undefined);
  }
}

/** See {@link ReplyLater}. */
export function replyLater<R>(reply: Promise<R>): ReplyLater<R> {
  return new ReplyLater(reply);
}
