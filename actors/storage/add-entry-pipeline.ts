// AddEntry requests without the mailbox waiting for the disk. A handler declared with
// `on.role().on()` runs in the module's mailbox to its end, reply included; for AddEntry under
// ack mode `durable` that end is an fsync, so the mailbox would take one entry per fsync (about
// 240 requests/s measured on the development machine) and the store's group commit could never
// batch. Here the mailbox does only the order-sensitive part — decode, checks, append to the
// store — and the wait for the acknowledgement happens outside it, so the entries of many
// requests in flight share one group commit. The Module API has no way to say "reply later"
// yet, so this handler replaces the runtime's AddEntry handler on the bus once the store is open
// (the runtime registers its handlers before Module.start()); AddEntry stays declared with
// `on()`, which lists it in the registry and serves it until then.

import type { MessageMeta } from '../../core/actor/index.js';
import type { Mailbox } from '../../core/actor/mailbox.js';
import type { Bus, Delivery, ReplyValue } from '../../core/bus/index.js';
import type { Logger } from '../../core/log/logger.js';
import { StoreError } from '../../core/storacle/store/api.js';
import { AddEntry, ErrorReply, SuccessReply } from '../../schemas/generated/messages.js';
import type { AppendOutcome } from './entry-writer.js';
import { toErrorReply } from './error-reply.js';

/** What the mailbox part hands back: the acknowledgement to wait for, or the failure at once. */
type Appended = { readonly ack: Promise<AppendOutcome> } | { readonly failure: unknown } | { readonly sent: true };

export interface AddEntrySteps {
  /** A request: checks and appends, returns the store's acknowledgement (runs in the mailbox). */
  append(request: AddEntry): Promise<AppendOutcome>;
  /** A send: stores it like a MeasurementEvent (runs in the mailbox). */
  take(request: AddEntry, meta: MessageMeta): void;
}

export function successMessage(outcome: AppendOutcome): SuccessReply {
  return { message: outcome === 'appended' ? 'stored' : 'duplicate (already stored)' };
}

export function pipelineAddEntry(bus: Bus, mailbox: Mailbox, steps: AddEntrySteps, log: Logger): void {
  const errorValue = (error: unknown, dataPoint: string | undefined): ReplyValue => {
    const reply = toErrorReply(error, dataPoint, log, AddEntry.name);
    return { type: ErrorReply.name, body: ErrorReply.encode(reply.value as ErrorReply), error: true };
  };
  bus.handle(AddEntry.name, async (delivery: Delivery): Promise<ReplyValue | void> => {
    let request: AddEntry;
    try {
      request = AddEntry.decode(delivery.body);
    } catch (error) {
      if (delivery.kind === 'send') return;
      return errorValue(new StoreError('InvalidArgument', `AddEntry does not decode: ${(error as Error).message}`), undefined);
    }
    let appended: Appended;
    try {
      appended = await mailbox.call((): Appended => {
        if (delivery.kind === 'send') {
          steps.take(request, delivery);
          return { sent: true };
        }
        try {
          const ack = steps.append(request);
          // Observed at once, so a rejection before the await below is not "unhandled".
          ack.catch(() => undefined);
          return { ack };
        } catch (failure) {
          return { failure };
        }
      });
    } catch {
      appended = { failure: new StoreError('Unavailable', 'the storage module is stopping') };
    }
    if ('sent' in appended) return;
    if ('failure' in appended) return errorValue(appended.failure, request.dataPoint);
    try {
      return { type: SuccessReply.name, body: SuccessReply.encode(successMessage(await appended.ack)) };
    } catch (error) {
      return errorValue(error, request.dataPoint);
    }
  });
}
