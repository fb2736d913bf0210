/**
 * The electrical network as the grid code sees it: what the CIM import
 * produces (core/grid/cim), what the feeder simulator builds
 * (tools/simulate) and what the topology (core/grid/topology) is computed on.
 *
 * It is deliberately smaller than CIM. Every piece of conducting equipment
 * and every connection point (ConnectivityNode, or TopologicalNode in a
 * bus-branch model) is one *element*; a connected terminal is one *link*
 * between an equipment element and a node element. So the graph is
 * bipartite (equipment – node – equipment ...) and a hop is one link: a
 * line between two nodes is two hops from either node to the other.
 * Keeping nodes as elements is what lets a monitoring device sit on a node
 * or on a piece of equipment, as it does in CIM (Measurement.Terminal /
 * Measurement.PowerSystemResource).
 */

/** What an element is, for the topology and for the people reading it. */
export type ElementKind =
  | 'node' // ConnectivityNode or TopologicalNode
  | 'busbar' // BusbarSection (equipment with one terminal)
  | 'line' // ACLineSegment and other two-terminal conductors
  | 'switch' // Breaker, Disconnector, LoadBreakSwitch, Fuse, Switch, Jumper, Recloser, Sectionaliser, GroundDisconnector
  | 'transformer' // PowerTransformer
  | 'source' // EnergySource, ExternalNetworkInjection, EquivalentInjection
  | 'consumer' // EnergyConsumer, ConformLoad, NonConformLoad
  | 'generator' // PowerElectronicsConnection, SynchronousMachine, other production
  | 'other'; // conducting equipment of any other class (Junction, ...): kept, conducts

export interface GridElement {
  /** The CIM mRID without '#' or 'urn:uuid:' (see cim/ids.ts), or the simulator's id. Unique. */
  readonly id: string;
  /** IdentifiedObject.name when given, else ''. */
  readonly name: string;
  readonly kind: ElementKind;
  /** The CIM class it was defined with (local name, e.g. 'LoadBreakSwitch'); the simulator uses CIM names too. */
  readonly cimClass: string;
  /** Switches only: the state in force (SSH/SV `open` when given, else EQ `normalOpen`, else closed). */
  readonly open?: boolean;
  /** Switches only: the EQ `normalOpen`, when given. */
  readonly normalOpen?: boolean;
  /** Nominal voltage in kV (BaseVoltage of the element or of its VoltageLevel), when known. */
  readonly nominalKv?: number;
  /** Lines only: Conductor.length in km, when given. */
  readonly lengthKm?: number;
  /** Transformers only: the node element on the low-voltage side (the highest endNumber), when known. */
  readonly lowVoltageNode?: string;
}

/** A connected terminal: equipment element `equipment` touches node element `node`. */
export interface GridLink {
  readonly equipment: string;
  readonly node: string;
  /** The Terminal's mRID, when it came from CIM. */
  readonly terminal?: string;
  /** Terminal.sequenceNumber (1 = first end), when given. */
  readonly sequence?: number;
}

/**
 * A measurement point: a monitoring device (CIM Measurement/Analog, or a
 * device the simulator placed) located at an element. Its profile is stored
 * in Storacle under `dataPoint`.
 */
export interface MonitoringPoint {
  readonly id: string;
  readonly name: string;
  /** The element it measures: a terminal's equipment (or node), or the PowerSystemResource. */
  readonly element: string;
  /** Measurement.measurementType (e.g. 'ThreePhaseActivePower'), when given. */
  readonly measurementType?: string;
  /** The Storacle data point holding its profile, when known (simulator; configuration otherwise). */
  readonly dataPoint?: string;
}

export interface GridNetwork {
  readonly elements: readonly GridElement[];
  readonly links: readonly GridLink[];
  readonly monitoringPoints: readonly MonitoringPoint[];
}

/** Kinds whose elements are switching edges: they conduct only when closed. */
export function isSwitch(element: GridElement): boolean {
  return element.kind === 'switch';
}

/** Kinds that can root a feeder: the MV/LV connection point. */
export function isFeederRoot(element: GridElement): boolean {
  return element.kind === 'transformer' || element.kind === 'source';
}
