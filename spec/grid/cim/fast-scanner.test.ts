/**
 * The fast reader (core/grid/cim/fast-rdf-reader.ts) against sax, the
 * reference: on every CIM set of the shared data, on simulated feeders, on a
 * hand-made file with every construct the fast reader accepts (in chunks of
 * 1, 2, 3, 7 and 64 characters and bytes), the model is the same, object by
 * object, property by property, problem by problem. Input it does not take
 * is left to sax, so importCim gives what sax alone gives: the same
 * CimSyntaxError, or the same model.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { CimImport } from '../../../core/grid/cim/api.js';
import { FastPathDeclined } from '../../../core/grid/cim/fast-rdf-reader.js';
import { importCim, importCimWith, parseCimText, parseCimTextsWith, type CimReading } from '../../../core/grid/cim/import.js';
import { writeCim } from '../../../tools/simulate/cim-writer.js';
import { generateFeeder } from '../../../tools/simulate/feeder.js';
import { sharedDataRoot } from '../../support/shared-data.js';

const folder = mkdtempSync(join(tmpdir(), 'gridlink-cim-fast-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Everything an import gives, in a form toEqual compares strictly (maps as entry lists, in their order). */
function snapshot(result: CimImport): unknown {
  return {
    files: result.files,
    bytes: result.bytes,
    objects: [...result.model.objects.values()].map((object) => ({
      id: object.id,
      cimClass: object.cimClass,
      literals: [...object.literals],
      references: [...object.references],
      files: object.files,
    })),
    headers: result.model.headers,
    countsByClass: [...result.model.countsByClass],
    problems: result.problems,
    modelKind: result.modelKind,
    network: result.network,
  };
}

/** The result of a reading, or the error it threw (its class and message). */
function outcome(run: () => CimImport): unknown {
  try {
    return snapshot(run());
  } catch (error) {
    return error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) };
  }
}

async function outcomeOf(run: () => Promise<CimImport>): Promise<unknown> {
  try {
    return snapshot(await run());
  } catch (error) {
    return error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) };
  }
}

/** Every folder under the shared data that holds XML files: one CIM set each. */
function cimSets(root: string): string[] {
  const sets: string[] = [];
  const walk = (dir: string): void => {
    const names = readdirSync(dir).sort();
    if (names.some((name) => name.toLowerCase().endsWith('.xml'))) sets.push(dir);
    for (const name of names) if (statSync(join(dir, name)).isDirectory()) walk(join(dir, name));
  };
  walk(root);
  return sets;
}

const root = sharedDataRoot();
const sets = cimSets(root);

describe('the CIM sets of the shared data', () => {
  test('there are CIM sets to compare', () => {
    // cimpy bus_branch and node_breaker, SimBench CGMES 2.4.15 and 3.0.
    expect(sets.length).toBeGreaterThanOrEqual(4);
  });

  test.each(sets.map((dir) => [dir.slice(root.length + 1), dir]))('%s: the fast reader gives what sax gives', async (_name, dir) => {
    const bySax = await importCimWith([dir], 'sax');
    const byFast = await importCimWith([dir], 'fast');
    expect(byFast.model.objects.size).toBeGreaterThan(100);
    expect(snapshot(byFast)).toEqual(snapshot(bySax));
    // 'auto' took the fast path and needed no second reading: same result again.
    expect(snapshot(await importCim([dir]))).toEqual(snapshot(bySax));
  });

  test.each(sets.map((dir) => [dir.slice(root.length + 1), dir]))('%s: chunks of 7 and 64 characters give the same model', (_name, dir) => {
    const texts = readdirSync(dir)
      .filter((name) => name.toLowerCase().endsWith('.xml'))
      .sort()
      .map((name) => ({ fileName: name, text: readFileSync(join(dir, name), 'utf8') }));
    const bySax = snapshot(parseCimTextsWith(texts, 'sax'));
    expect(snapshot(parseCimTextsWith(texts, 'fast', 7))).toEqual(bySax);
    expect(snapshot(parseCimTextsWith(texts, 'fast', 64))).toEqual(bySax);
  });
});

describe('simulated feeders', () => {
  test.each([
    ['2,000 elements', 31, 2_000],
    ['10,000 elements', 32, 10_000],
  ] as const)('%s: the fast reader gives what sax gives', async (_label, seed, elements) => {
    const feeder = generateFeeder({ seed, elements, switches: 40, monitoringPoints: 8 });
    const eqPath = join(folder, `${seed}_EQ.xml`);
    const sshPath = join(folder, `${seed}_SSH.xml`);
    await writeCim(feeder.network, {
      eqPath,
      sshPath,
      seed,
      scenarioTimeMs: Date.UTC(2026, 0, 5),
      measurementTerminals: new Map(feeder.monitoringPoints.map((point) => [point.id, point.terminal])),
    });
    const bySax = await importCimWith([eqPath, sshPath], 'sax');
    const byFast = await importCimWith([eqPath, sshPath], 'fast');
    expect(byFast.network.elements.length).toBe(feeder.network.elements.length);
    expect(snapshot(byFast)).toEqual(snapshot(bySax));
  }, 30_000);
});

/**
 * One file with every construct the fast reader takes: a BOM, the XML
 * declaration, comments and processing instructions before, in and after
 * the root, CRLF and LF lines, attributes in both quote styles with '>' and
 * references inside, whitespace around '=', tags over several lines, empty
 * elements with and without a space before '/>', entities and character
 * references (one beyond the BMP), CDATA, multibyte UTF-8, a blank node,
 * nesting deeper than properties, an enumeration, urn:uuid ids, a header, a
 * duplicate definition and PowerFactory's mismatched close tags (their
 * positions are compared), one of them inside a property.
 */
const EVERYTHING = [
  '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n',
  '<!-- exported by a tool - with single dashes - inside -->\r\n',
  "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns:cim=\"http://iec.ch/TC57/CIM100#\"\n",
  '         xmlns:md="http://iec.ch/TC57/61970-552/ModelDescription/1#" xmlns:eu="http://iec.ch/TC57/CIM100-European#">\n',
  '  <md:FullModel rdf:about="urn:uuid:aaaa-header">\n',
  '    <md:Model.scenarioTime>2026-01-05T00:00:00Z</md:Model.scenarioTime>\n',
  '    <md:Model.profile>http://iec.ch/TC57/ns/CIM/CoreEquipment-EU/3.0</md:Model.profile>\n',
  '    <md:Model.profile rdf:resource="http://iec.ch/TC57/ns/CIM/Topology-EU/3.0"/>\n',
  '    <md:Model.modelingAuthoritySet> https://example.org/mas &amp; more </md:Model.modelingAuthoritySet>\n',
  '  </md:FullModel>\n',
  '  <cim:Breaker rdf:ID="_breaker-1">\n',
  '    <cim:IdentifiedObject.name>Br &lt;1&gt; &quot;Ä&apos; &#65;&#x42;&#x1F600; 日本 😀</cim:IdentifiedObject.name>\n',
  '    <cim:IdentifiedObject.description><![CDATA[a <b> & ]] c]]]>; more<!-- not text -->text<?pi inside?>end</cim:IdentifiedObject.description>\n',
  '    <cim:Switch.normalOpen>true</cim:Switch.normalOpen>\r\n',
  '    <cim:Equipment.EquipmentContainer\n        rdf:resource = "#_vl-1" />\n',
  "    <cim:ConductingEquipment.BaseVoltage rdf:resource='#_bv&#45;1'/>\n",
  '    <eu:IdentifiedObject.shortName  >x &gt; y</eu:IdentifiedObject.shortName>\n',
  '  </cim:Breaker>\n',
  '  <cim:Fuse rdf:about="#_breaker-1" cim:note="a > b">\n',
  '    <cim:Switch.open>false</cim:Switch.open>\n',
  '  </cim:Breaker>\n',
  '  <cim:Breaker rdf:ID="_breaker-1"><cim:IdentifiedObject.aliasName>again</cim:IdentifiedObject.aliasName></cim:Breaker>\n',
  '  <cim:Disconnector rdf:ID="_breaker-1"/>\n',
  '  <cim:BaseVoltage rdf:ID="_bv-1"><cim:BaseVoltage.nominalVoltage>0.4</cim:BaseVoltage.nominalVoltage></cim:BaseVoltage>\n',
  '  <cim:VoltageLevel rdf:about="urn:uuid:vl-1">\n',
  '    <cim:IdentifiedObject.name>VL <inner x="1"><deeper/>deep text</inner>after</cim:IdentifiedObject.name>\n',
  '    <cim:IdentifiedObject.description>nested <cim:Odd>odd</cim:Even>tail</cim:IdentifiedObject.description>\n',
  '  </cim:VoltageLevel>\n',
  '  <cim:Terminal rdf:ID="_t1">\n',
  '    <cim:Terminal.ConductingEquipment rdf:resource="#_breaker-1"/>\n',
  '    <cim:Terminal.phases rdf:resource="http://iec.ch/TC57/CIM100#PhaseCode.ABC"/>\n',
  '    <cim:Terminal.ConnectivityNode rdf:resource="urn:uuid:missing-node"/>\n',
  '    <cim:ACDCTerminal.sequenceNumber>1</cim:ACDCTerminal.sequenceNumber>\n',
  '  </cim:Terminal>\n',
  '  <cim:Bay>\n    <cim:IdentifiedObject.name>a blank node</cim:IdentifiedObject.name>\n  </cim:Bay>\n',
  '  <cim:EnergyConsumer rdf:ID="_c1" ><cim:IdentifiedObject.name/></cim:EnergyConsumer>\n',
  '</rdf:RDF>\n',
  '<!-- trailing comment -->\n<?trailing pi?>\n   \n',
].join('');

const CHUNKS = [1, 2, 3, 7, 64];

describe('a file with every construct the fast reader takes', () => {
  const texts = [{ fileName: 'everything.xml', text: EVERYTHING }];
  let saxResult: CimImport | undefined;
  const sax = (): CimImport => (saxResult ??= parseCimTextsWith(texts, 'sax'));

  test('sax reads it as intended: references decoded, CDATA kept, mismatches and the duplicate listed', () => {
    const bySax = sax();
    const breaker = bySax.model.objects.get('breaker-1');
    expect(breaker?.cimClass).toBe('Breaker');
    expect(breaker?.literals.get('IdentifiedObject.name')).toBe('Br <1> "Ä\' AB😀 日本 😀');
    expect(breaker?.literals.get('IdentifiedObject.description')).toBe('a <b> & ]] c]; moretextend');
    expect(breaker?.literals.get('IdentifiedObject.shortName')).toBe('x > y');
    expect(breaker?.references.get('ConductingEquipment.BaseVoltage')).toBe('bv-1');
    expect(breaker?.literals.get('Switch.open')).toBe('false');
    expect(breaker?.literals.get('IdentifiedObject.aliasName')).toBe('again');
    expect(bySax.model.objects.get('vl-1')?.literals.get('IdentifiedObject.name')).toBe('VL after');
    expect(bySax.model.objects.get('vl-1')?.literals.get('IdentifiedObject.description')).toBe('nested </cim:Even>tail');
    expect(bySax.model.objects.get('t1')?.references.get('Terminal.phases')).toBe('PhaseCode.ABC');
    expect(bySax.model.headers).toEqual([
      {
        file: 'everything.xml',
        profiles: ['http://iec.ch/TC57/ns/CIM/CoreEquipment-EU/3.0', 'http://iec.ch/TC57/ns/CIM/Topology-EU/3.0'],
        scenarioTime: '2026-01-05T00:00:00Z',
        modelingAuthoritySet: 'https://example.org/mas & more',
      },
    ]);
    const kinds = bySax.problems.map((problem) => problem.kind);
    expect(kinds.filter((kind) => kind === 'mismatched-tag')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'duplicate-definition')).toHaveLength(1);
    expect(kinds).toContain('dangling-reference');
    const duplicate = bySax.problems.find((problem) => problem.kind === 'duplicate-definition');
    expect([duplicate?.line, duplicate?.column]).toEqual([24, 41]);
  });

  test('the fast reader, given it whole, gives the same model and problems (with their lines and columns)', () => {
    expect(snapshot(parseCimTextsWith(texts, 'fast'))).toEqual(snapshot(sax()));
  });

  test.each(CHUNKS)('in chunks of %i characters (surrogate pairs cut too): the same', (chunk) => {
    expect(snapshot(parseCimTextsWith(texts, 'fast', chunk))).toEqual(snapshot(sax()));
  });

  test.each(CHUNKS)('read from a file in chunks of %i bytes (multibyte characters cut): the same', async (chunk) => {
    const file = join(folder, 'everything.xml');
    writeFileSync(file, EVERYTHING);
    const fromFile = await importCimWith([file], 'fast', chunk);
    const saxFromFile = await importCimWith([file], 'sax');
    expect(snapshot(fromFile)).toEqual(snapshot(saxFromFile));
    expect(fromFile.model.objects.get('breaker-1')?.literals.get('IdentifiedObject.name')).toBe('Br <1> "Ä\' AB😀 日本 😀');
  });
});

describe('ids and resource targets worked out on the chunk', () => {
  // Spellings ids.ts normalises (normaliseId, resourceTarget, isUrnDefinition), plain and not (spaces, references, non-ASCII ends).
  const values = [
    '_x1', '#_x1', 'x1', 'urn:uuid:x1', 'urn:uuid:_x1', '#x1', '_', '#', 'urn:uuid:', 'a#b#_c', 'urn:uuid:a#_b', '__x',
    'http://iec.ch/TC57/CIM100#PhaseCode.ABC', 'http://example.org/vocab/Term', 'mailto:someone', 'x:y', 'x1:y', '1x:y', 'a+b.c-d:e', 'a_b:c',
    'urn:isbn:123', 'ftp://h/p/', ' _x1 ', '\t#_x1', '_x1\u00a0', '\u00e9t\u00e9', '#_x&amp;y', '&#x5F;x1', 'urn:uuid:x&#49;',
  ];
  const doc = (value: string, quote: string): string =>
    body(
      [
        `<cim:Breaker rdf:ID=${quote}${value}${quote}><cim:Equipment.EquipmentContainer rdf:resource=${quote}${value}${quote}/></cim:Breaker>`,
        `<cim:Switch rdf:about=${quote}${value}${quote}><cim:Switch.open>true</cim:Switch.open><cim:Terminal.phases rdf:resource=${quote}${value}#tail${quote}/></cim:Switch>`,
      ].join('\n'),
    );

  test.each(values)('%j: the fast reader reads it as ids.ts does', (value) => {
    for (const quote of ['"', "'"]) {
      const texts = [{ fileName: 'ids.xml', text: doc(value.replace(/'/g, '&apos;'), quote) }];
      expect(snapshot(parseCimTextsWith(texts, 'fast'))).toEqual(snapshot(parseCimTextsWith(texts, 'sax')));
    }
  });
});

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="http://iec.ch/TC57/CIM100#">\n';
const body = (inner: string): string => `${HEAD}${inner}\n</rdf:RDF>\n`;

/**
 * Input the fast reader leaves to sax: malformed XML (the cases of
 * malformed.test.ts and more) and XML it does not take although sax does
 * (a DOCTYPE, HTML entities, non-ASCII names, whitespace after '<').
 */
const LEFT_TO_SAX: readonly (readonly [string, string])[] = [
  ['a property left open', `${HEAD}  <cim:Breaker rdf:ID="_b1">\n    <cim:IdentifiedObject.name>x\n  </cim:Breaker>\n</rdf:RDF>\n`],
  ['a truncated file', `${HEAD}  <cim:Breaker rdf:ID="_b1">\n    <cim:IdentifiedObject.na`],
  ['truncated inside a comment', `${HEAD}  <!-- never ends`],
  ['truncated after a reference', `${HEAD}  <cim:Breaker rdf:ID="_b1"><cim:IdentifiedObject.name>a &amp`],
  ['an unquoted attribute value', `${HEAD}  <cim:Breaker rdf:ID=_b1>\n  </cim:Breaker>\n</rdf:RDF>\n`],
  ['an attribute without a name', `${HEAD}  <cim:Breaker rdf:ID="_b1" ="x">\n  </cim:Breaker>\n</rdf:RDF>\n`],
  ['an attribute without a value', body('<cim:Breaker rdf:ID="_b1" checked></cim:Breaker>')],
  ['no whitespace between attributes', body('<cim:Breaker rdf:ID="_b1"x="2"></cim:Breaker>')],
  ["'/' not followed by '>'", body('<cim:Breaker rdf:ID="_b1"/ ></cim:Breaker>')],
  ['a close tag after the root', `${HEAD}</rdf:RDF>\n</cim:Breaker>\n`],
  ['an element after the root', `${HEAD}</rdf:RDF>\n<cim:Breaker rdf:ID="_b2"/>\n`],
  ['text after the root', `${HEAD}</rdf:RDF>\ntrailing words\n`],
  ['an empty file', ''],
  ['only whitespace and a comment', ' \n<!-- nothing -->\n'],
  ['not XML', 'Bus;Line\n1;2\n'],
  ['an unknown entity', body('<cim:Breaker rdf:ID="_b1"><cim:IdentifiedObject.name>a &unknown; b</cim:IdentifiedObject.name></cim:Breaker>')],
  ['an HTML entity sax knows', body('<cim:Breaker rdf:ID="_b1"><cim:IdentifiedObject.name>a&nbsp;b &AMP; c</cim:IdentifiedObject.name></cim:Breaker>')],
  ['a reference to a character XML does not allow', body('<cim:Breaker rdf:ID="_b1"><cim:IdentifiedObject.name>&#0;&#xD800;</cim:IdentifiedObject.name></cim:Breaker>')],
  ["a stray '&'", body('<cim:Breaker rdf:ID="_b1"><cim:IdentifiedObject.name>A & B</cim:IdentifiedObject.name></cim:Breaker>')],
  ['a stray & in an attribute value', body('<cim:Breaker rdf:ID="_b1&2"></cim:Breaker>')],
  ['a DOCTYPE', `<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x "y">]>\n${HEAD.slice(HEAD.indexOf('\n') + 1)}<cim:Breaker rdf:ID="_b1"/>\n</rdf:RDF>\n`],
  ["'--' inside a comment", body('<!-- a -- b --><cim:Breaker rdf:ID="_b1"/>')],
  ['whitespace after <', body('< cim:Breaker rdf:ID="_b1"/>')],
  ['whitespace after </', body('<cim:Breaker rdf:ID="_b1"></ cim:Breaker>')],
  ['a non-ASCII element name', body('<cim:Schalter rdf:ID="_b1"><cim:Größe>1</cim:Größe></cim:Schalter>')],
  ['a close tag that closes an outer element', body('<cim:Breaker rdf:ID="_b1"><cim:X><cim:Y></cim:X></cim:Breaker>')],
  ['a mismatched close of the root', `${HEAD}<cim:Breaker rdf:ID="_b1"/>\n</rdf:Other>\n`],
  ['a lone <', body('<cim:Breaker rdf:ID="_b1"><cim:IdentifiedObject.name>1 < 2</cim:IdentifiedObject.name></cim:Breaker>')],
  ["a processing instruction with '?' inside", body('<?pi a ? b ??><cim:Breaker rdf:ID="_b1"/>')],
  ['text before the root', `junk${HEAD}</rdf:RDF>\n`],
  ['a BOM that is not the first character', ` \uFEFF${HEAD}</rdf:RDF>\n`],
];

describe('input the fast reader leaves to sax', () => {
  test.each(LEFT_TO_SAX)('%s: declined, and importCim gives what sax gives', async (name, text) => {
    const texts = [{ fileName: `${name}.xml`, text }];
    expect(() => parseCimTextsWith(texts, 'fast')).toThrow(FastPathDeclined);
    const bySax = outcome(() => parseCimTextsWith(texts, 'sax'));
    expect(outcome(() => parseCimText(`${name}.xml`, text))).toEqual(bySax);
    for (const chunk of [1, 7]) expect(outcome(() => parseCimTextsWith(texts, 'auto', chunk))).toEqual(outcome(() => parseCimTextsWith(texts, 'sax', chunk)));
    const file = join(folder, `${name.replace(/[^a-z0-9]+/gi, '-')}.xml`);
    writeFileSync(file, text);
    expect(await outcomeOf(() => importCim([file]))).toEqual(await outcomeOf(() => importCimWith([file], 'sax')));
  });

  test('a file the fast reader declines among good ones: only it is read by sax, the model is sax’s', async () => {
    const good = join(folder, 'a-good.xml');
    const odd = join(folder, 'b-odd.xml');
    const later = join(folder, 'c-good.xml');
    writeFileSync(good, body('<cim:Breaker rdf:ID="_b1"><cim:IdentifiedObject.name>one</cim:IdentifiedObject.name></cim:Breaker>'));
    writeFileSync(odd, body('<cim:Breaker rdf:about="#_b1"><cim:IdentifiedObject.name>two&nbsp;x</cim:IdentifiedObject.name></cim:Breaker>'));
    writeFileSync(later, body('<cim:Breaker rdf:about="#_b1"><cim:Switch.open>true</cim:Switch.open></cim:Breaker>'));
    const auto = await importCim([good, odd, later]);
    expect(snapshot(auto)).toEqual(snapshot(await importCimWith([good, odd, later], 'sax')));
    expect(auto.model.objects.get('b1')?.literals.get('IdentifiedObject.name')).toBe('two\u00a0x');
    expect(auto.model.objects.get('b1')?.files).toEqual([good, odd, later]);
  });
});

describe('readings that must agree', () => {
  const readings: readonly CimReading[] = ['fast', 'auto'];
  test('a text of 8,000 objects read in chunks of 64 and 4,096 characters by the fast reader, with and without fallback', () => {
    const objects = Array.from(
      { length: 8000 },
      (_, i) =>
        `<cim:Breaker rdf:ID="_b${i}"><cim:IdentifiedObject.name>Breaker ${i} ÄÖÜ &amp; ${'x'.repeat(i % 50)}</cim:IdentifiedObject.name><cim:Switch.normalOpen>${i % 3 === 0}</cim:Switch.normalOpen><cim:Equipment.EquipmentContainer rdf:resource="#_b${(i * 7) % 8000}"/></cim:Breaker>`,
    );
    const texts = [{ fileName: 'big.xml', text: body(objects.join('\n')) }];
    const reference = snapshot(parseCimTextsWith(texts, 'sax'));
    for (const reading of readings) for (const chunk of [64, 4096]) expect(snapshot(parseCimTextsWith(texts, reading, chunk))).toEqual(reference);
  });

  test('2,000 duplicate definitions and mismatched close tags in one text: every position as sax gives it', () => {
    const objects = Array.from({ length: 2000 }, (_, i) =>
      [
        `<cim:Breaker rdf:ID="_d${i}"><cim:IdentifiedObject.name>d${i}</cim:IdentifiedObject.name></cim:Breaker>`,
        `${' '.repeat(i % 7)}<cim:Fuse rdf:ID="_d${i}">\n  <cim:Switch.open>true</cim:Switch.open></cim:Breaker>`,
      ].join(i % 2 === 0 ? '\n' : ' '),
    );
    const texts = [{ fileName: 'problems.xml', text: body(objects.join('\n')) }];
    const bySax = parseCimTextsWith(texts, 'sax');
    expect(bySax.problems.filter((problem) => problem.kind === 'duplicate-definition')).toHaveLength(2000);
    expect(bySax.problems.filter((problem) => problem.kind === 'mismatched-tag')).toHaveLength(2000);
    for (const chunk of [Number.POSITIVE_INFINITY, 4096, 333]) expect(snapshot(parseCimTextsWith(texts, 'fast', chunk))).toEqual(snapshot(bySax));
  });
});

