// The APCI state machine of one IEC 60870-5-104 TCP connection (-104 5 and 9.6), shared by the
// controlling and the controlled station: STARTDT/STOPDT/TESTFR, N(S)/N(R) modulo 32768, the k and
// w windows and the t1/t2/t3 timers (t0 belongs to connecting: see connectSocket below).
// Every violation of the standard by the peer closes the connection with an Iec104ProtocolError as
// the close's `error`; nothing throws out of a socket callback.
import { connect as netConnect, type Socket } from 'node:net';
import { type Asdu, Iec104ProtocolError, type LinkClose, type LinkParameters, type LinkStateName, TypeId, type UFunction } from './api.js';
import { decodeApdu, encodeApdu, SEQUENCE_MODULO } from './apci.js';
import { decodeAsdu, encodeAsdu } from './asdu.js';
import { FrameReader } from './frame-reader.js';
import { Deadline } from './timers.js';
import type { Logger } from '../../log/logger.js';

/** Which end of the link: the controlling side sends STARTDT/STOPDT act, the controlled side answers. */
export type LinkSide = 'controlling' | 'controlled';

export interface LinkOptions {
  side: LinkSide;
  params: LinkParameters;
  log?: Logger;
  /**
   * Bound on I frames waiting for the k window or for STARTDT; beyond it the oldest are dropped and
   * counted in `counters.dropped` (a peer that stops acknowledging must not grow memory without end;
   * t1 closes such a link anyway).
   */
  maxQueued?: number;
}

/** Frame counters of one link (for tests, the gateway's link report and benchmarks). */
export interface LinkCounters {
  sentI: number;
  receivedI: number;
  sentS: number;
  receivedS: number;
  sentU: number;
  receivedU: number;
  /** Queued I frames dropped because the queue reached maxQueued. */
  dropped: number;
}

const KNOWN_TYPE_IDS = new Set<number>(Object.values(TypeId));

type DataState = 'stopped' | 'starting' | 'started' | 'stopping' | 'closed';

interface PendingAct {
  sentAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

function settle(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Calls each listener, isolating the link from a listener that throws. */
function emit<T>(listeners: Set<(value: T) => void>, value: T, log: Logger | undefined, what: string): void {
  for (const listener of [...listeners]) {
    try {
      listener(value);
    } catch (error) {
      log?.error(`a ${what} listener threw`, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function subscribe<T>(listeners: Set<T>, listener: T): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** (a - b) modulo 32768, as a count of sequence numbers from b forward to a. */
function seqDistance(a: number, b: number): number {
  return (a - b + SEQUENCE_MODULO) % SEQUENCE_MODULO;
}

export class Iec104Link {
  readonly side: LinkSide;
  readonly params: LinkParameters;
  /** "host:port" of the peer, fixed at construction (the socket forgets it once destroyed). */
  readonly peer: string;
  readonly counters: LinkCounters = { sentI: 0, receivedI: 0, sentS: 0, receivedS: 0, sentU: 0, receivedU: 0, dropped: 0 };

  readonly #socket: Socket;
  readonly #log: Logger | undefined;
  readonly #maxQueued: number;
  readonly #reader = new FrameReader();
  #data: DataState = 'stopped';
  /** Whether data transfer was ever started: an I frame before that is a violation. */
  #everStarted = false;
  #closeInfo: LinkClose | undefined;

  // Send side: V(S), the oldest unacknowledged N(S), send times of the unacknowledged frames (a ring of k).
  #vs = 0;
  #ackedUpTo = 0;
  readonly #sentAt: Float64Array;
  #sentHead = 0;
  /** I frames (encoded ASDUs) waiting for STARTDT or for the k window: an array consumed from #queueHead. */
  #queue: Uint8Array[] = [];
  #queueHead = 0;

  // Receive side: V(R) and I frames received since our last acknowledgement.
  #vr = 0;
  #unackedReceived = 0;

  #startAct: PendingAct | undefined;
  #stopAct: PendingAct | undefined;
  #testActAt: number | undefined;

  readonly #t1Data: Deadline;
  readonly #t1U: Deadline;
  readonly #t2: Deadline;
  readonly #t3: Deadline;

  #corked = false;

  readonly #asduListeners = new Set<(asdu: Asdu) => void>();
  readonly #unknownListeners = new Set<(asdu: Uint8Array) => void>();
  readonly #startedListeners = new Set<(link: Iec104Link) => void>();
  readonly #stoppedListeners = new Set<(unsent: Uint8Array[]) => void>();
  readonly #closeListeners = new Set<(close: LinkClose) => void>();

  constructor(socket: Socket, options: LinkOptions) {
    this.side = options.side;
    this.params = options.params;
    this.#log = options.log;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#socket = socket;
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#sentAt = new Float64Array(Math.max(1, options.params.k));
    checkParameters(options.params);

    this.#t1Data = new Deadline(() => this.#fail(new Iec104ProtocolError(`t1 expired: I frame N(S)=${this.#ackedUpTo} not acknowledged within ${this.params.t1} ms`)));
    this.#t1U = new Deadline(() => this.#onT1U());
    this.#t2 = new Deadline(() => this.#onT2());
    this.#t3 = new Deadline(() => this.#onT3());

    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error: Error) => this.close(`socket error: ${error.message}`, error));
    socket.on('end', () => this.close('the peer closed the connection'));
    socket.on('close', () => this.close('the connection closed'));
    this.#t3.setIn(this.params.t3);
  }

  /** The link's state as the contract names it ('starting' counts as stopped, 'stopping' as stopped). */
  get state(): LinkStateName {
    if (this.#data === 'closed') return 'closed';
    return this.#data === 'started' ? 'started' : 'stopped';
  }

  get closed(): LinkClose | undefined {
    return this.#closeInfo;
  }

  /** I frames sent and not yet acknowledged by the peer. */
  get unacknowledged(): number {
    return seqDistance(this.#vs, this.#ackedUpTo);
  }

  /** I frames waiting to be sent (no STARTDT yet, or the k window is full). */
  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Monitor and command ASDUs received (decoded). */
  onAsdu(listener: (asdu: Asdu) => void): () => void {
    return subscribe(this.#asduListeners, listener);
  }

  /** ASDUs with a type identification this implementation does not know (raw bytes): the station answers cause 44. */
  onUnknownAsdu(listener: (asdu: Uint8Array) => void): () => void {
    return subscribe(this.#unknownListeners, listener);
  }

  /** Data transfer started (controlled side: after STARTDT con was sent; controlling side: at STARTDT con). */
  onStarted(listener: (link: Iec104Link) => void): () => void {
    return subscribe(this.#startedListeners, listener);
  }

  /** Data transfer stopped by STOPDT or stop(); gets the I frames that were queued and never sent. */
  onStopped(listener: (unsent: Uint8Array[]) => void): () => void {
    return subscribe(this.#stoppedListeners, listener);
  }

  onClose(listener: (close: LinkClose) => void): () => void {
    if (this.#closeInfo) {
      const info = this.#closeInfo;
      queueMicrotask(() => listener(info));
      return () => undefined;
    }
    return subscribe(this.#closeListeners, listener);
  }

  /** Controlling side: STARTDT act, resolves at STARTDT con (rejects when t1 expires or the link closes). */
  startDataTransfer(): Promise<void> {
    if (this.side !== 'controlling') return Promise.reject(new Error('only the controlling side sends STARTDT act'));
    if (this.#data === 'closed') return Promise.reject(new Error(`link closed: ${this.#closeInfo?.reason ?? ''}`));
    if (this.#data === 'started') return Promise.resolve();
    if (this.#startAct) return Promise.reject(new Error('STARTDT act already pending'));
    const { promise, resolve, reject } = settle();
    this.#startAct = { sentAt: Date.now(), resolve, reject };
    this.#data = 'starting';
    this.#sendU('STARTDT_ACT');
    this.#armT1U();
    return promise;
  }

  /** Controlling side: STOPDT act, resolves at STOPDT con. */
  stopDataTransfer(): Promise<void> {
    if (this.side !== 'controlling') return Promise.reject(new Error('only the controlling side sends STOPDT act'));
    if (this.#data === 'closed') return Promise.reject(new Error(`link closed: ${this.#closeInfo?.reason ?? ''}`));
    if (this.#data === 'stopped') return Promise.resolve();
    if (this.#stopAct) return Promise.reject(new Error('STOPDT act already pending'));
    const { promise, resolve, reject } = settle();
    this.#stopAct = { sentAt: Date.now(), resolve, reject };
    this.#data = 'stopping';
    this.#acknowledgeReceived();
    this.#sendU('STOPDT_ACT');
    this.#armT1U();
    this.#emitStopped();
    return promise;
  }

  /**
   * Controlled side, redundancy: stop sending I frames on this connection without a STOPDT from its
   * master (another master started data transfer on another connection). Returns the frames that
   * were queued and never sent, for the newly started connection.
   */
  stopLocally(): Uint8Array[] {
    if (this.#data !== 'started' && this.#data !== 'stopping') return [];
    this.#data = 'stopped';
    return this.#takeQueue();
  }

  /** Encodes and queues an ASDU (throws Iec104ProtocolError on an ASDU the codec refuses, in the caller). */
  sendAsdu(asdu: Asdu): boolean {
    return this.sendEncoded(encodeAsdu(asdu));
  }

  /**
   * Queues an encoded ASDU; it goes out as an I frame once data transfer is started and the k window
   * has room. Returns false when the link is closed (the ASDU is dropped).
   */
  sendEncoded(asdu: Uint8Array): boolean {
    if (this.#data === 'closed') return false;
    if (this.#data === 'started' && this.queued === 0 && this.unacknowledged < this.params.k) {
      this.#sendI(asdu);
      return true;
    }
    if (this.queued >= this.#maxQueued) {
      this.#queueHead++;
      this.counters.dropped++;
      if (this.counters.dropped === 1 || this.counters.dropped % 1000 === 0) {
        this.#log?.warn('I frame queue full: dropping the oldest', { peer: this.peer, dropped: this.counters.dropped });
      }
    }
    this.#queue.push(asdu);
    return true;
  }

  /**
   * Closes the link once: timers released, socket ended (destroyed at once when `error` is given),
   * pending STARTDT/STOPDT rejected, close listeners called with the reason.
   */
  close(reason: string, error?: Error): void {
    if (this.#data === 'closed') return;
    this.#data = 'closed';
    this.#closeInfo = error ? { reason, error } : { reason };
    for (const deadline of [this.#t1Data, this.#t1U, this.#t2, this.#t3]) deadline.dispose();
    const failure = new Error(`link closed: ${reason}`);
    this.#startAct?.reject(failure);
    this.#stopAct?.reject(failure);
    this.#startAct = undefined;
    this.#stopAct = undefined;
    if (error || this.#socket.destroyed) {
      this.#socket.destroy();
    } else {
      this.#socket.end(() => this.#socket.destroy());
    }
    // Close listeners may still take the unsent frames (takeUnsent) for another connection.
    emit(this.#closeListeners, this.#closeInfo, this.#log, 'close');
    this.#closeListeners.clear();
    this.#takeQueue();
  }

  /** The I frames queued and never sent (removed from the link): for a redundant connection taking over. */
  takeUnsent(): Uint8Array[] {
    return this.#takeQueue();
  }

  // ---- receiving -------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#data === 'closed') return;
    try {
      const frames = this.#reader.push(chunk);
      this.#t3.setIn(this.params.t3);
      for (const frame of frames) {
        this.#onFrame(frame);
        // A listener may have closed the link while handling the frame.
        if (this.state === 'closed') return;
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #onFrame(frame: Uint8Array): void {
    const apdu = decodeApdu(frame);
    switch (apdu.kind) {
      case 'I':
        this.counters.receivedI++;
        this.#onI(apdu.sendSeq, apdu.recvSeq, apdu.asdu);
        return;
      case 'S':
        this.counters.receivedS++;
        this.#onAcknowledge(apdu.recvSeq);
        return;
      case 'U':
        this.counters.receivedU++;
        this.#onU(apdu.fn);
        return;
    }
  }

  #onI(sendSeq: number, recvSeq: number, asduBytes: Uint8Array): void {
    if (!this.#everStarted || this.#data === 'starting') {
      throw new Iec104ProtocolError(
        this.side === 'controlled' ? 'I frame received before STARTDT act' : 'I frame received before STARTDT con',
      );
    }
    if (sendSeq !== this.#vr) {
      throw new Iec104ProtocolError(`N(S) ${sendSeq} out of order: expected ${this.#vr}`);
    }
    this.#onAcknowledge(recvSeq);
    this.#vr = (this.#vr + 1) % SEQUENCE_MODULO;
    this.#unackedReceived++;
    if (this.#unackedReceived >= this.params.w) {
      this.#acknowledgeReceived();
    } else if (!this.#t2.pending) {
      this.#t2.setIn(this.params.t2);
    }
    if (asduBytes.length > 0 && !KNOWN_TYPE_IDS.has(asduBytes[0]) && asduBytes.length >= 6) {
      emit(this.#unknownListeners, asduBytes, this.#log, 'unknown ASDU');
      return;
    }
    const asdu = decodeAsdu(asduBytes);
    emit(this.#asduListeners, asdu, this.#log, 'ASDU');
  }

  #onAcknowledge(recvSeq: number): void {
    const outstanding = seqDistance(this.#vs, this.#ackedUpTo);
    const acknowledged = seqDistance(recvSeq, this.#ackedUpTo);
    if (acknowledged > outstanding) {
      throw new Iec104ProtocolError(
        `N(R) ${recvSeq} acknowledges I frames never sent (next N(S) ${this.#vs}, unacknowledged from ${this.#ackedUpTo})`,
      );
    }
    if (acknowledged === 0) return;
    this.#ackedUpTo = recvSeq;
    this.#sentHead = (this.#sentHead + acknowledged) % this.#sentAt.length;
    const left = outstanding - acknowledged;
    if (left === 0) this.#t1Data.clear();
    else this.#t1Data.set(this.#sentAt[this.#sentHead] + this.params.t1);
    if (this.#data === 'started') this.#flush();
    else if (this.#data === 'stopping' && this.side === 'controlled' && left === 0) this.#confirmStop();
  }

  #onU(fn: UFunction): void {
    switch (fn) {
      case 'TESTFR_ACT':
        this.#sendU('TESTFR_CON');
        return;
      case 'TESTFR_CON':
        // A TESTFR con we did not ask for is harmless; only the one we wait for matters.
        if (this.#testActAt !== undefined) {
          this.#testActAt = undefined;
          this.#armT1U();
        }
        return;
      case 'STARTDT_ACT':
        if (this.side !== 'controlled') throw new Iec104ProtocolError('STARTDT act received by the controlling station');
        this.#sendU('STARTDT_CON');
        this.#everStarted = true;
        if (this.#data !== 'started') {
          this.#data = 'started';
          emit(this.#startedListeners, this, this.#log, 'started');
          this.#flush();
        }
        return;
      case 'STOPDT_ACT':
        if (this.side !== 'controlled') throw new Iec104ProtocolError('STOPDT act received by the controlling station');
        if (this.#data === 'started') {
          // -104 5.3: stop sending data, acknowledge what was received, confirm once our I frames are acknowledged.
          this.#data = 'stopping';
          this.#acknowledgeReceived();
          this.#emitStopped();
          if (this.unacknowledged === 0) this.#confirmStop();
        } else if (this.#data === 'stopped') {
          this.#sendU('STOPDT_CON');
        }
        return;
      case 'STARTDT_CON': {
        const act = this.#startAct;
        if (this.side !== 'controlling' || !act) throw new Iec104ProtocolError('STARTDT con without a STARTDT act');
        this.#startAct = undefined;
        this.#armT1U();
        this.#everStarted = true;
        this.#data = 'started';
        act.resolve();
        emit(this.#startedListeners, this, this.#log, 'started');
        this.#flush();
        return;
      }
      case 'STOPDT_CON': {
        const act = this.#stopAct;
        if (this.side !== 'controlling' || !act) throw new Iec104ProtocolError('STOPDT con without a STOPDT act');
        this.#stopAct = undefined;
        this.#armT1U();
        this.#data = 'stopped';
        act.resolve();
        return;
      }
    }
  }

  #confirmStop(): void {
    this.#data = 'stopped';
    this.#sendU('STOPDT_CON');
  }

  #emitStopped(): void {
    const unsent = this.#takeQueue();
    emit(this.#stoppedListeners, unsent, this.#log, 'stopped');
  }

  #takeQueue(): Uint8Array[] {
    const unsent = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    return unsent;
  }

  // ---- sending ---------------------------------------------------------------------------------

  #flush(): void {
    while (this.#data === 'started' && this.#queueHead < this.#queue.length && this.unacknowledged < this.params.k) {
      const asdu = this.#queue[this.#queueHead];
      this.#queueHead++;
      this.#sendI(asdu);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  #sendI(asdu: Uint8Array): void {
    const now = Date.now();
    const outstanding = this.unacknowledged;
    this.#write(encodeApdu({ kind: 'I', sendSeq: this.#vs, recvSeq: this.#vr, asdu }));
    this.#sentAt[(this.#sentHead + outstanding) % this.#sentAt.length] = now;
    if (outstanding === 0) this.#t1Data.set(now + this.params.t1);
    this.#vs = (this.#vs + 1) % SEQUENCE_MODULO;
    this.counters.sentI++;
    // The I frame carried N(R): everything received is acknowledged.
    this.#unackedReceived = 0;
    this.#t2.clear();
  }

  #acknowledgeReceived(): void {
    if (this.#unackedReceived === 0) return;
    this.#write(encodeApdu({ kind: 'S', recvSeq: this.#vr }));
    this.counters.sentS++;
    this.#unackedReceived = 0;
    this.#t2.clear();
  }

  #sendU(fn: UFunction): void {
    this.#write(encodeApdu({ kind: 'U', fn }));
    this.counters.sentU++;
  }

  /** Writes within one event-loop turn are corked into as few TCP segments as the kernel allows. */
  #write(frame: Uint8Array): void {
    if (this.#socket.destroyed) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        if (!this.#socket.destroyed) this.#socket.uncork();
      });
    }
    this.#socket.write(frame);
  }

  // ---- timers ----------------------------------------------------------------------------------

  /** t1 for the U acts awaiting confirmation: the earliest of them. */
  #armT1U(): void {
    const times = [this.#startAct?.sentAt, this.#stopAct?.sentAt, this.#testActAt].filter((t): t is number => t !== undefined);
    if (times.length === 0) this.#t1U.clear();
    else this.#t1U.set(Math.min(...times) + this.params.t1);
  }

  #onT1U(): void {
    const what = this.#startAct ? 'STARTDT con' : this.#stopAct ? 'STOPDT con' : 'TESTFR con';
    this.#fail(new Iec104ProtocolError(`t1 expired: no ${what} within ${this.params.t1} ms`));
  }

  #onT2(): void {
    this.#acknowledgeReceived();
  }

  #onT3(): void {
    if (this.#testActAt === undefined) {
      this.#testActAt = Date.now();
      this.#sendU('TESTFR_ACT');
      this.#armT1U();
    }
    this.#t3.setIn(this.params.t3);
  }

  #fail(error: Error): void {
    this.close(error.message, error);
  }
}

/** Throws a plain Error on parameters the standard does not allow (in the caller, at construction). */
export function checkParameters(params: LinkParameters): void {
  const { k, w, t0, t1, t2, t3 } = params;
  for (const [name, value] of Object.entries({ k, w, t0, t1, t2, t3 })) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`IEC 104 link parameter ${name} must be a positive number, not ${value}`);
  }
  if (!Number.isInteger(k) || k > 32767) throw new Error(`IEC 104 link parameter k must be an integer in 1..32767, not ${k}`);
  if (!Number.isInteger(w) || w > k) throw new Error(`IEC 104 link parameter w must be an integer in 1..k (${k}), not ${w}`);
  if (t2 >= t1) throw new Error(`IEC 104 link parameter t2 (${t2} ms) must be less than t1 (${t1} ms)`);
}

/**
 * Opens a TCP connection within t0 (the controlling station's connection establishment timeout).
 * Rejects with an Error naming the address and the cause.
 */
export function connectSocket(host: string, port: number, t0: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`IEC 104: no connection to ${host}:${port} within t0 (${t0} ms)`));
    }, t0);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`IEC 104: cannot connect to ${host}:${port}: ${error.message}`));
    });
  });
}
