/**
 * From the merged CIM model to the GridNetwork (core/grid/network.ts):
 * nodes, conducting equipment, connected terminals as links, switch
 * states, transformer low-voltage sides and measurement points.
 */
import type { ElementKind, GridElement, GridLink, GridNetwork, MonitoringPoint } from '../network.js';
import type { CimModel, CimObject, CimProblem } from './api.js';
import { knownKindOf, MEASUREMENT_CLASSES, terminalsNeeded } from './element-kinds.js';

export interface ExtractedNetwork {
  readonly network: GridNetwork;
  readonly modelKind: 'node-breaker' | 'bus-branch';
  readonly problems: readonly CimProblem[];
}

/** 'true'/'1' and 'false'/'0' (xsd:boolean); undefined when absent or anything else. */
function booleanOf(value: string | undefined): boolean | undefined {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

class ModelIndex {
  constructor(private readonly model: CimModel) {}

  get(id: string | undefined): CimObject | undefined {
    return id === undefined ? undefined : this.model.objects.get(id);
  }

  /** The object a reference property (else the alternative property) points at, when it is there. */
  follow(object: CimObject | undefined, property: string, alternative?: string): CimObject | undefined {
    if (object === undefined) return undefined;
    const target = this.get(object.references.get(property));
    if (target !== undefined || alternative === undefined) return target;
    return this.get(object.references.get(alternative));
  }

  baseVoltageKv(baseVoltage: CimObject | undefined): number | undefined {
    return numberOf(baseVoltage?.literals.get('BaseVoltage.nominalVoltage'));
  }

  /** A VoltageLevel's kV, also when the container given is a Bay inside one. */
  containerKv(container: CimObject | undefined): number | undefined {
    if (container === undefined) return undefined;
    if (container.cimClass === 'Bay') return this.containerKv(this.follow(container, 'Bay.VoltageLevel'));
    return this.baseVoltageKv(this.follow(container, 'VoltageLevel.BaseVoltage'));
  }
}

export function networkFromModel(model: CimModel): ExtractedNetwork {
  const index = new ModelIndex(model);
  const problems: CimProblem[] = [];
  const objects = [...model.objects.values()];
  const nodeClass = objects.some((object) => object.cimClass === 'ConnectivityNode') ? 'ConnectivityNode' : 'TopologicalNode';
  const modelKind = nodeClass === 'ConnectivityNode' ? 'node-breaker' : 'bus-branch';
  const nodeProperty = nodeClass === 'ConnectivityNode' ? 'Terminal.ConnectivityNode' : 'Terminal.TopologicalNode';

  // Terminals by the equipment they belong to, in reading order.
  const terminalsOf = new Map<string, CimObject[]>();
  for (const object of objects) {
    if (object.cimClass !== 'Terminal') continue;
    const equipment = index.get(object.references.get('Terminal.ConductingEquipment'));
    if (equipment === undefined || equipment.cimClass === '') continue; // a dangling reference, listed already
    let list = terminalsOf.get(equipment.id);
    if (list === undefined) terminalsOf.set(equipment.id, (list = []));
    list.push(object);
  }

  const elements: GridElement[] = [];
  const elementIds = new Set<string>();
  const nodeOfTerminal = (terminal: CimObject): string | undefined => {
    const node = index.get(terminal.references.get(nodeProperty));
    return node !== undefined && node.cimClass === nodeClass ? node.id : undefined;
  };

  for (const object of objects) {
    if (object.cimClass !== nodeClass) continue;
    const nominalKv =
      nodeClass === 'TopologicalNode'
        ? (index.baseVoltageKv(index.follow(object, 'TopologicalNode.BaseVoltage')) ?? index.containerKv(index.follow(object, 'TopologicalNode.ConnectivityNodeContainer')))
        : (index.containerKv(index.follow(object, 'ConnectivityNode.ConnectivityNodeContainer')) ??
          index.baseVoltageKv(index.follow(index.follow(object, 'ConnectivityNode.TopologicalNode'), 'TopologicalNode.BaseVoltage')));
    elements.push(element(object, 'node', { nominalKv }));
    elementIds.add(object.id);
  }

  // Transformer ends by transformer, for the low-voltage side and the voltage.
  const endsOf = new Map<string, CimObject[]>();
  for (const object of objects) {
    if (object.cimClass !== 'PowerTransformerEnd') continue;
    const transformer = object.references.get('PowerTransformerEnd.PowerTransformer');
    if (transformer === undefined) continue;
    let list = endsOf.get(transformer);
    if (list === undefined) endsOf.set(transformer, (list = []));
    list.push(object);
  }

  // SvSwitch (CGMES 3 SV) states by the switch they describe.
  const svOpen = new Map<string, boolean>();
  for (const object of objects) {
    if (object.cimClass !== 'SvSwitch') continue;
    const target = object.references.get('SvSwitch.Switch');
    const open = booleanOf(object.literals.get('SvSwitch.open'));
    if (target !== undefined && open !== undefined) svOpen.set(target, open);
  }

  for (const object of objects) {
    const known = knownKindOf(object.cimClass);
    const terminals = terminalsOf.get(object.id);
    if (known === undefined && terminals === undefined) continue;
    if (object.cimClass === nodeClass || object.cimClass === 'Terminal') continue;
    const kind: ElementKind = known ?? 'other';
    const extra: Partial<Mutable<GridElement>> = {};
    extra.nominalKv =
      index.baseVoltageKv(index.follow(object, 'ConductingEquipment.BaseVoltage')) ?? index.containerKv(index.follow(object, 'Equipment.EquipmentContainer'));
    if (kind === 'switch') {
      const normalOpen = booleanOf(object.literals.get('Switch.normalOpen'));
      // Precedence (see README): SSH Switch.open, then SV SvSwitch.open, then EQ Switch.normalOpen, else closed.
      extra.open = booleanOf(object.literals.get('Switch.open')) ?? svOpen.get(object.id) ?? normalOpen ?? false;
      if (normalOpen !== undefined) extra.normalOpen = normalOpen;
    } else if (kind === 'line') {
      extra.lengthKm = numberOf(object.literals.get('Conductor.length'));
    } else if (kind === 'transformer') {
      const ends = (endsOf.get(object.id) ?? []).map((end) => ({
        end,
        number: numberOf(end.literals.get('TransformerEnd.endNumber')),
        ratedU: numberOf(end.literals.get('PowerTransformerEnd.ratedU')),
        terminal: index.follow(end, 'TransformerEnd.Terminal', 'PowerTransformerEnd.Terminal'),
      }));
      // endNumber 1 is the high-voltage winding; without end numbers the lower rated voltage is the low side.
      ends.sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || (b.ratedU ?? 0) - (a.ratedU ?? 0));
      const low = ends[ends.length - 1];
      const lowNode = low?.terminal !== undefined ? nodeOfTerminal(low.terminal) : undefined;
      if (lowNode !== undefined) extra.lowVoltageNode = lowNode;
      const high = ends[0];
      extra.nominalKv ??= index.baseVoltageKv(index.follow(high?.end, 'TransformerEnd.BaseVoltage')) ?? high?.ratedU;
    }
    elements.push(element(object, kind, extra));
    elementIds.add(object.id);
  }

  const links: GridLink[] = [];
  for (const element of elements) {
    if (element.kind === 'node') continue;
    const terminals = terminalsOf.get(element.id) ?? [];
    let withNode = 0;
    let disconnected = 0;
    for (const terminal of terminals) {
      const node = nodeOfTerminal(terminal);
      if (node === undefined) {
        problems.push({
          kind: 'unresolved-node',
          message: `terminal ${terminal.id} of ${element.cimClass} ${label(element)} has no ${nodeClass}`,
          file: terminal.files[0],
          id: terminal.id,
        });
        continue;
      }
      withNode += 1;
      const connected = booleanOf(terminal.literals.get('ACDCTerminal.connected') ?? terminal.literals.get('Terminal.connected'));
      if (connected === false) {
        disconnected += 1;
        continue;
      }
      const sequence = numberOf(terminal.literals.get('ACDCTerminal.sequenceNumber') ?? terminal.literals.get('Terminal.sequenceNumber'));
      links.push({ equipment: element.id, node, terminal: terminal.id, ...(sequence !== undefined ? { sequence } : {}) });
    }
    const needed = terminalsNeeded(element.kind);
    if (withNode < needed) {
      problems.push({
        kind: 'incomplete-equipment',
        message: `${element.cimClass} ${label(element)} has ${withNode} terminal(s) on a node, needs ${needed}${disconnected > 0 ? ` (${disconnected} disconnected)` : ''}`,
        file: model.objects.get(element.id)?.files[0],
        id: element.id,
      });
    }
  }

  const monitoringPoints: MonitoringPoint[] = [];
  for (const object of objects) {
    if (!MEASUREMENT_CLASSES.has(object.cimClass)) continue;
    const terminal = index.follow(object, 'Measurement.Terminal', 'Measurement.ACDCTerminal');
    let measured: string | undefined;
    if (terminal !== undefined) {
      const equipment = terminal.references.get('Terminal.ConductingEquipment');
      measured = equipment !== undefined && elementIds.has(equipment) ? equipment : nodeOfTerminal(terminal);
    }
    if (measured === undefined) {
      const resource = object.references.get('Measurement.PowerSystemResource');
      if (resource !== undefined && elementIds.has(resource)) measured = resource;
    }
    if (measured === undefined) continue;
    const measurementType = object.literals.get('Measurement.measurementType');
    monitoringPoints.push({
      id: object.id,
      name: object.literals.get('IdentifiedObject.name') ?? '',
      element: measured,
      ...(measurementType !== undefined ? { measurementType } : {}),
    });
  }

  if (!elements.some((element) => element.kind === 'transformer' || element.kind === 'source')) {
    problems.push({ kind: 'no-feeder-root', message: 'no transformer or source: no island has a feeder root' });
  }

  return { network: { elements, links, monitoringPoints }, modelKind, problems };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function element(object: CimObject, kind: ElementKind, extra: Partial<Mutable<GridElement>>): GridElement {
  const result: Mutable<GridElement> = { id: object.id, name: object.literals.get('IdentifiedObject.name') ?? '', kind, cimClass: object.cimClass };
  for (const key in extra) {
    const value = extra[key as keyof GridElement];
    if (value !== undefined) (result as Record<string, unknown>)[key] = value;
  }
  return result;
}

function label(element: GridElement): string {
  return element.name !== '' ? `"${element.name}" (${element.id})` : element.id;
}
