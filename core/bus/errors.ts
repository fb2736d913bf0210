/**
 * Errors a bus call can end with. They mirror vert.x's ReplyFailure kinds
 * (NO_HANDLERS, TIMEOUT, RECIPIENT_FAILURE) that the original Gridlink used,
 * plus the failures of a brokerless mesh (peer gone, backpressure).
 */
export type BusErrorCode =
  | 'NoHandlers'
  | 'Timeout'
  | 'RecipientFailure'
  | 'PeerGone'
  | 'Backpressure'
  | 'Closed';

export class BusError extends Error {
  constructor(
    readonly code: BusErrorCode,
    message: string,
    /** Role or topic the call addressed. */
    readonly target: string,
    /** Message type of the call. */
    readonly messageType: string,
  ) {
    super(message);
    this.name = `${code}Error`;
  }
}

/** No live module holds the role (raised at once, no waiting). */
export class NoHandlersError extends BusError {
  constructor(role: string, messageType: string) {
    super('NoHandlers', `no live module holds role "${role}" for ${messageType}`, role, messageType);
  }
}

export class TimeoutError extends BusError {
  constructor(role: string, messageType: string, timeoutMs: number, peer: string) {
    super('Timeout', `no reply from "${role}" (${peer}) to ${messageType} within ${timeoutMs} ms`, role, messageType);
  }
}

/** The recipient answered with an error reply; `reply` holds its body and type. */
export class RecipientFailureError extends BusError {
  constructor(
    role: string,
    messageType: string,
    readonly replyType: string,
    readonly replyBody: Uint8Array,
    detail: string,
  ) {
    super('RecipientFailure', `"${role}" failed ${messageType}: ${detail}`, role, messageType);
  }
}

/** The peer that was to answer left, expired or disconnected. */
export class PeerGoneError extends BusError {
  constructor(role: string, messageType: string, peer: string, why: string) {
    super('PeerGone', `peer ${peer} holding "${role}" is gone (${why}) before answering ${messageType}`, role, messageType);
  }
}

/** The outgoing queue to a peer is full: the peer does not keep up. */
export class BackpressureError extends BusError {
  constructor(target: string, messageType: string, peer: string) {
    super('Backpressure', `queue to ${peer} is full; ${messageType} for "${target}" not sent`, target, messageType);
  }
}

export class BusClosedError extends BusError {
  constructor(target: string, messageType: string) {
    super('Closed', `the bus is closed; ${messageType} for "${target}" not sent`, target, messageType);
  }
}
