/**
 * What the import makes of the content, on small hand-written models: id
 * spellings across files, namespaces of different CIM versions, problems
 * that are listed and not fatal, and the rules of network extraction
 * (terminal state, switch state precedence, transformer ends, measurements).
 */
import { describe, expect, test } from 'vitest';
import { importCim, parseCimTexts } from '../../../core/grid/cim/import.js';
import { normaliseId, resourceTarget } from '../../../core/grid/cim/ids.js';
import { sharedData } from '../../support/shared-data.js';

const CIM100 = 'http://iec.ch/TC57/CIM100#';
const CIM16 = 'http://iec.ch/TC57/2013/CIM-schema-cim16#';

/** An RDF document whose `cim` prefix is bound to `namespace`, plus `extra` prefixes. */
function rdf(body: string, namespace = CIM100, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="${namespace}" xmlns:md="http://iec.ch/TC57/61970-552/ModelDescription/1#"${extra}>
${body}
</rdf:RDF>
`;
}

function terminal(id: string, equipment: string, node: string, extra = '', ref = (x: string) => `#_${x}`): string {
  return `<cim:Terminal rdf:ID="_${id}">
  <cim:Terminal.ConductingEquipment rdf:resource="${ref(equipment)}"/>
  <cim:Terminal.TopologicalNode rdf:resource="${ref(node)}"/>
  ${extra}
</cim:Terminal>`;
}

function node(id: string, name = id): string {
  return `<cim:TopologicalNode rdf:ID="_${id}"><cim:IdentifiedObject.name>${name}</cim:IdentifiedObject.name></cim:TopologicalNode>`;
}

describe('ids', () => {
  test('#_X, _X, urn:uuid:X and X are one id; vocabulary URIs become enumeration literals', () => {
    for (const spelling of ['#_7a1', '_7a1', 'urn:uuid:7a1', '7a1', ' #_7a1 ']) expect(normaliseId(spelling)).toBe('7a1');
    expect(resourceTarget('#_7a1')).toEqual({ kind: 'object', id: '7a1' });
    expect(resourceTarget('urn:uuid:7a1')).toEqual({ kind: 'object', id: '7a1' });
    expect(resourceTarget(`${CIM100}PhaseCode.ABC`)).toEqual({ kind: 'enumeration', value: 'PhaseCode.ABC' });
  });

  test('a single-file urn:uuid definition merges with a #_ extension in another file', () => {
    const single = rdf(`
<cim:ACLineSegment rdf:about="urn:uuid:0b9e-line">
  <cim:IdentifiedObject.name>L1</cim:IdentifiedObject.name>
</cim:ACLineSegment>
<cim:TopologicalNode rdf:about="urn:uuid:n1"/>
<cim:TopologicalNode rdf:about="urn:uuid:n2"/>
${terminal('t1', '0b9e-line', 'n1', '', (x) => `urn:uuid:${x}`)}
${terminal('t2', '0b9e-line', 'n2', '', (x) => `urn:uuid:${x}`)}`);
    const extension = rdf(`
<cim:ACLineSegment rdf:about="#_0b9e-line">
  <cim:Conductor.length>0.25</cim:Conductor.length>
</cim:ACLineSegment>`);
    const result = parseCimTexts([
      { fileName: 'single.xml', text: single },
      { fileName: 'extension.xml', text: extension },
    ]);
    const line = result.model.objects.get('0b9e-line')!;
    expect(line.cimClass).toBe('ACLineSegment');
    expect(line.files).toEqual(['single.xml', 'extension.xml']);
    expect(line.literals.get('IdentifiedObject.name')).toBe('L1');
    expect(line.literals.get('Conductor.length')).toBe('0.25');
    const element = result.network.elements.find((e) => e.id === '0b9e-line')!;
    expect(element).toMatchObject({ kind: 'line', name: 'L1', lengthKm: 0.25 });
    expect(result.network.links.filter((link) => link.equipment === '0b9e-line').map((link) => link.node).sort()).toEqual(['n1', 'n2']);
    expect(result.problems.filter((problem) => problem.kind === 'dangling-reference')).toEqual([]);
  });

  test('an object only extended (rdf:about="#_X") has no class and is not counted', () => {
    const result = parseCimTexts([{ fileName: 'ssh.xml', text: rdf('<cim:Breaker rdf:about="#_b9"><cim:Switch.open>true</cim:Switch.open></cim:Breaker>') }]);
    expect(result.model.objects.get('b9')!.cimClass).toBe('');
    expect(result.model.countsByClass.size).toBe(0);
    expect(result.network.elements).toEqual([]);
  });
});

describe('namespaces', () => {
  const body = (p: string) => `
<md:FullModel rdf:about="urn:uuid:model-1">
  <md:Model.profile>http://entsoe.eu/CIM/EquipmentCore/3/1</md:Model.profile>
  <md:Model.profile>http://entsoe.eu/CIM/EquipmentOperation/3/1</md:Model.profile>
  <md:Model.scenarioTime>2019-10-30T09:24:51Z</md:Model.scenarioTime>
  <md:Model.modelingAuthoritySet>https://example.org</md:Model.modelingAuthoritySet>
</md:FullModel>
<cim:Breaker rdf:ID="_b1">
  <cim:IdentifiedObject.name>B1</cim:IdentifiedObject.name>
  <${p}:IdentifiedObject.shortName>b</${p}:IdentifiedObject.shortName>
  <cim:Switch.normalOpen>true</cim:Switch.normalOpen>
</cim:Breaker>
${node('n1')}${node('n2')}
${terminal('t1', 'b1', 'n1', `<cim:Terminal.phases rdf:resource="${CIM100}PhaseCode.ABC"/>`)}
${terminal('t2', 'b1', 'n2')}`;

  test('cim16 with entsoe: and CIM100 with eu: read to the same objects, by local names', () => {
    const cim16 = parseCimTexts([{ fileName: 'cim16.xml', text: rdf(body('entsoe'), CIM16, ' xmlns:entsoe="http://entsoe.eu/CIM/SchemaExtension/3/1#"') }]);
    const cim100 = parseCimTexts([{ fileName: 'cim100.xml', text: rdf(body('eu'), CIM100, ' xmlns:eu="http://iec.ch/TC57/CIM100-European#"') }]);
    for (const result of [cim16, cim100]) {
      const breaker = result.model.objects.get('b1')!;
      expect(breaker.cimClass).toBe('Breaker');
      expect(breaker.literals.get('IdentifiedObject.shortName')).toBe('b');
      expect(breaker.literals.get('Switch.normalOpen')).toBe('true');
      expect(result.model.objects.get('t1')!.references.get('Terminal.phases')).toBe('PhaseCode.ABC');
      expect(result.model.headers).toHaveLength(1);
      expect(result.model.headers[0]).toMatchObject({
        profiles: ['http://entsoe.eu/CIM/EquipmentCore/3/1', 'http://entsoe.eu/CIM/EquipmentOperation/3/1'],
        scenarioTime: '2019-10-30T09:24:51Z',
        modelingAuthoritySet: 'https://example.org',
      });
      // The header is not an object of the model, and an enumeration is not a dangling reference.
      expect(result.model.objects.has('model-1')).toBe(false);
      expect(result.problems.map((problem) => problem.kind)).toEqual(['no-feeder-root']);
    }
    expect(cim16.network).toEqual({ ...cim100.network });
  });
});

describe('problems are listed, never fatal', () => {
  test('a dangling reference names the referring object and its file', () => {
    const result = parseCimTexts([
      { fileName: 'eq.xml', text: rdf(`${node('n1')}<cim:EnergyConsumer rdf:ID="_c1"/>${terminal('t1', 'c1', 'n1')}${terminal('t2', 'nowhere', 'n1')}`) },
      { fileName: 'tp.xml', text: rdf(`<cim:Terminal rdf:about="#_t1"><cim:Terminal.TopologicalNode rdf:resource="#_lost-node"/></cim:Terminal>`) },
    ]);
    const dangling = result.problems.filter((problem) => problem.kind === 'dangling-reference');
    expect(dangling.map((problem) => [problem.id, problem.file])).toEqual([
      ['t1', 'tp.xml'],
      ['t2', 'eq.xml'],
    ]);
    expect(dangling[0].message).toContain('lost-node');
    expect(dangling[1].message).toContain('Terminal.ConductingEquipment');
    // t1's node is gone (the TP file wins), so the consumer is not connected anywhere.
    expect(result.problems.filter((problem) => problem.kind === 'unresolved-node').map((problem) => problem.id)).toEqual(['t1']);
    expect(result.problems.filter((problem) => problem.kind === 'incomplete-equipment').map((problem) => problem.id)).toEqual(['c1']);
    expect(result.network.links).toEqual([]);
  });

  test('an id defined twice with different classes is a duplicate-definition; the first class stays', () => {
    const result = parseCimTexts([
      { fileName: 'a.xml', text: rdf('<cim:Breaker rdf:ID="_x1"/>') },
      { fileName: 'b.xml', text: rdf('\n<cim:Disconnector rdf:ID="_x1"/>') },
    ]);
    const duplicate = result.problems.find((problem) => problem.kind === 'duplicate-definition')!;
    expect(duplicate).toMatchObject({ id: 'x1', file: 'b.xml', line: 4 });
    expect(result.model.objects.get('x1')!.cimClass).toBe('Breaker');
  });
});

describe('network extraction', () => {
  test('a terminal with ACDCTerminal.connected=false is not a link', () => {
    const result = parseCimTexts([
      {
        fileName: 'm.xml',
        text: rdf(`${node('n1')}${node('n2')}<cim:ACLineSegment rdf:ID="_l1"/>
${terminal('t1', 'l1', 'n1', '<cim:ACDCTerminal.sequenceNumber>1</cim:ACDCTerminal.sequenceNumber>')}
${terminal('t2', 'l1', 'n2', '<cim:ACDCTerminal.connected>false</cim:ACDCTerminal.connected>')}`),
      },
    ]);
    expect(result.network.links).toEqual([{ equipment: 'l1', node: 'n1', terminal: 't1', sequence: 1 }]);
    // Both terminals are there; one is switched out: not incomplete.
    expect(result.problems.filter((problem) => problem.kind === 'incomplete-equipment')).toEqual([]);
  });

  test('switch state: SSH Switch.open, then SvSwitch.open, then EQ normalOpen, else closed', () => {
    const switches = ['s1', 's2', 's3', 's4'];
    const eq = rdf(
      `${node('n1')}${node('n2')}
<cim:Breaker rdf:ID="_s1"><cim:Switch.normalOpen>true</cim:Switch.normalOpen></cim:Breaker>
<cim:LoadBreakSwitch rdf:ID="_s2"><cim:Switch.normalOpen>false</cim:Switch.normalOpen></cim:LoadBreakSwitch>
<cim:Disconnector rdf:ID="_s3"><cim:Switch.normalOpen>true</cim:Switch.normalOpen></cim:Disconnector>
<cim:Fuse rdf:ID="_s4"/>
${switches.map((s) => terminal(`${s}a`, s, 'n1') + terminal(`${s}b`, s, 'n2')).join('\n')}`,
    );
    const ssh = rdf('<cim:Breaker rdf:about="#_s1"><cim:Switch.open>false</cim:Switch.open></cim:Breaker>');
    const sv = rdf(`
<cim:SvSwitch rdf:ID="_sv1"><cim:SvSwitch.Switch rdf:resource="#_s1"/><cim:SvSwitch.open>true</cim:SvSwitch.open></cim:SvSwitch>
<cim:SvSwitch rdf:ID="_sv2"><cim:SvSwitch.Switch rdf:resource="#_s2"/><cim:SvSwitch.open>true</cim:SvSwitch.open></cim:SvSwitch>`);
    const result = parseCimTexts([
      { fileName: 'eq.xml', text: eq },
      { fileName: 'ssh.xml', text: ssh },
      { fileName: 'sv.xml', text: sv },
    ]);
    const state = Object.fromEntries(result.network.elements.filter((e) => e.kind === 'switch').map((e) => [e.id, [e.open, e.normalOpen]]));
    expect(state).toEqual({ s1: [false, true], s2: [true, false], s3: [true, true], s4: [false, undefined] });
  });

  test('transformer: the low-voltage node is the highest endNumber; kV from the end-1 BaseVoltage; measurements placed', () => {
    const result = parseCimTexts([
      {
        fileName: 'm.xml',
        text: rdf(`
<cim:BaseVoltage rdf:ID="_bv20"><cim:BaseVoltage.nominalVoltage>20</cim:BaseVoltage.nominalVoltage></cim:BaseVoltage>
<cim:BaseVoltage rdf:ID="_bv04"><cim:BaseVoltage.nominalVoltage>0.4</cim:BaseVoltage.nominalVoltage></cim:BaseVoltage>
${node('mv')}${node('lv')}
<cim:PowerTransformer rdf:ID="_tr"><cim:IdentifiedObject.name>T1</cim:IdentifiedObject.name></cim:PowerTransformer>
<cim:PowerTransformerEnd rdf:ID="_e2"><cim:PowerTransformerEnd.PowerTransformer rdf:resource="#_tr"/><cim:TransformerEnd.endNumber>2</cim:TransformerEnd.endNumber>
  <cim:TransformerEnd.Terminal rdf:resource="#_tlv"/><cim:TransformerEnd.BaseVoltage rdf:resource="#_bv04"/></cim:PowerTransformerEnd>
<cim:PowerTransformerEnd rdf:ID="_e1"><cim:PowerTransformerEnd.PowerTransformer rdf:resource="#_tr"/><cim:TransformerEnd.endNumber>1</cim:TransformerEnd.endNumber>
  <cim:TransformerEnd.Terminal rdf:resource="#_tmv"/><cim:TransformerEnd.BaseVoltage rdf:resource="#_bv20"/></cim:PowerTransformerEnd>
${terminal('tmv', 'tr', 'mv')}${terminal('tlv', 'tr', 'lv')}
<cim:EnergyConsumer rdf:ID="_load"/>${terminal('tload', 'load', 'lv')}
<cim:Analog rdf:ID="_m1"><cim:IdentifiedObject.name>P load</cim:IdentifiedObject.name><cim:Measurement.measurementType>ThreePhaseActivePower</cim:Measurement.measurementType><cim:Measurement.Terminal rdf:resource="#_tload"/></cim:Analog>
<cim:Analog rdf:ID="_m2"><cim:Measurement.ACDCTerminal rdf:resource="#_tlv"/></cim:Analog>
<cim:Discrete rdf:ID="_m3"><cim:Measurement.PowerSystemResource rdf:resource="#_lv"/></cim:Discrete>
<cim:Analog rdf:ID="_m4"><cim:Measurement.PowerSystemResource rdf:resource="#_bv20"/></cim:Analog>`),
      },
    ]);
    const transformer = result.network.elements.find((e) => e.kind === 'transformer')!;
    expect(transformer).toMatchObject({ id: 'tr', name: 'T1', lowVoltageNode: 'lv', nominalKv: 20 });
    expect(result.network.monitoringPoints).toEqual([
      { id: 'm1', name: 'P load', element: 'load', measurementType: 'ThreePhaseActivePower' },
      { id: 'm2', name: '', element: 'tr' },
      { id: 'm3', name: '', element: 'lv' },
    ]);
    expect(result.problems).toEqual([]);
  });

  test('conducting equipment of a class not listed is kept as "other"; a class no terminal refers to is left out', () => {
    const result = parseCimTexts([
      { fileName: 'm.xml', text: rdf(`${node('n1')}<cim:LinearShuntCompensator rdf:ID="_sh"/>${terminal('t1', 'sh', 'n1')}<cim:OperationalLimitSet rdf:ID="_ols"/>`) },
    ]);
    expect(result.network.elements.map((e) => [e.id, e.kind])).toEqual([
      ['n1', 'node'],
      ['sh', 'other'],
    ]);
    expect(result.model.countsByClass.get('OperationalLimitSet')).toBe(1);
  });
});

test('a folder and a file of it given together are read once', async () => {
  const folder = sharedData('cimpy_sample_grid_switches', 'bus_branch');
  const once = await importCim([folder]);
  const twice = await importCim([folder, `${folder}/${once.files[0].split('/').at(-1)}`]);
  expect(twice.files).toEqual(once.files);
  expect(twice.bytes).toBe(once.bytes);
});
