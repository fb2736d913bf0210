// The controlled station (outstation, TCP server) of IEC 60870-5-104: accepts several masters as
// one redundancy group (-104 Ed.2 10.3: only the connection that got STARTDT carries data), sends
// monitor ASDUs to it, and answers general interrogation, clock synchronisation and commands with
// select-before-operate through a ControlledStationHandler.
import { createServer, type Server, type Socket } from 'node:net';
import {
  type Asdu,
  Cause,
  type ControlledStationApi,
  type ControlledStationHandler,
  defaultLinkParameters,
  type InformationObject,
  type LinkClose,
  type LinkParameters,
  QOI_STATION,
  TypeId,
  type TypeIdValue,
} from './api.js';
import { encodeAsdu } from './asdu.js';
import { checkParameters, Iec104Link } from './link.js';
import { typeName } from './type-info.js';
import { createLogger, type Logger } from '../../log/logger.js';

/**
 * A handler's refusal string that starts with this (any case) is answered with cause 47
 * (unknown information object address) instead of a negative ACTCON.
 */
export const REFUSE_UNKNOWN_IOA = 'unknown IOA';

export const BROADCAST_ADDRESS = 65535;

/** The handler, optionally saying which points refuse a direct execute (select-before-operate only). */
export interface ControlledStationHandlerWithSelect extends ControlledStationHandler {
  /** True: an execute of this point without a preceding positive select is refused (negative ACTCON). Default false. */
  selectRequired?(commonAddress: number, typeId: TypeIdValue, ioa: number): boolean;
}

export interface ControlledStationOptions {
  host: string;
  /** 0 picks a free port (see `address`). */
  port: number;
  params?: Partial<LinkParameters>;
  /** The common addresses this station answers for; others get cause 46. */
  commonAddresses: number[];
  handler: ControlledStationHandlerWithSelect;
  /** Connections accepted at once (default 4); more are closed at once. */
  maxConnections?: number;
  log?: Logger;
  /**
   * Monitor ASDUs held for the masters (default 10 000): while no connection is started, and on the
   * started connection while its k window is full. Beyond it the oldest are dropped (and counted).
   */
  maxQueued?: number;
  /** How long a positive select stays valid for its execute (default 10 000 ms). */
  selectTimeoutMs?: number;
}

interface Selection {
  typeId: number;
  value: number;
  expiresAt: number;
}

interface Session {
  link: Iec104Link;
  /** Positive selects of this connection's master by "CA:IOA". */
  selections: Map<string, Selection>;
}

const COMMAND_TYPES = new Set<number>([TypeId.C_SC_NA_1, TypeId.C_DC_NA_1, TypeId.C_SE_NC_1]);

export class ControlledStation implements ControlledStationApi {
  readonly address: { host: string; port: number };
  readonly params: LinkParameters;
  readonly #server: Server;
  readonly #commonAddresses: Set<number>;
  readonly #handler: ControlledStationHandlerWithSelect;
  readonly #maxConnections: number;
  readonly #log: Logger;
  readonly #maxQueued: number;
  readonly #selectTimeoutMs: number;
  readonly #sessions = new Map<Iec104Link, Session>();
  /** The connection whose master sent STARTDT last (and no STOPDT since). */
  #active: Iec104Link | undefined;
  /** Encoded monitor ASDUs waiting for a started connection. */
  #queue: Uint8Array[] = [];
  #queueHead = 0;
  #dropped = 0;
  #closing = false;
  readonly #connectionCloseListeners = new Set<(peer: string, close: LinkClose) => void>();
  readonly #connectionStartedListeners = new Set<(peer: string) => void>();

  private constructor(server: Server, address: { host: string; port: number }, options: ControlledStationOptions, params: LinkParameters) {
    this.#server = server;
    this.address = address;
    this.params = params;
    this.#commonAddresses = new Set(options.commonAddresses);
    this.#handler = options.handler;
    this.#maxConnections = options.maxConnections ?? 4;
    this.#log = options.log ?? createLogger('iec104-controlled');
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#selectTimeoutMs = options.selectTimeoutMs ?? 10_000;
    server.on('connection', (socket) => this.#accept(socket));
    server.on('error', (error) => this.#log.error('IEC 104 server error', { error: error.message }));
  }

  /** Listens on host:port and resolves once bound (rejects with the bind error, e.g. EADDRINUSE). */
  static async listen(options: ControlledStationOptions): Promise<ControlledStation> {
    const params = { ...defaultLinkParameters, ...options.params };
    checkParameters(params);
    if (options.commonAddresses.length === 0) throw new Error('IEC 104 controlled station: commonAddresses is empty');
    for (const ca of options.commonAddresses) {
      if (!Number.isInteger(ca) || ca < 1 || ca > 65534) throw new Error(`IEC 104 controlled station: common address ${ca} is not in 1..65534`);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    const port = typeof bound === 'object' && bound ? bound.port : options.port;
    return new ControlledStation(server, { host: options.host, port }, options, params);
  }

  send(asdu: Asdu): void {
    const bytes = encodeAsdu(asdu);
    const active = this.#active;
    if (active && active.state === 'started') {
      active.sendEncoded(bytes);
      return;
    }
    this.#enqueue([bytes]);
  }

  connections(): { peer: string; started: boolean }[] {
    return [...this.#sessions.keys()].map((link) => ({ peer: link.peer, started: link === this.#active && link.state === 'started' }));
  }

  /**
   * ASDUs not yet sent (held by the station while no connection is started, plus those waiting for
   * the started connection's k window), and how many were dropped at the bound: a sender can pace
   * itself on `queued`.
   */
  get backlog(): { queued: number; dropped: number } {
    const links = [...this.#sessions.keys()];
    return {
      queued: this.#queue.length - this.#queueHead + (this.#active?.queued ?? 0),
      dropped: this.#dropped + links.reduce((sum, link) => sum + link.counters.dropped, 0),
    };
  }

  /** A master started data transfer on a connection (STARTDT): it now gets the monitor data. */
  onConnectionStarted(listener: (peer: string) => void): () => void {
    this.#connectionStartedListeners.add(listener);
    return () => {
      this.#connectionStartedListeners.delete(listener);
    };
  }

  /** Each connection's close, with its reason (protocol violations carry an Iec104ProtocolError). */
  onConnectionClose(listener: (peer: string, close: LinkClose) => void): () => void {
    this.#connectionCloseListeners.add(listener);
    return () => {
      this.#connectionCloseListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const link of [...this.#sessions.keys()]) link.close('the controlled station is closing');
    await closed;
  }

  // ---- connections and redundancy --------------------------------------------------------------

  #accept(socket: Socket): void {
    if (this.#closing || this.#sessions.size >= this.#maxConnections) {
      this.#log.warn('IEC 104 connection refused: too many connections', { peer: `${socket.remoteAddress}:${socket.remotePort}`, max: this.#maxConnections });
      socket.destroy();
      return;
    }
    const link = new Iec104Link(socket, { side: 'controlled', params: this.params, log: this.#log, maxQueued: this.#maxQueued });
    this.#sessions.set(link, { link, selections: new Map() });
    this.#log.info('IEC 104 master connected', { peer: link.peer, connections: this.#sessions.size });
    link.onStarted(() => this.#onStarted(link));
    link.onStopped((unsent) => this.#onStopped(link, unsent));
    link.onClose((close) => this.#onClose(link, close));
    link.onAsdu((asdu) => {
      this.#onAsdu(link, asdu).catch((error: unknown) => {
        this.#log.error('IEC 104 request handling failed', { peer: link.peer, error: error instanceof Error ? error.message : String(error) });
      });
    });
    link.onUnknownAsdu((bytes) => this.#onUnknownAsdu(link, bytes));
  }

  #onStarted(link: Iec104Link): void {
    const previous = this.#active;
    if (previous && previous !== link) {
      // Ed.2 redundancy: the master moved data transfer here; what the old connection had not sent yet follows.
      const unsent = previous.stopLocally();
      this.#requeueFront(unsent);
      this.#log.info('IEC 104 data transfer moved to another connection', { from: previous.peer, to: link.peer, moved: unsent.length });
    }
    this.#active = link;
    this.#drainTo(link);
    for (const listener of this.#connectionStartedListeners) listener(link.peer);
  }

  #onStopped(link: Iec104Link, unsent: Uint8Array[]): void {
    if (this.#active !== link) return;
    this.#active = undefined;
    this.#requeueFront(unsent);
  }

  #onClose(link: Iec104Link, close: LinkClose): void {
    this.#sessions.delete(link);
    if (this.#active === link) {
      this.#active = undefined;
      this.#requeueFront(link.takeUnsent());
    }
    if (close.error) this.#log.warn('IEC 104 connection closed', { peer: link.peer, reason: close.reason });
    else this.#log.info('IEC 104 connection closed', { peer: link.peer, reason: close.reason });
    for (const listener of [...this.#connectionCloseListeners]) {
      try {
        listener(link.peer, close);
      } catch (error) {
        this.#log.error('a connection close listener threw', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  #enqueue(frames: Uint8Array[]): void {
    for (const bytes of frames) {
      if (this.#queue.length - this.#queueHead >= this.#maxQueued) {
        this.#queueHead++;
        this.#dropped++;
        if (this.#dropped === 1 || this.#dropped % 1000 === 0) {
          this.#log.warn('IEC 104: no started connection and the queue is full, dropping the oldest ASDU', { dropped: this.#dropped });
        }
      }
      this.#queue.push(bytes);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** Frames that were queued before the ones the station holds now go first (they are older). */
  #requeueFront(frames: Uint8Array[]): void {
    if (frames.length === 0) return;
    const held = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    this.#enqueue(frames);
    this.#enqueue(held);
  }

  #drainTo(link: Iec104Link): void {
    const frames = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    for (const bytes of frames) link.sendEncoded(bytes);
  }

  // ---- requests --------------------------------------------------------------------------------

  async #onAsdu(link: Iec104Link, asdu: Asdu): Promise<void> {
    if (link !== this.#active || link.state !== 'started') {
      this.#log.warn('IEC 104: ASDU on a connection that is not started, ignored', { peer: link.peer, type: typeName(asdu.typeId) });
      return;
    }
    const broadcastAllowed = asdu.typeId === TypeId.C_IC_NA_1 || asdu.typeId === TypeId.C_CS_NA_1;
    const addressKnown = this.#commonAddresses.has(asdu.commonAddress) || (broadcastAllowed && asdu.commonAddress === BROADCAST_ADDRESS);
    if (!addressKnown) {
      this.#reply(link, asdu, Cause.UnknownCommonAddress, true);
      return;
    }
    if (asdu.typeId === TypeId.C_IC_NA_1) return this.#interrogation(link, asdu);
    if (asdu.typeId === TypeId.C_CS_NA_1) return this.#clockSync(link, asdu);
    if (COMMAND_TYPES.has(asdu.typeId)) return this.#command(link, asdu);
    // Monitor types (and end of initialisation) are not requests a master may send.
    this.#reply(link, asdu, Cause.UnknownTypeId, true);
  }

  #onUnknownAsdu(link: Iec104Link, bytes: Uint8Array): void {
    if (link !== this.#active || link.state !== 'started') return;
    // Mirror the ASDU with cause 44 and P/N set, keeping the T bit (-101 7.2.3).
    const reply = bytes.slice();
    reply[2] = (reply[2] & 0x80) | 0x40 | Cause.UnknownTypeId;
    link.sendEncoded(reply);
  }

  async #interrogation(link: Iec104Link, request: Asdu): Promise<void> {
    if (request.cause === Cause.Deactivation) {
      // Interrogations are answered at once: there is never one to deactivate.
      this.#reply(link, request, Cause.DeactivationCon, true);
      return;
    }
    if (request.cause !== Cause.Activation) {
      this.#reply(link, request, Cause.UnknownCause, true);
      return;
    }
    if (request.objects[0]?.value !== QOI_STATION) {
      // Group interrogations (QOI 21..36) are not supported.
      this.#reply(link, request, Cause.ActivationCon, true);
      return;
    }
    const targets = request.commonAddress === BROADCAST_ADDRESS ? [...this.#commonAddresses] : [request.commonAddress];
    for (const commonAddress of targets) {
      let answer: Asdu[];
      try {
        answer = await this.#handler.interrogation(commonAddress);
      } catch (error) {
        this.#log.error('IEC 104: the interrogation handler failed', { commonAddress, error: error instanceof Error ? error.message : String(error) });
        this.#reply(link, { ...request, commonAddress }, Cause.ActivationCon, true);
        continue;
      }
      this.#reply(link, { ...request, commonAddress }, Cause.ActivationCon, false);
      for (const asdu of answer) {
        try {
          link.sendAsdu({ ...asdu, cause: Cause.InterrogatedByStation, negative: false, originator: request.originator });
        } catch (error) {
          this.#log.error('IEC 104: an interrogation ASDU of the handler cannot be encoded', { commonAddress, error: error instanceof Error ? error.message : String(error) });
        }
      }
      this.#reply(link, { ...request, commonAddress }, Cause.ActivationTermination, false);
    }
  }

  #clockSync(link: Iec104Link, request: Asdu): void {
    if (request.cause !== Cause.Activation) {
      this.#reply(link, request, Cause.UnknownCause, true);
      return;
    }
    const timeMs = request.objects[0]?.timeMs;
    const targets = request.commonAddress === BROADCAST_ADDRESS ? [...this.#commonAddresses] : [request.commonAddress];
    for (const commonAddress of targets) {
      let accepted = false;
      if (timeMs !== undefined && !request.objects[0].timeInvalid) {
        try {
          accepted = this.#handler.clockSync ? this.#handler.clockSync(commonAddress, timeMs) : true;
        } catch (error) {
          this.#log.error('IEC 104: the clock synchronisation handler failed', { commonAddress, error: error instanceof Error ? error.message : String(error) });
        }
      }
      this.#reply(link, { ...request, commonAddress }, Cause.ActivationCon, !accepted);
    }
  }

  async #command(link: Iec104Link, request: Asdu): Promise<void> {
    const session = this.#sessions.get(link);
    const object = request.objects[0];
    if (!session || request.objects.length !== 1 || !object) {
      this.#reply(link, request, Cause.ActivationCon, true);
      return;
    }
    const key = `${request.commonAddress}:${object.ioa}`;
    if (request.cause === Cause.Deactivation) {
      // Deactivation cancels a pending select.
      const had = session.selections.delete(key);
      this.#reply(link, request, Cause.DeactivationCon, !had);
      return;
    }
    if (request.cause !== Cause.Activation) {
      this.#reply(link, request, Cause.UnknownCause, true);
      return;
    }
    const now = Date.now();
    if (object.select) {
      const verdict = await this.#ask(request, object);
      if (verdict === true) {
        session.selections.set(key, { typeId: request.typeId, value: object.value, expiresAt: now + this.#selectTimeoutMs });
        this.#reply(link, request, Cause.ActivationCon, false);
      } else {
        session.selections.delete(key);
        this.#refuse(link, request, verdict);
      }
      return;
    }
    const selection = session.selections.get(key);
    session.selections.delete(key);
    if (selection) {
      if (selection.expiresAt < now) return this.#refuse(link, request, 'the select timed out before the execute');
      if (selection.typeId !== request.typeId || selection.value !== object.value) {
        return this.#refuse(link, request, 'the execute does not match the select');
      }
    } else if (this.#handler.selectRequired?.(request.commonAddress, request.typeId, object.ioa)) {
      return this.#refuse(link, request, 'execute without select refused: the point requires select-before-operate');
    }
    const verdict = await this.#ask(request, object);
    if (verdict !== true) return this.#refuse(link, request, verdict);
    this.#reply(link, request, Cause.ActivationCon, false);
    this.#reply(link, request, Cause.ActivationTermination, false);
  }

  async #ask(request: Asdu, object: InformationObject): Promise<true | string> {
    try {
      return await this.#handler.command(request.commonAddress, request, object);
    } catch (error) {
      return `the command handler failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  #refuse(link: Iec104Link, request: Asdu, reason: string): void {
    const unknownIoa = reason.toLowerCase().startsWith(REFUSE_UNKNOWN_IOA.toLowerCase());
    this.#log.info('IEC 104 command refused', { peer: link.peer, type: typeName(request.typeId), ioa: request.objects[0]?.ioa, reason });
    this.#reply(link, request, unknownIoa ? Cause.UnknownIoa : Cause.ActivationCon, true);
  }

  /** The request mirrored back with another cause (and P/N): confirmations, terminations and refusals. */
  #reply(link: Iec104Link, request: Asdu, cause: number, negative: boolean): void {
    try {
      link.sendAsdu({ ...request, cause, negative });
    } catch (error) {
      this.#log.error('IEC 104: a reply cannot be encoded', { peer: link.peer, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
