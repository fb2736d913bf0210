// A refusal or failure a route answers with: HTTP status plus the contract's ApiError. Handlers
// throw it; the router turns it into the answer. Bus failures map to 502/503/504 by kind.

import { BusError, RecipientFailureError } from '../../../core/bus/index.js';
import type { ApiError } from '../api.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  toJson(): ApiError {
    return { code: this.code, message: this.message };
  }
}

/**
 * A BusError as the browser should see it: nobody holds the role -> 503 Unavailable, no answer
 * in time -> 504 Timeout, the module answered with an error -> 502 Failed. `what` names the
 * module behind the dashboard ("the alarms module").
 */
export function failureFromBus(error: BusError, what: string): ApiFailure {
  switch (error.code) {
    case 'NoHandlers':
    case 'PeerGone':
    case 'Closed':
    case 'Backpressure':
      return new ApiFailure(503, 'Unavailable', `${what} is not reachable: ${error.message}`);
    case 'Timeout':
      return new ApiFailure(504, 'Timeout', `${what} did not answer in time: ${error.message}`);
    case 'RecipientFailure':
      return new ApiFailure(502, 'Failed', `${what} failed: ${error instanceof RecipientFailureError ? error.message : error.message}`);
  }
}

/** Any error thrown by a handler as an ApiFailure (unexpected ones are 500 and logged by the caller). */
export function asApiFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  if (error instanceof BusError) return failureFromBus(error, `"${error.target}"`);
  return new ApiFailure(500, 'Failed', error instanceof Error ? error.message : String(error));
}
