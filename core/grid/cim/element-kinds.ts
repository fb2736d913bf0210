/**
 * Which CIM classes become which kind of GridElement. A class not listed
 * here but referred to by a Terminal (Junction, LinearShuntCompensator ...)
 * is still conducting equipment and becomes 'other'.
 */
import type { ElementKind } from '../network.js';

const KIND_BY_CLASS: ReadonlyMap<string, ElementKind> = new Map<string, ElementKind>([
  ['BusbarSection', 'busbar'],
  ['ACLineSegment', 'line'],
  ['Conductor', 'line'],
  ['SeriesCompensator', 'line'],
  ['Switch', 'switch'],
  ['Breaker', 'switch'],
  ['Disconnector', 'switch'],
  ['LoadBreakSwitch', 'switch'],
  ['Fuse', 'switch'],
  ['Jumper', 'switch'],
  ['Recloser', 'switch'],
  ['Sectionaliser', 'switch'],
  ['GroundDisconnector', 'switch'],
  ['ProtectedSwitch', 'switch'],
  ['DisconnectingCircuitBreaker', 'switch'],
  ['PowerTransformer', 'transformer'],
  ['EnergySource', 'source'],
  ['ExternalNetworkInjection', 'source'],
  ['EquivalentInjection', 'source'],
  ['EnergyConsumer', 'consumer'],
  ['ConformLoad', 'consumer'],
  ['NonConformLoad', 'consumer'],
  ['StationSupply', 'consumer'],
  ['PowerElectronicsConnection', 'generator'],
  ['SynchronousMachine', 'generator'],
  ['AsynchronousMachine', 'generator'],
]);

/** The kind of a class that is known to be conducting equipment, or undefined for a class not listed. */
export function knownKindOf(cimClass: string): ElementKind | undefined {
  return KIND_BY_CLASS.get(cimClass);
}

/** Terminals a piece of equipment of this kind needs to be complete. */
export function terminalsNeeded(kind: ElementKind): number {
  return kind === 'line' || kind === 'switch' || kind === 'transformer' ? 2 : 1;
}

/** Measurement classes (IEC 61970-301 Meas package) that become monitoring points. */
export const MEASUREMENT_CLASSES: ReadonlySet<string> = new Set(['Measurement', 'Analog', 'Discrete', 'Accumulator', 'StringMeasurement']);
