// The contract of Gridlink's IEC 60870-5-104 implementation (written here from IEC 60870-5-101
// and -104: no library for it exists on npm, and lib60870 is GPL). Three layers:
// - the codec (apci.ts, asdu.ts, cp56time2a.ts, frame-reader.ts): bytes <-> Apdu and Asdu;
// - the link (link.ts): one TCP connection's APCI state machine with the k and w windows and the
//   t0..t3 timers, used by both station kinds;
// - the stations: ControllingStation (client, the master: SCADA or our field gateway) and
//   ControlledStation (server, the outstation: an RTU or our SCADA uplink).
// Values cross these layers as the plain objects below; only the codec touches bytes.

/** Type identifications used (IEC 60870-5-101 7.2.1.1, -104 table). */
export const TypeId = {
  M_SP_NA_1: 1,
  M_DP_NA_1: 3,
  M_ME_NA_1: 9,
  M_ME_NB_1: 11,
  M_ME_NC_1: 13,
  M_IT_NA_1: 15,
  M_SP_TB_1: 30,
  M_DP_TB_1: 31,
  M_ME_TD_1: 34,
  M_ME_TE_1: 35,
  M_ME_TF_1: 36,
  M_IT_TB_1: 37,
  C_SC_NA_1: 45,
  C_DC_NA_1: 46,
  C_SE_NC_1: 50,
  M_EI_NA_1: 70,
  C_IC_NA_1: 100,
  C_CS_NA_1: 103,
} as const;
export type TypeIdName = keyof typeof TypeId;
export type TypeIdValue = (typeof TypeId)[TypeIdName];

/** Causes of transmission (IEC 60870-5-101 7.2.3). */
export const Cause = {
  Periodic: 1,
  Background: 2,
  Spontaneous: 3,
  Initialized: 4,
  Request: 5,
  Activation: 6,
  ActivationCon: 7,
  Deactivation: 8,
  DeactivationCon: 9,
  ActivationTermination: 10,
  ReturnRemote: 11,
  ReturnLocal: 12,
  /** Station interrogation (general): 20; groups 1..16 are 21..36. */
  InterrogatedByStation: 20,
  UnknownTypeId: 44,
  UnknownCause: 45,
  UnknownCommonAddress: 46,
  UnknownIoa: 47,
} as const;

/** Qualifier of interrogation: station (general) interrogation. */
export const QOI_STATION = 20;

/**
 * Quality descriptor bits as on the wire (QDS, 7.2.6.3; SIQ/DIQ share the high bits):
 * the same bit positions as FieldQuality in schemas/field.fbs, so they pass through unchanged.
 */
export const Quality = { OV: 0x01, EI: 0x02, BL: 0x10, SB: 0x20, NT: 0x40, IV: 0x80 } as const;

/** One information object of an ASDU. Which fields matter depends on the type. */
export interface InformationObject {
  /** Information object address, 0..16777215 (3 octets). */
  ioa: number;
  /**
   * SP and C_SC: 0/1. DP and C_DC: 0..3 (1 = off, 2 = on, 0 and 3 indeterminate).
   * ME_NA/TD (normalised): -1..1-2^-15. ME_NB/TE (scaled): -32768..32767. ME_NC/TF and C_SE_NC:
   * IEEE float (single precision on the wire). IT: the counter, int32. C_IC: the QOI (20 = station).
   * C_CS: unused (the time is timeMs). M_EI: the cause of initialisation (COI).
   */
  value: number;
  /**
   * Quality bits (Quality above) for monitor types; for IT the BCR flags byte (bits 0-4 sequence
   * number, 0x20 CY, 0x40 CA, 0x80 IV). 0 for commands.
   */
  quality: number;
  /** CP56Time2a as ms since the epoch (UTC): time-tagged types (TB, TD, TE, TF) and C_CS_NA_1. */
  timeMs?: number;
  /** The CP56Time2a IV bit: the time tag is invalid. */
  timeInvalid?: boolean;
  /** Commands: the S/E bit, true = select, false/absent = execute. */
  select?: boolean;
  /** Commands: QU (0..31) of C_SC/C_DC, QL (0..127) of C_SE. */
  qualifier?: number;
}

/** Application service data unit (7.1 of -101, with -104's sizes: 2-octet COT, 2-octet CA, 3-octet IOA). */
export interface Asdu {
  typeId: TypeIdValue;
  /** SQ: the objects have consecutive addresses and the IOA is sent once. */
  sequence: boolean;
  cause: number;
  /** P/N bit: a negative confirmation. */
  negative: boolean;
  /** T bit: test. */
  test: boolean;
  /** Originator address, 0..255. */
  originator: number;
  /** Common address of ASDU, 1..65534 (65535 = broadcast). */
  commonAddress: number;
  objects: InformationObject[];
}

export type UFunction = 'STARTDT_ACT' | 'STARTDT_CON' | 'STOPDT_ACT' | 'STOPDT_CON' | 'TESTFR_ACT' | 'TESTFR_CON';

/** Application protocol data unit: APCI with, for I frames, the encoded ASDU. */
export type Apdu =
  | { kind: 'I'; sendSeq: number; recvSeq: number; asdu: Uint8Array }
  | { kind: 'S'; recvSeq: number }
  | { kind: 'U'; fn: UFunction };

/** A frame or ASDU that breaks the standard: says what and at which byte. The link closes on it. */
export class Iec104ProtocolError extends Error {
  constructor(
    message: string,
    /** Byte offset in the APDU (or the stream) where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'Iec104ProtocolError';
  }
}

/** Link parameters (-104 9.6, defaults of the standard). Times in ms. */
export interface LinkParameters {
  /** Max unacknowledged I frames sent before the sender stops. */
  k: number;
  /** Acknowledge at the latest after w received I frames. */
  w: number;
  /** Connection establishment timeout. */
  t0: number;
  /** Timeout of a sent I frame or test APDU awaiting acknowledgement: closes the connection. */
  t1: number;
  /** Acknowledge received I frames at the latest after t2 when no data is sent (t2 < t1). */
  t2: number;
  /** Send TESTFR act after t3 of idle. */
  t3: number;
}

export const defaultLinkParameters: LinkParameters = { k: 12, w: 8, t0: 30_000, t1: 15_000, t2: 10_000, t3: 20_000 };

export type LinkStateName = 'connecting' | 'stopped' | 'started' | 'closed';

/** Why a link closed; `error` set when it was a protocol violation or a timeout. */
export interface LinkClose {
  reason: string;
  error?: Error;
}

/** A result of a command sent by a controlling station. */
export interface CommandResult {
  /** Positive ACTCON (and for execute, ACTTERM where the outstation sends one within the wait). */
  confirmed: boolean;
  /** Steps as they happened, e.g. ["select: ACTCON", "execute: ACTCON", "ACTTERM"]. */
  steps: string[];
}

/** The master side (client): connects, starts data transfer, interrogates, syncs clocks, commands. */
export interface ControllingStationApi {
  readonly state: LinkStateName;
  /** Connects (t0), or takes an accepted socket (an RTU that dialled in), and sends STARTDT act; resolves at STARTDT con. */
  connect(accepted?: import('node:net').Socket): Promise<void>;
  /** General interrogation of a common address: resolves at ACTTERM with the objects received in between. */
  interrogate(commonAddress: number, timeoutMs?: number): Promise<Asdu[]>;
  /** C_CS_NA_1 with the given time (default now); resolves at ACTCON. */
  clockSync(commonAddress: number, timeMs?: number): Promise<CommandResult>;
  /**
   * A command (C_SC_NA_1, C_DC_NA_1, C_SE_NC_1); with selectBeforeOperate the station sends select,
   * waits for its ACTCON, then execute.
   */
  command(commonAddress: number, typeId: TypeIdValue, object: InformationObject, options?: { selectBeforeOperate?: boolean; timeoutMs?: number }): Promise<CommandResult>;
  /** Monitor ASDUs as they arrive (spontaneous, periodic, interrogated). */
  onAsdu(listener: (asdu: Asdu) => void): () => void;
  onClose(listener: (close: LinkClose) => void): () => void;
  close(reason?: string): Promise<void>;
}

/** What a controlled station (server) asks of its owner. */
export interface ControlledStationHandler {
  /** The objects to send for a general interrogation of `commonAddress`, grouped in ASDUs (cause 20 is set by the station). */
  interrogation(commonAddress: number): Asdu[] | Promise<Asdu[]>;
  /**
   * A command from a master (already checked against its type): true = positive ACTCON, or a reason
   * to refuse (negative ACTCON). For select, only whether it may be executed; the station keeps the
   * selection and refuses an execute without a matching select when the point requires one.
   */
  command(commonAddress: number, asdu: Asdu, object: InformationObject): Promise<true | string>;
  /** C_CS_NA_1: the master's time; return whether accepted. */
  clockSync?(commonAddress: number, timeMs: number): boolean;
}

/** The outstation side (server). Several masters may connect (a redundancy group: one started at a time). */
export interface ControlledStationApi {
  /** host:port it listens on (port 0 picks a free one). */
  readonly address: { host: string; port: number };
  /** Sends a monitor ASDU (spontaneous, periodic) to the started connection(s); queued while none is started, up to a bound. */
  send(asdu: Asdu): void;
  /** Connections now, and which is started. */
  connections(): { peer: string; started: boolean }[];
  close(): Promise<void>;
}
