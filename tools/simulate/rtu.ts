/**
 * A simulated IEC 60870-5-104 outstation (RTU) for commissioning practice, the field walkthrough
 * and trying the iec104-gateway without hardware (`gridlink iec104 rtu`). It is our
 * ControlledStation (core/protocols/iec104) with a small substation behind it:
 *
 * | IOA | type | what |
 * |---|---|---|
 * | 1..N | M_ME_TF_1 (GI: M_ME_NC_1) | measurands in fours: U L-N (V, ~230), I (A), P (kW), Q (kvar), random walks |
 * | 1001..1004 | M_SP_TB_1 (GI: M_SP_NA_1) | single points (door, SF6 low, protection pickup, local mode); flip rarely |
 * | 2001 | M_DP_TB_1 (GI: M_DP_NA_1) | the breaker: 1 = off, 2 = on (starts on) |
 * | 2101 | C_DC_NA_1 | operates the breaker at 2001 (select-before-operate or direct) |
 * | 3000+k | C_SE_NC_1 | a set point for measurand k: its value jumps there and walks around it |
 *
 * Measurands are sent spontaneously every interval while a master has started data transfer
 * (nothing is queued for a master that is not there: a measurement from an hour ago is no use);
 * single points and the breaker are events and are kept for the next master. What masters do
 * (connect, STARTDT, interrogate, synchronise the clock, command) is reported to `report`.
 */
import { Cause, TypeId, type Asdu, type InformationObject, type TypeIdValue } from '../../core/protocols/iec104/api.js';
import { maxObjectsPerAsdu } from '../../core/protocols/iec104/asdu.js';
import { ControlledStation, REFUSE_UNKNOWN_IOA } from '../../core/protocols/iec104/controlled-station.js';
import { typeName } from '../../core/protocols/iec104/type-info.js';
import { createLogger } from '../../core/log/logger.js';
import { prng } from '../bench/prng.js';

export const MEASURAND_FIRST_IOA = 1;
export const SINGLE_POINT_FIRST_IOA = 1001;
export const SINGLE_POINT_NAMES = ['door open', 'SF6 pressure low', 'protection pickup', 'local mode'] as const;
export const BREAKER_IOA = 2001;
export const BREAKER_COMMAND_IOA = 2101;
export const SETPOINT_IOA_OFFSET = 3000;
/** Double point states of the breaker. */
export const BREAKER_OFF = 1;
export const BREAKER_ON = 2;
/** Time the simulated breaker takes to move: its new state follows the command's confirmation. */
const BREAKER_OPERATING_MS = 40;
/** Chance per interval that one single point changes. */
const SINGLE_POINT_FLIP_CHANCE = 0.01;

export interface MeasurandKind {
  readonly name: string;
  readonly unit: string;
  readonly nominal: number;
  /** Step of the walk (standard deviation per interval). */
  readonly sigma: number;
  readonly decimals: number;
}

/** The four measurands of each group, in IOA order. */
export const MEASURAND_KINDS: readonly MeasurandKind[] = [
  { name: 'voltage L-N', unit: 'V', nominal: 230, sigma: 0.4, decimals: 1 },
  { name: 'current', unit: 'A', nominal: 120, sigma: 3, decimals: 1 },
  { name: 'active power', unit: 'kW', nominal: 80, sigma: 2, decimals: 2 },
  { name: 'reactive power', unit: 'kvar', nominal: 15, sigma: 0.6, decimals: 2 },
];

export interface RtuOptions {
  readonly host: string;
  readonly port: number;
  readonly commonAddress: number;
  /** Measurands at IOA 1..measurands. */
  readonly measurands: number;
  readonly intervalMs: number;
  readonly seed: number;
  /** Measurands forced to a value after a delay (`--spike-at 1:262@20`). */
  readonly spikes?: readonly RtuSpike[];
  readonly report: (event: RtuEvent) => void;
}

export interface RtuSpike {
  readonly ioa: number;
  readonly value: number;
  readonly afterMs: number;
}

/** What the RTU tells its operator: one event per thing a master did, or that happened. */
export type RtuEvent =
  | { event: 'listening'; host: string; port: number; commonAddress: number; measurands: number; singlePoints: number; breakerIoa: number; breakerCommandIoa: number }
  | { event: 'master'; peer: string; state: 'connected' | 'started' | 'stopped' | 'closed'; reason?: string }
  | { event: 'interrogation'; commonAddress: number; objects: number }
  | { event: 'clock-sync'; masterTime: string; offsetMs: number }
  | { event: 'command'; type: string; ioa: number; value: number; select: boolean; accepted: boolean; reason?: string }
  | { event: 'breaker'; ioa: number; state: 'on' | 'off'; by: string }
  | { event: 'set-point'; ioa: number; measurand: number; value: number; by: string }
  | { event: 'single-point'; ioa: number; name: string; value: number };

interface Measurand {
  readonly ioa: number;
  readonly kind: MeasurandKind;
  /** The value the walk reverts to. */
  centre: number;
  value: number;
}

/** A standard normal draw (Box–Muller) from a uniform generator. */
function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export class SimulatedRtu {
  private readonly random: () => number;
  private readonly measurands: Measurand[] = [];
  private readonly singlePoints: number[] = SINGLE_POINT_NAMES.map(() => 0);
  private breaker = BREAKER_ON;
  /** The master's clock minus ours, from the last clock synchronisation: time tags follow the master. */
  private clockOffsetMs = 0;
  private station: ControlledStation | undefined;
  private timers: NodeJS.Timeout[] = [];
  private known = new Map<string, boolean>();

  private constructor(private readonly options: RtuOptions) {
    this.random = prng(options.seed);
    for (let i = 0; i < options.measurands; i++) {
      const kind = MEASURAND_KINDS[i % MEASURAND_KINDS.length]!;
      // Voltages stay at the nominal; loads differ from feeder to feeder.
      const centre = kind.unit === 'V' ? kind.nominal : kind.nominal * (0.6 + 0.8 * this.random());
      this.measurands.push({ ioa: MEASURAND_FIRST_IOA + i, kind, centre, value: round(centre, kind.decimals) });
    }
  }

  /** Listens and starts the walks; rejects when the port cannot be bound. */
  static async start(options: RtuOptions): Promise<SimulatedRtu> {
    const rtu = new SimulatedRtu(options);
    await rtu.listen();
    return rtu;
  }

  get port(): number {
    return this.station?.address.port ?? this.options.port;
  }

  /** The current value of a measurand (1-based IOA), for tests and the report. */
  measurand(ioa: number): number | undefined {
    return this.measurands[ioa - MEASURAND_FIRST_IOA]?.value;
  }

  get breakerState(): number {
    return this.breaker;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await this.station?.close();
    this.station = undefined;
  }

  private async listen(): Promise<void> {
    const { options } = this;
    this.station = await ControlledStation.listen({
      host: options.host,
      port: options.port,
      commonAddresses: [options.commonAddress],
      // The station's own log only for problems: the operator reads our events.
      log: createLogger('rtu', 'warn'),
      handler: {
        interrogation: (commonAddress) => {
          this.watchConnections();
          const answer = this.interrogation();
          options.report({ event: 'interrogation', commonAddress, objects: answer.reduce((n, a) => n + a.objects.length, 0) });
          return answer;
        },
        clockSync: (_commonAddress, timeMs) => {
          this.watchConnections();
          this.clockOffsetMs = timeMs - Date.now();
          options.report({ event: 'clock-sync', masterTime: new Date(timeMs).toISOString(), offsetMs: Math.round(this.clockOffsetMs) });
          return true;
        },
        command: (_commonAddress, asdu, object) => Promise.resolve(this.command(asdu, object)),
      },
    });
    this.station.onConnectionClose((peer, close) => {
      this.known.delete(peer);
      options.report({ event: 'master', peer, state: 'closed', reason: close.reason });
    });
    options.report({
      event: 'listening',
      host: options.host,
      port: this.station.address.port,
      commonAddress: options.commonAddress,
      measurands: this.measurands.length,
      singlePoints: this.singlePoints.length,
      breakerIoa: BREAKER_IOA,
      breakerCommandIoa: BREAKER_COMMAND_IOA,
    });
    const tick = (): void => {
      this.step();
      this.timers[0] = setTimeout(tick, options.intervalMs);
    };
    this.timers[0] = setTimeout(tick, options.intervalMs);
    // The station says when a connection closes, not when one opens or starts: look every 50 ms.
    const watch = (): void => {
      this.watchConnections();
      this.timers[1] = setTimeout(watch, 50);
    };
    this.timers[1] = setTimeout(watch, 50);
    for (const spike of options.spikes ?? []) {
      this.timers.push(setTimeout(() => this.setPoint(spike.ioa, spike.value, '--spike-at'), spike.afterMs));
    }
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private watchConnections(): void {
    for (const { peer, started } of this.station?.connections() ?? []) {
      const before = this.known.get(peer);
      if (before === started) continue;
      if (before === undefined) this.options.report({ event: 'master', peer, state: 'connected' });
      if (started || before !== undefined) this.options.report({ event: 'master', peer, state: started ? 'started' : 'stopped' });
      this.known.set(peer, started);
    }
  }

  /** One interval: every measurand walks (and is sent while a master listens); now and then a single point flips. */
  private step(): void {
    const station = this.station;
    if (!station) return;
    for (const m of this.measurands) {
      const next = m.value + 0.1 * (m.centre - m.value) + m.kind.sigma * gaussian(this.random);
      m.value = round(next, m.kind.decimals);
    }
    const listening = station.connections().some((c) => c.started);
    if (listening && this.measurands.length > 0) {
      const timeMs = this.now();
      this.send(TypeId.M_ME_TF_1, Cause.Spontaneous, this.measurands.map((m) => ({ ioa: m.ioa, value: m.value, quality: 0, timeMs, timeInvalid: false })));
    }
    if (this.random() < SINGLE_POINT_FLIP_CHANCE) {
      const index = Math.floor(this.random() * this.singlePoints.length);
      this.singlePoints[index] = this.singlePoints[index] === 0 ? 1 : 0;
      const ioa = SINGLE_POINT_FIRST_IOA + index;
      this.send(TypeId.M_SP_TB_1, Cause.Spontaneous, [{ ioa, value: this.singlePoints[index]!, quality: 0, timeMs: this.now(), timeInvalid: false }]);
      this.options.report({ event: 'single-point', ioa, name: SINGLE_POINT_NAMES[index]!, value: this.singlePoints[index]! });
    }
  }

  private send(typeId: TypeIdValue, cause: number, objects: InformationObject[]): void {
    const room = maxObjectsPerAsdu(typeId, false);
    for (let i = 0; i < objects.length; i += room) {
      this.station?.send({ typeId, sequence: false, cause, negative: false, test: false, originator: 0, commonAddress: this.options.commonAddress, objects: objects.slice(i, i + room) });
    }
  }

  /** Every point without time tags (-101: interrogated data carries no time). */
  private interrogation(): Asdu[] {
    const ca = this.options.commonAddress;
    const group = (typeId: TypeIdValue, objects: InformationObject[]): Asdu[] => {
      const room = maxObjectsPerAsdu(typeId, false);
      const out: Asdu[] = [];
      for (let i = 0; i < objects.length; i += room) {
        out.push({ typeId, sequence: false, cause: Cause.InterrogatedByStation, negative: false, test: false, originator: 0, commonAddress: ca, objects: objects.slice(i, i + room) });
      }
      return out;
    };
    return [
      ...group(TypeId.M_ME_NC_1, this.measurands.map((m) => ({ ioa: m.ioa, value: m.value, quality: 0 }))),
      ...group(TypeId.M_SP_NA_1, this.singlePoints.map((value, i) => ({ ioa: SINGLE_POINT_FIRST_IOA + i, value, quality: 0 }))),
      ...group(TypeId.M_DP_NA_1, [{ ioa: BREAKER_IOA, value: this.breaker, quality: 0 }]),
    ];
  }

  private command(asdu: Asdu, object: InformationObject): true | string {
    this.watchConnections();
    const select = object.select === true;
    const verdict = this.check(asdu.typeId, object);
    this.options.report({ event: 'command', type: typeName(asdu.typeId), ioa: object.ioa, value: object.value, select, accepted: verdict === true, ...(verdict === true ? {} : { reason: verdict }) });
    if (verdict !== true || select) return verdict;
    if (asdu.typeId === TypeId.C_DC_NA_1) {
      // The breaker moves after the confirmation, as a real one does: its new state is return information (cause 11).
      this.timers.push(setTimeout(() => this.operateBreaker(object.value), BREAKER_OPERATING_MS));
    } else {
      this.setPoint(object.ioa - SETPOINT_IOA_OFFSET, object.value, 'C_SE_NC_1');
    }
    return true;
  }

  private check(typeId: number, object: InformationObject): true | string {
    if (typeId === TypeId.C_DC_NA_1 && object.ioa === BREAKER_COMMAND_IOA) {
      return object.value === BREAKER_OFF || object.value === BREAKER_ON ? true : `the breaker takes 1 (off) or 2 (on), not ${object.value}`;
    }
    if (typeId === TypeId.C_SE_NC_1) {
      const k = object.ioa - SETPOINT_IOA_OFFSET;
      if (k >= 1 && k <= this.measurands.length) return true;
    }
    return `${REFUSE_UNKNOWN_IOA}: no ${typeName(typeId)} at IOA ${object.ioa} (breaker command: C_DC_NA_1 at ${BREAKER_COMMAND_IOA}; set points: C_SE_NC_1 at ${SETPOINT_IOA_OFFSET + 1}..${SETPOINT_IOA_OFFSET + this.measurands.length})`;
  }

  private operateBreaker(value: number): void {
    if (!this.station) return;
    this.breaker = value;
    this.send(TypeId.M_DP_TB_1, Cause.ReturnRemote, [{ ioa: BREAKER_IOA, value, quality: 0, timeMs: this.now(), timeInvalid: false }]);
    this.options.report({ event: 'breaker', ioa: BREAKER_IOA, state: value === BREAKER_ON ? 'on' : 'off', by: 'C_DC_NA_1' });
  }

  /** Measurand `k` (1-based) jumps to `value`, sent at once, and walks around it from now on. */
  private setPoint(k: number, value: number, by: string): void {
    const m = this.measurands[k - 1];
    if (!m || !this.station) return;
    m.centre = value;
    m.value = round(value, m.kind.decimals);
    if (this.station.connections().some((c) => c.started)) {
      this.send(TypeId.M_ME_TF_1, Cause.Spontaneous, [{ ioa: m.ioa, value: m.value, quality: 0, timeMs: this.now(), timeInvalid: false }]);
    }
    this.options.report({ event: 'set-point', ioa: SETPOINT_IOA_OFFSET + k, measurand: m.ioa, value: m.value, by });
  }
}
