// @xmpp/client 0.14.0 (an ES module without type declarations), loaded lazily so a module without
// XMPP never loads it, and typed here with the little of its API Gridlink uses.

export interface XmlElement {
  readonly name: string;
  readonly attrs: Record<string, string | undefined>;
  is(name: string): boolean;
  getChildText(name: string): string | null;
}

export interface XmppClient {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  send(element: XmlElement): Promise<unknown>;
  on(event: 'stanza', listener: (stanza: XmlElement) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'online', listener: (jid: { toString(): string }) => void): void;
  on(event: 'offline' | 'disconnect', listener: () => void): void;
  on(event: 'status', listener: (status: string) => void): void;
  reconnect: { stop(): void; delay: number };
}

export interface XmppClientOptions {
  service: string;
  domain: string;
  username: string;
  password: string;
  resource: string;
}

export interface XmppModule {
  client(options: XmppClientOptions): XmppClient;
  xml(name: string, attrs?: Record<string, string>, ...children: (XmlElement | string)[]): XmlElement;
}

/** The package name in a variable: TypeScript then types the import as unknown-ish instead of failing for lack of declarations. */
const PACKAGE = '@xmpp/client';

export async function loadXmpp(): Promise<XmppModule> {
  return (await import(PACKAGE)) as XmppModule;
}
