// A failure the gateways report to their callers: the AppManager's own codes (AppErrorCode) plus
// the gateway's (authentication, timeouts, request size), with the HTTP status each maps to.

import { AppManagerError } from '../../core/provisioning/app-manager-client/index.js';
import type { AppErrorCode } from '../../schemas/generated/messages.js';

export type GatewayErrorCode = AppErrorCode | 'Unauthorized' | 'Timeout' | 'TooLarge' | 'MethodNotAllowed';

/** HTTP status of each code; documented in docs/openapi/app-manager.yaml. */
const HTTP_STATUS: Record<GatewayErrorCode, number> = {
  InvalidArgument: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  // The module said no (a shutdown or a configuration refused): the request was fine, the state
  // of the app does not allow it now.
  Refused: 409,
  TooLarge: 413,
  // The request was understood but cannot be carried out with these packages.
  BadPackage: 422,
  Unresolvable: 422,
  // The new version failed upstream of the gateway; the previous one runs again.
  RolledBack: 502,
  // The App Store or a host agent could not be reached by the AppManager.
  Unavailable: 502,
  Timeout: 504,
  Internal: 500,
  Unknown: 500,
};

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** The app the error concerns, when there is one. */
    readonly app?: string,
    /** Overrides the code's usual status (503 when the AppManager itself is not on the bus). */
    readonly status: number = HTTP_STATUS[code],
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** The JSON body of an error answer: `{ code, message, name }`. */
  toJson(): { code: GatewayErrorCode; message: string; name?: string } {
    return this.app === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, name: this.app };
  }
}

export const GATEWAY_ERROR_CODES = Object.keys(HTTP_STATUS) as GatewayErrorCode[];

export function httpStatusOf(code: GatewayErrorCode): number {
  return HTTP_STATUS[code];
}

/**
 * Any failure as the gateways report it: a GatewayError as it is; the AppManager client's
 * AppManagerError with its code (503 when the AppManager itself is absent); anything else Internal.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof AppManagerError) return new GatewayError(error.code, error.message, error.app, error.absent ? 503 : httpStatusOf(error.code));
  return new GatewayError('Internal', error instanceof Error ? error.message : String(error));
}
