// Every failure of an AppManager request becomes an AppErrorReply (schemas/provisioning.fbs) with
// a code the caller branches on, a message for people, the app concerned and the operation id.

import { ReplyError } from '../../core/actor/index.js';
import { AppErrorReply, type AppErrorCode } from '../../schemas/generated/messages.js';

/** A failure an operation reports as it is; anything else thrown is a bug, answered as Internal. */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly app?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function toAppErrorReply(error: unknown, operationId: string | undefined, app: string | undefined): ReplyError<AppErrorReply> {
  if (error instanceof ReplyError) return error as ReplyError<AppErrorReply>;
  const code: AppErrorCode = error instanceof AppError ? error.code : 'Internal';
  const message = error instanceof Error ? error.message : String(error);
  const value: AppErrorReply = { code, message };
  const name = error instanceof AppError ? (error.app ?? app) : app;
  if (name !== undefined) value.name = name;
  if (operationId) value.operationId = operationId;
  return new ReplyError(AppErrorReply, value, `${code}: ${message}`);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
