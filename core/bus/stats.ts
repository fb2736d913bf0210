/** Counters of one bus node; cheap increments on the hot path, a copy for tools. */
export class BusStats {
  published = 0;
  receivedPublications = 0;
  sent = 0;
  requests = 0;
  received = 0;
  /** Frames or datagrams that failed to parse; dropped. */
  malformed = 0;
  /** Publications dropped because a subscriber's pipe was full (or the queue was). */
  droppedPublications = 0;
  /** Direct messages refused because a peer's queue was full. */
  backpressure = 0;
  /** Messages a proxy dropped (filter) or rejected (failed decryption). */
  proxyDropped = 0;
  lateReplies = 0;
  unroutableReplies = 0;
  resyncs = 0;
  subscriptionEvents = 0;

  snapshot(): Record<string, number> {
    return Object.fromEntries(Object.entries(this).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  }
}
