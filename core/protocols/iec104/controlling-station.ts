// The controlling station (master, TCP client) of IEC 60870-5-104: connects within t0, starts data
// transfer, and runs the request/confirmation exchanges of general interrogation, clock
// synchronisation and commands (direct or select-before-operate) over one Iec104Link.
import type { Socket } from 'node:net';
import {
  type Asdu,
  Cause,
  type CommandResult,
  type ControllingStationApi,
  defaultLinkParameters,
  type InformationObject,
  type LinkClose,
  type LinkParameters,
  type LinkStateName,
  QOI_STATION,
  TypeId,
  type TypeIdValue,
} from './api.js';
import { checkParameters, connectSocket, Iec104Link } from './link.js';
import { typeName } from './type-info.js';
import { createLogger, type Logger } from '../../log/logger.js';

export interface ControllingStationOptions {
  host: string;
  port: number;
  params?: Partial<LinkParameters>;
  /** Originator address put in every ASDU this station sends (0..255; default 0). */
  originator?: number;
  log?: Logger;
  /** How long command() waits for ACTTERM after a positive execute ACTCON (default 1000 ms). */
  actTermWaitMs?: number;
  /** Default timeout of interrogate(), clockSync() and command() (default 10 000 ms). */
  timeoutMs?: number;
}

const COMMAND_TYPES = new Set<number>([TypeId.C_SC_NA_1, TypeId.C_DC_NA_1, TypeId.C_SE_NC_1]);
/** Causes by which an outstation answers an activation: ACTCON or one of the "unknown ..." refusals. */
const CONFIRMATION_CAUSES = new Set<number>([
  Cause.ActivationCon,
  Cause.UnknownTypeId,
  Cause.UnknownCause,
  Cause.UnknownCommonAddress,
  Cause.UnknownIoa,
]);
const REFUSAL_NAMES: Record<number, string> = {
  [Cause.UnknownTypeId]: 'unknown type (cause 44)',
  [Cause.UnknownCause]: 'unknown cause (cause 45)',
  [Cause.UnknownCommonAddress]: 'unknown common address (cause 46)',
  [Cause.UnknownIoa]: 'unknown IOA (cause 47)',
};

/** Monitor direction types (-101 table 8: 1..44) and end of initialisation. */
function isMonitorType(typeId: number): boolean {
  return typeId < TypeId.C_SC_NA_1 || typeId === TypeId.M_EI_NA_1;
}

/** The step text of a confirmation: "ACTCON", "negative ACTCON" or the refusal cause. */
function describeConfirmation(asdu: Asdu): string {
  if (asdu.cause === Cause.ActivationCon) return asdu.negative ? 'negative ACTCON' : 'ACTCON';
  return `negative: ${REFUSAL_NAMES[asdu.cause] ?? `cause ${asdu.cause}`}`;
}

function isPositive(asdu: Asdu): boolean {
  return asdu.cause === Cause.ActivationCon && !asdu.negative;
}

interface Waiter {
  match: (asdu: Asdu) => boolean;
  resolve: (asdu: Asdu) => void;
  reject: (error: Error) => void;
}

export class ControllingStation implements ControllingStationApi {
  readonly host: string;
  readonly port: number;
  readonly params: LinkParameters;
  readonly originator: number;
  readonly #log: Logger;
  readonly #actTermWaitMs: number;
  readonly #timeoutMs: number;
  #link: Iec104Link | undefined;
  #connecting = false;
  #closeRequested = false;
  readonly #waiters = new Set<Waiter>();
  /** Running interrogations by common address: the cause-20 ASDUs received so far. */
  readonly #interrogations = new Map<number, Asdu[]>();
  readonly #asduListeners = new Set<(asdu: Asdu) => void>();
  readonly #closeListeners = new Set<(close: LinkClose) => void>();

  constructor(options: ControllingStationOptions) {
    this.host = options.host;
    this.port = options.port;
    this.params = { ...defaultLinkParameters, ...options.params };
    checkParameters(this.params);
    this.originator = options.originator ?? 0;
    if (!Number.isInteger(this.originator) || this.originator < 0 || this.originator > 255) {
      throw new Error(`originator address must be 0..255, not ${this.originator}`);
    }
    this.#log = options.log ?? createLogger('iec104-controlling');
    this.#actTermWaitMs = options.actTermWaitMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * 'connecting' from connect() until STARTDT con; 'closed' before connect() and after the
   * connection ends (connect() may be called again then).
   */
  get state(): LinkStateName {
    if (this.#connecting) return 'connecting';
    return this.#link?.state ?? 'closed';
  }

  /** The current connection's link (counters, peer), if any. */
  get link(): Iec104Link | undefined {
    return this.#link;
  }

  /**
   * Dials host:port (within t0) and starts data transfer. With `accepted`, uses that socket instead
   * of dialling: an RTU that calls the master (a field gateway in server mode) is still controlled
   * from this side.
   */
  async connect(accepted?: Socket): Promise<void> {
    if (this.#connecting || (this.#link && this.#link.state !== 'closed')) {
      accepted?.destroy();
      throw new Error(`IEC 104: already connected or connecting to ${this.host}:${this.port}`);
    }
    this.#connecting = true;
    this.#closeRequested = false;
    try {
      const socket = accepted ?? (await connectSocket(this.host, this.port, this.params.t0));
      if (this.#closeRequested) {
        socket.destroy();
        throw new Error(`IEC 104: connection to ${this.host}:${this.port} closed while connecting`);
      }
      const link = new Iec104Link(socket, { side: 'controlling', params: this.params, log: this.#log });
      this.#link = link;
      link.onAsdu((asdu) => this.#onAsdu(asdu));
      link.onUnknownAsdu((bytes) => this.#log.warn('ASDU of an unknown type ignored', { peer: link.peer, typeId: bytes[0] }));
      link.onClose((close) => this.#onClose(link, close));
      await link.startDataTransfer();
    } finally {
      this.#connecting = false;
    }
  }

  interrogate(commonAddress: number, timeoutMs = this.#timeoutMs): Promise<Asdu[]> {
    checkCommonAddress(commonAddress, false);
    if (this.#interrogations.has(commonAddress)) {
      return Promise.reject(new Error(`IEC 104: an interrogation of common address ${commonAddress} is already running`));
    }
    const link = this.#startedLink();
    if (!link) return Promise.reject(this.#notStarted());
    const collected: Asdu[] = [];
    this.#interrogations.set(commonAddress, collected);
    const matches = (asdu: Asdu): boolean => asdu.typeId === TypeId.C_IC_NA_1 && asdu.commonAddress === commonAddress;
    // Both waiters exist before the activation goes out: ACTCON and ACTTERM may arrive in one TCP segment.
    const con = this.#waitFor((a) => matches(a) && CONFIRMATION_CAUSES.has(a.cause), timeoutMs, `no ACTCON to the interrogation of common address ${commonAddress}`);
    const term = this.#waitFor((a) => matches(a) && a.cause === Cause.ActivationTermination, timeoutMs, `no ACTTERM to the interrogation of common address ${commonAddress}`);
    const run = async (): Promise<Asdu[]> => {
      try {
        link.sendAsdu(this.#asdu(TypeId.C_IC_NA_1, commonAddress, { ioa: 0, value: QOI_STATION, quality: 0 }));
        const confirmation = await con.promise;
        if (!isPositive(confirmation)) {
          throw new Error(`IEC 104: interrogation of common address ${commonAddress} refused: ${describeConfirmation(confirmation)}`);
        }
        await term.promise;
        return collected;
      } finally {
        con.cancel();
        term.cancel();
        this.#interrogations.delete(commonAddress);
      }
    };
    return run();
  }

  async clockSync(commonAddress: number, timeMs: number = Date.now()): Promise<CommandResult> {
    checkCommonAddress(commonAddress, true);
    const link = this.#startedLink();
    if (!link) throw this.#notStarted();
    const con = this.#waitFor(
      // To the broadcast address each common address answers; the first answer settles it.
      (a) => a.typeId === TypeId.C_CS_NA_1 && (commonAddress === 65535 || a.commonAddress === commonAddress) && CONFIRMATION_CAUSES.has(a.cause),
      this.#timeoutMs,
      `no ACTCON to the clock synchronisation of common address ${commonAddress}`,
    );
    try {
      link.sendAsdu(this.#asdu(TypeId.C_CS_NA_1, commonAddress, { ioa: 0, value: 0, quality: 0, timeMs }));
      const confirmation = await con.promise;
      return { confirmed: isPositive(confirmation), steps: [describeConfirmation(confirmation)] };
    } finally {
      con.cancel();
    }
  }

  async command(
    commonAddress: number,
    typeId: TypeIdValue,
    object: InformationObject,
    options: { selectBeforeOperate?: boolean; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    if (!COMMAND_TYPES.has(typeId)) {
      throw new Error(`IEC 104: command() sends C_SC_NA_1, C_DC_NA_1 or C_SE_NC_1, not ${typeName(typeId)}`);
    }
    checkCommonAddress(commonAddress, false);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const steps: string[] = [];
    if (options.selectBeforeOperate) {
      const selected = await this.#activate(commonAddress, typeId, { ...object, select: true }, timeoutMs, false);
      steps.push(`select: ${describeConfirmation(selected.confirmation)}`);
      if (!isPositive(selected.confirmation)) return { confirmed: false, steps };
    }
    const executed = await this.#activate(commonAddress, typeId, { ...object, select: false }, timeoutMs, true);
    steps.push(`execute: ${describeConfirmation(executed.confirmation)}`);
    if (!isPositive(executed.confirmation)) return { confirmed: false, steps };
    const termination = await executed.termination;
    if (termination) steps.push(termination.negative ? 'negative ACTTERM' : 'ACTTERM');
    return { confirmed: termination ? !termination.negative : true, steps };
  }

  onAsdu(listener: (asdu: Asdu) => void): () => void {
    this.#asduListeners.add(listener);
    return () => {
      this.#asduListeners.delete(listener);
    };
  }

  onClose(listener: (close: LinkClose) => void): () => void {
    this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  async close(reason = 'closed by the controlling station'): Promise<void> {
    const link = this.#link;
    if (!link || link.state === 'closed') {
      // Still opening the socket: connect() drops it and rejects.
      if (this.#connecting) this.#closeRequested = true;
      return;
    }
    const closed = new Promise<void>((resolve) => link.onClose(() => resolve()));
    link.close(reason);
    await closed;
  }

  /**
   * Sends one activation of a command and waits for its confirmation; with `expectTermination`,
   * also waits up to actTermWaitMs after a positive ACTCON for an ACTTERM (null when none came).
   */
  async #activate(
    commonAddress: number,
    typeId: TypeIdValue,
    object: InformationObject,
    timeoutMs: number,
    expectTermination: boolean,
  ): Promise<{ confirmation: Asdu; termination: Promise<Asdu | null> }> {
    const link = this.#startedLink();
    if (!link) throw this.#notStarted();
    const step = object.select ? 'select' : 'execute';
    const sameObject = (a: Asdu): boolean =>
      a.typeId === typeId && a.commonAddress === commonAddress && a.objects.length > 0 && a.objects[0].ioa === object.ioa;
    const con = this.#waitFor(
      (a) => sameObject(a) && CONFIRMATION_CAUSES.has(a.cause) && Boolean(a.objects[0].select) === Boolean(object.select),
      timeoutMs,
      `no ACTCON to the ${step} of ${typeName(typeId)} IOA ${object.ioa} at common address ${commonAddress} within ${timeoutMs} ms`,
    );
    const term = expectTermination ? this.#waitFor((a) => sameObject(a) && a.cause === Cause.ActivationTermination, timeoutMs, 'no ACTTERM') : undefined;
    let confirmation: Asdu;
    try {
      link.sendAsdu(this.#asdu(typeId, commonAddress, object));
      confirmation = await con.promise;
    } catch (error) {
      term?.cancel();
      throw error;
    } finally {
      con.cancel();
    }
    if (!term || !isPositive(confirmation)) {
      term?.cancel();
      return { confirmation, termination: Promise.resolve(null) };
    }
    const termination = new Promise<Asdu | null>((resolve) => {
      const timer = setTimeout(() => {
        term.cancel();
        resolve(null);
      }, this.#actTermWaitMs);
      term.promise.then(
        (asdu) => {
          clearTimeout(timer);
          resolve(asdu);
        },
        () => {
          clearTimeout(timer);
          resolve(null);
        },
      );
    });
    return { confirmation, termination };
  }

  #asdu(typeId: TypeIdValue, commonAddress: number, object: InformationObject): Asdu {
    return { typeId, sequence: false, cause: Cause.Activation, negative: false, test: false, originator: this.originator, commonAddress, objects: [object] };
  }

  #startedLink(): Iec104Link | undefined {
    return this.#link?.state === 'started' ? this.#link : undefined;
  }

  #notStarted(): Error {
    return new Error(`IEC 104: no started connection to ${this.host}:${this.port} (state ${this.state}); call connect() first`);
  }

  /** A waiter for the first received ASDU matching; rejects after timeoutMs or when the link closes. */
  #waitFor(match: (asdu: Asdu) => boolean, timeoutMs: number, timeoutText: string): { promise: Promise<Asdu>; cancel: () => void } {
    let waiter!: Waiter;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<Asdu>((resolve, reject) => {
      waiter = {
        match,
        resolve: (asdu) => {
          cancel();
          resolve(asdu);
        },
        reject: (error) => {
          cancel();
          reject(error);
        },
      };
    });
    // A waiter cancelled before anyone awaits it must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    const cancel = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      this.#waiters.delete(waiter);
    };
    timer = setTimeout(() => waiter.reject(new Error(`IEC 104: ${timeoutText} (timeout ${timeoutMs} ms)`)), timeoutMs);
    this.#waiters.add(waiter);
    return { promise, cancel };
  }

  #onAsdu(asdu: Asdu): void {
    if (isMonitorType(asdu.typeId)) {
      if (asdu.cause === Cause.InterrogatedByStation) this.#interrogations.get(asdu.commonAddress)?.push(asdu);
      for (const listener of [...this.#asduListeners]) {
        try {
          listener(asdu);
        } catch (error) {
          this.#log.error('an ASDU listener threw', { error: error instanceof Error ? error.message : String(error) });
        }
      }
      return;
    }
    for (const waiter of this.#waiters) {
      if (waiter.match(asdu)) {
        waiter.resolve(asdu);
        return;
      }
    }
    this.#log.debug('a confirmation nobody waits for', { typeId: asdu.typeId, cause: asdu.cause, commonAddress: asdu.commonAddress });
  }

  #onClose(link: Iec104Link, close: LinkClose): void {
    if (close.error) this.#log.warn('IEC 104 connection closed', { peer: link.peer, reason: close.reason });
    else this.#log.info('IEC 104 connection closed', { peer: link.peer, reason: close.reason });
    const failure = new Error(`IEC 104: connection to ${this.host}:${this.port} closed: ${close.reason}`);
    for (const waiter of [...this.#waiters]) waiter.reject(failure);
    for (const listener of [...this.#closeListeners]) {
      try {
        listener(close);
      } catch (error) {
        this.#log.error('a close listener threw', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}

function checkCommonAddress(commonAddress: number, broadcastAllowed: boolean): void {
  const max = broadcastAllowed ? 65535 : 65534;
  if (!Number.isInteger(commonAddress) || commonAddress < 1 || commonAddress > max) {
    throw new Error(`IEC 104: common address must be 1..${max}, not ${commonAddress}`);
  }
}
