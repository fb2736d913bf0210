// Every failure of a storage request becomes an ErrorReply (schemas/storage.fbs) with a code the
// caller branches on, a message for people and the data point it concerns; nothing a request
// carries may end the process.

import { ReplyError } from '../../core/actor/index.js';
import type { Logger } from '../../core/log/logger.js';
import { StoreError, type StoreErrorCode } from '../../core/storacle/store/api.js';
import { ErrorReply } from '../../schemas/generated/messages.js';

export function errorReply(code: StoreErrorCode, message: string, dataPoint?: string): ReplyError<ErrorReply> {
  const value: ErrorReply = { code, message };
  if (dataPoint !== undefined) value.dataPoint = dataPoint;
  return new ReplyError(ErrorReply, value, `${code}: ${message}`);
}

/**
 * The ErrorReply for anything a handler threw: a StoreError keeps its code; a file system error
 * is an IoError (ENOSPC: ResourceExhausted); anything else is a bug, logged and answered as
 * Internal.
 */
export function toErrorReply(error: unknown, dataPoint: string | undefined, log: Logger, request: string): ReplyError<ErrorReply> {
  if (error instanceof ReplyError) return error as ReplyError<ErrorReply>;
  if (error instanceof StoreError) return errorReply(error.code, error.message, error.dataPoint ?? dataPoint);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    log.warn('storage request failed on the file system', { request, dataPoint, error: message });
    return errorReply(code === 'ENOSPC' || code === 'EDQUOT' ? 'ResourceExhausted' : 'IoError', message, dataPoint);
  }
  log.error('storage request failed unexpectedly', { request, dataPoint, error: message });
  return errorReply('Internal', `${request}: ${message}`, dataPoint);
}
