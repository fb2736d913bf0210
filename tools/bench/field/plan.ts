/**
 * How much traffic each part of bench:field uses, in --quick (CI, the whole run under ~40 s)
 * and in full mode. One place, so the table labels, the generators and the measurements agree.
 */

export interface Plan {
  /** Information objects (IOAs) of the simulated RTU, one data point each. */
  rtuPoints: number;
  /** Objects per ASDU in the batched run (several per ASDU, as real RTUs send them). */
  objectsPerAsdu: number;
  /** Measurements sent in each end-to-end run. */
  endToEndMeasurements: number;
  /** Frames decoded in the decode-only rows (ours, scapy, tshark). */
  decodeFrames: number;
  /** Data points of the alarm rule set. */
  alarmPoints: number;
  /** Values evaluated in the alarm rows (ours and the JS peer); the SQLite peer gets fewer (it is slower). */
  alarmValues: number;
  alarmValuesSqlite: number;
  /** Limit of one measurement. */
  timeoutMs: number;
}

export function planOf(quick: boolean): Plan {
  return quick
    ? {
        rtuPoints: 200,
        objectsPerAsdu: 10,
        endToEndMeasurements: 40_000,
        decodeFrames: 10_000,
        alarmPoints: 1000,
        alarmValues: 400_000,
        alarmValuesSqlite: 40_000,
        timeoutMs: 45_000,
      }
    : {
        rtuPoints: 500,
        objectsPerAsdu: 10,
        endToEndMeasurements: 400_000,
        decodeFrames: 100_000,
        alarmPoints: 1000,
        alarmValues: 2_000_000,
        alarmValuesSqlite: 300_000,
        timeoutMs: 180_000,
      };
}
