/**
 * Proxies are interceptors on a module's traffic: an ordered chain on the
 * sending side and one on the receiving side. The module never sees them; the
 * chains are replaced at run time without a restart.
 */
export type ProxyMessageKind = 'publish' | 'send' | 'request' | 'reply' | 'error';

/** One message passing a chain; interceptors may change target, type and body. */
export interface ProxyMessage {
  readonly kind: ProxyMessageKind;
  /** Role or topic (publish/send/request), requester id (reply). */
  target: string;
  type: string;
  body: Uint8Array;
  /** Module id of the sender. */
  readonly sender: string;
}

export interface Proxy {
  /** Name for logs and `describe()`, e.g. "encrypt". */
  readonly name: string;
  /** Sending side; return false to drop the message. */
  outbound?(message: ProxyMessage): boolean;
  /** Receiving side; return false to drop the message. */
  inbound?(message: ProxyMessage): boolean;
}
