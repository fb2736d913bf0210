// A failed request to the AppManager, whatever failed: the AppManager's own AppErrorReply (its
// code kept), or the bus (the AppManager absent, busy, or too slow). Callers map it to their own
// errors (the gateways' GatewayError, the dashboard's ApiError and HTTP status).

import { BusError, RecipientFailureError } from '../../bus/index.js';
import { AppErrorReply, type AppErrorCode } from '../../../schemas/generated/messages.js';

export type AppManagerErrorCode = AppErrorCode | 'Timeout';

export class AppManagerError extends Error {
  constructor(
    readonly code: AppManagerErrorCode,
    message: string,
    /** The app the error concerns, when there is one. */
    readonly app?: string,
    /**
     * True when the AppManager itself could not be reached (not on the bus, gone, not keeping up),
     * as opposed to its answer `Unavailable` (the App Store or a host agent it needed).
     */
    readonly absent = false,
  ) {
    super(message);
    this.name = 'AppManagerError';
  }
}

/** Turns whatever a bus request to the AppManager threw into an AppManagerError. */
export function asAppManagerError(error: unknown, app: string | undefined): AppManagerError {
  if (error instanceof AppManagerError) return error;
  if (error instanceof RecipientFailureError && error.replyType === AppErrorReply.name) {
    let reply: AppErrorReply;
    try {
      reply = AppErrorReply.decode(error.replyBody);
    } catch {
      return new AppManagerError('Internal', `the AppManager's error reply could not be decoded: ${error.message}`, app);
    }
    return new AppManagerError(reply.code, reply.message ?? reply.code, reply.name || app);
  }
  if (error instanceof BusError) {
    switch (error.code) {
      case 'NoHandlers':
      case 'PeerGone':
      case 'Closed':
        return new AppManagerError('Unavailable', `the AppManager is not reachable on the bus: ${error.message}`, app, true);
      case 'Timeout':
        return new AppManagerError('Timeout', `the AppManager did not answer in time: ${error.message}`, app);
      case 'Backpressure':
        return new AppManagerError('Unavailable', `the AppManager does not keep up: ${error.message}`, app, true);
      case 'RecipientFailure':
        return new AppManagerError('Internal', `the AppManager failed: ${error.message}`, app);
    }
  }
  return new AppManagerError('Internal', error instanceof Error ? error.message : String(error), app);
}
