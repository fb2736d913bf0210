/**
 * The failures of a grid request (schemas/grid.fbs GridErrorCode) and their
 * GridErrorReply. A module's handlers throw GridRequestError where the reason
 * is known; `toGridErrorReply` turns whatever a handler threw into the reply,
 * so nothing a request carries ends the process.
 */
import { ReplyError } from '../../actor/module.js';
import type { Logger } from '../../log/logger.js';
import { GridErrorReply, type GridErrorCode } from '../../../schemas/generated/messages.js';

export class GridRequestError extends Error {
  override readonly name = 'GridRequestError';
  constructor(
    readonly code: GridErrorCode,
    message: string,
    /** The element, switch, monitoring point, building or file concerned. */
    readonly subject?: string,
  ) {
    super(message);
  }
}

export function gridErrorReply(code: GridErrorCode, message: string, subject?: string): ReplyError<GridErrorReply> {
  const value: GridErrorReply = { code, message };
  if (subject !== undefined) value.subject = subject;
  return new ReplyError(GridErrorReply, value, `${code}: ${message}`);
}

/**
 * The GridErrorReply for anything a handler threw: a GridRequestError keeps
 * its code; anything else is a bug, logged with the request's name and
 * answered as Unknown.
 */
export function toGridErrorReply(error: unknown, log: Logger, request: string): ReplyError<GridErrorReply> {
  if (error instanceof ReplyError) return error as ReplyError<GridErrorReply>;
  if (error instanceof GridRequestError) return gridErrorReply(error.code, error.message, error.subject);
  const message = error instanceof Error ? error.message : String(error);
  log.error('grid request failed unexpectedly', { request, error: message });
  return gridErrorReply('Unknown', `${request}: ${message}`);
}
