/**
 * A GridNetwork as CGMES-3-style RDF/XML: an equipment (EQ) file that
 * defines every object with rdf:ID="_<id>", and a steady-state hypothesis
 * (SSH) file that extends terminals (connected) and switches (open) with
 * rdf:about="#_<id>". Written as streams, so 10,000+ elements cost no more
 * memory than ten.
 *
 * What is written, per element kind: nodes as ConnectivityNodes in a
 * VoltageLevel of their nominal voltage; each link as a Terminal
 * (ConductingEquipment, ConnectivityNode, sequenceNumber); lines as
 * ACLineSegments with Conductor.length and r/x of a 4x150 mm² Al cable;
 * transformers as PowerTransformer with one PowerTransformerEnd per
 * terminal (endNumber, ratedU from the node's voltage); switches in their
 * own class with Switch.normalOpen; consumers and generators in their class;
 * monitoring points as Analog measurements (ThreePhaseActivePower) on a
 * terminal, named by their data point. The ids of the objects the network
 * does not hold (base voltages, containers, transformer ends, the models)
 * derive from `seed`, so the same network and seed give the same bytes.
 */
import type { GridElement, GridLink, GridNetwork, MonitoringPoint } from '../../core/grid/network.js';
import { uuidFor } from './ids.js';
import { escapeXml, TextFileStream } from './xml-stream.js';

export interface CimWriteOptions {
  /** Where the EQ and SSH files go. */
  readonly eqPath: string;
  readonly sshPath: string;
  /** Names the derived ids (base voltages, containers, transformer ends, model headers). */
  readonly seed: number;
  /** md:Model.scenarioTime (and Model.created, so the bytes do not depend on the clock). */
  readonly scenarioTimeMs: number;
  /** The terminal each monitoring point measures at, by its id; default: its element's first terminal. */
  readonly measurementTerminals?: ReadonlyMap<string, string>;
  readonly description?: string;
}

export interface CimWriteResult {
  readonly eqPath: string;
  readonly sshPath: string;
  /** Objects written to the EQ file (rdf:ID definitions). */
  readonly objects: number;
}

const NS = {
  cim: 'http://iec.ch/TC57/CIM100#',
  eu: 'http://iec.ch/TC57/CIM100-European#',
  md: 'http://iec.ch/TC57/61970-552/ModelDescription/1#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
};
const EQ_PROFILE = 'http://iec.ch/TC57/ns/CIM/CoreEquipment-EU/3.0';
const SSH_PROFILE = 'http://iec.ch/TC57/ns/CIM/SteadyStateHypothesis-EU/3.0';
/** NAYY 4x150 SE, per km: the common LV distribution cable. */
const CABLE_R_OHM_PER_KM = 0.206;
const CABLE_X_OHM_PER_KM = 0.08;
const TRANSFORMER_RATED_MVA = 0.4;
const DEFAULT_KV = 0.4;

export async function writeCim(network: GridNetwork, options: CimWriteOptions): Promise<CimWriteResult> {
  const { seed } = options;
  const derived = (name: string): string => uuidFor(seed, `cim:${name}`);
  const eqModel = derived('EQ model');
  const sshModel = derived('SSH model');
  const scenarioTime = new Date(options.scenarioTimeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  const linksOf = new Map<string, GridLink[]>();
  for (const link of network.links) {
    const list = linksOf.get(link.equipment);
    if (list) list.push(link);
    else linksOf.set(link.equipment, [link]);
  }
  const terminalIdOf = (link: GridLink, index: number): string => link.terminal ?? derived(`terminal ${link.equipment} ${link.sequence ?? index + 1}`);

  // Voltages present: one BaseVoltage and one VoltageLevel each.
  const voltages = [...new Set(network.elements.map((element) => kvOf(element)))].sort((a, b) => b - a);
  const baseVoltage = (kv: number): string => derived(`BaseVoltage ${kv}`);
  const voltageLevel = (kv: number): string => derived(`VoltageLevel ${kv}`);
  const substation = derived('Substation');

  let objects = 0;
  const eq = new TextFileStream(options.eqPath);
  const define = async (cimClass: string, id: string, body: string): Promise<void> => {
    objects++;
    await eq.write(`  <cim:${cimClass} rdf:ID="_${escapeXml(id)}">\n${body}  </cim:${cimClass}>\n`);
  };
  try {
    await eq.write(header(eqModel, EQ_PROFILE, scenarioTime, options.description, undefined));
    for (const kv of voltages) {
      await define('BaseVoltage', baseVoltage(kv), literal('IdentifiedObject.name', `${kv} kV`) + literal('BaseVoltage.nominalVoltage', String(kv)));
    }
    await define('Substation', substation, literal('IdentifiedObject.name', 'Substation 1'));
    for (const kv of voltages) {
      await define(
        'VoltageLevel',
        voltageLevel(kv),
        literal('IdentifiedObject.name', `${kv} kV`) + reference('VoltageLevel.BaseVoltage', baseVoltage(kv)) + reference('VoltageLevel.Substation', substation),
      );
    }
    for (const element of network.elements) {
      const common = literal('IdentifiedObject.mRID', element.id) + literal('IdentifiedObject.name', element.name);
      if (element.kind === 'node') {
        await define('ConnectivityNode', element.id, common + reference('ConnectivityNode.ConnectivityNodeContainer', voltageLevel(kvOf(element))));
        continue;
      }
      if (element.kind === 'transformer') {
        await define(element.cimClass, element.id, common + reference('Equipment.EquipmentContainer', substation));
        const ends = linksOf.get(element.id) ?? [];
        for (const [index, link] of ends.entries()) {
          const endNumber = link.sequence ?? index + 1;
          const kv = kvOf(byId.get(link.node));
          await define(
            'PowerTransformerEnd',
            derived(`${element.id} end ${endNumber}`),
            literal('IdentifiedObject.name', `${element.name} end ${endNumber}`) +
              literal('TransformerEnd.endNumber', String(endNumber)) +
              literal('PowerTransformerEnd.ratedU', String(kv)) +
              literal('PowerTransformerEnd.ratedS', String(TRANSFORMER_RATED_MVA)) +
              reference('PowerTransformerEnd.PowerTransformer', element.id) +
              reference('TransformerEnd.BaseVoltage', baseVoltage(kv)) +
              reference('TransformerEnd.Terminal', terminalIdOf(link, index)),
          );
        }
        continue;
      }
      const kv = kvOf(element);
      let body = common + reference('Equipment.EquipmentContainer', voltageLevel(kv)) + reference('ConductingEquipment.BaseVoltage', baseVoltage(kv));
      if (element.kind === 'line') {
        const km = element.lengthKm ?? 0;
        body +=
          literal('Conductor.length', number(km)) +
          literal('ACLineSegment.r', number(km * CABLE_R_OHM_PER_KM)) +
          literal('ACLineSegment.x', number(km * CABLE_X_OHM_PER_KM)) +
          literal('ACLineSegment.bch', '0') +
          literal('ACLineSegment.gch', '0');
      } else if (element.kind === 'switch') {
        body += literal('Switch.normalOpen', String(element.normalOpen ?? element.open ?? false)) + literal('Switch.retained', 'false');
      }
      await define(element.cimClass, element.id, body);
    }
    for (const element of network.elements) {
      for (const [index, link] of (linksOf.get(element.id) ?? []).entries()) {
        await define(
          'Terminal',
          terminalIdOf(link, index),
          literal('IdentifiedObject.name', `${element.name} T${link.sequence ?? index + 1}`) +
            literal('ACDCTerminal.sequenceNumber', String(link.sequence ?? index + 1)) +
            reference('Terminal.ConductingEquipment', element.id) +
            reference('Terminal.ConnectivityNode', link.node) +
            resource('Terminal.phases', `${NS.cim}PhaseCode.ABC`),
        );
      }
    }
    for (const point of network.monitoringPoints) {
      const terminal = options.measurementTerminals?.get(point.id) ?? firstTerminal(point, linksOf, terminalIdOf);
      await define(
        'Analog',
        point.id,
        literal('IdentifiedObject.mRID', point.id) +
          literal('IdentifiedObject.name', point.dataPoint ?? point.name) +
          literal('IdentifiedObject.description', point.name) +
          literal('Measurement.measurementType', point.measurementType ?? 'ThreePhaseActivePower') +
          resource('Measurement.phases', `${NS.cim}PhaseCode.ABC`) +
          resource('Measurement.unitSymbol', `${NS.cim}UnitSymbol.W`) +
          resource('Measurement.unitMultiplier', `${NS.cim}UnitMultiplier.k`) +
          (terminal === undefined ? '' : reference('Measurement.Terminal', terminal)) +
          reference('Measurement.PowerSystemResource', point.element),
      );
    }
    await eq.write('</rdf:RDF>\n');
  } finally {
    await eq.close();
  }

  const ssh = new TextFileStream(options.sshPath);
  try {
    await ssh.write(header(sshModel, SSH_PROFILE, scenarioTime, options.description, eqModel));
    for (const element of network.elements) {
      for (const [index, link] of (linksOf.get(element.id) ?? []).entries()) {
        await ssh.write(`  <cim:Terminal rdf:about="#_${escapeXml(terminalIdOf(link, index))}">\n${literal('ACDCTerminal.connected', 'true')}  </cim:Terminal>\n`);
      }
    }
    for (const element of network.elements) {
      if (element.kind !== 'switch') continue;
      const open = element.open ?? element.normalOpen ?? false;
      await ssh.write(`  <cim:${element.cimClass} rdf:about="#_${escapeXml(element.id)}">\n${literal('Switch.open', String(open))}${literal('Switch.locked', 'false')}  </cim:${element.cimClass}>\n`);
    }
    await ssh.write('</rdf:RDF>\n');
  } finally {
    await ssh.close();
  }
  return { eqPath: options.eqPath, sshPath: options.sshPath, objects };
}

function header(model: string, profile: string, scenarioTime: string, description: string | undefined, dependentOn: string | undefined): string {
  const namespaces = Object.entries(NS)
    .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
    .join(' ');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF ${namespaces}>\n` +
    `  <md:FullModel rdf:about="urn:uuid:${model}">\n` +
    (dependentOn === undefined ? '' : `    <md:Model.DependentOn rdf:resource="urn:uuid:${dependentOn}" />\n`) +
    `    <md:Model.created>${scenarioTime}</md:Model.created>\n` +
    (description === undefined ? '' : `    <md:Model.description>${escapeXml(description)}</md:Model.description>\n`) +
    `    <md:Model.modelingAuthoritySet>https://gridlink.invalid/simulate</md:Model.modelingAuthoritySet>\n` +
    `    <md:Model.profile>${profile}</md:Model.profile>\n` +
    `    <md:Model.scenarioTime>${scenarioTime}</md:Model.scenarioTime>\n` +
    `  </md:FullModel>\n`
  );
}

function literal(property: string, value: string): string {
  return `    <cim:${property}>${escapeXml(value)}</cim:${property}>\n`;
}

function reference(property: string, id: string): string {
  return `    <cim:${property} rdf:resource="#_${escapeXml(id)}" />\n`;
}

function resource(property: string, uri: string): string {
  return `    <cim:${property} rdf:resource="${escapeXml(uri)}" />\n`;
}

function kvOf(element: GridElement | undefined): number {
  return element?.nominalKv ?? DEFAULT_KV;
}

/** Plain decimal text of a number, at most 9 significant digits (no 0.30000000000000004). */
function number(value: number): string {
  return String(Number(value.toPrecision(9)));
}

function firstTerminal(point: MonitoringPoint, linksOf: ReadonlyMap<string, GridLink[]>, terminalIdOf: (link: GridLink, index: number) => string): string | undefined {
  const first = linksOf.get(point.element)?.[0];
  return first === undefined ? undefined : terminalIdOf(first, 0);
}
