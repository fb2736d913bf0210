/**
 * Malformed XML is fatal for its file: CimSyntaxError with the file and the
 * 1-based line and column where the reader noticed. Checked in memory and
 * through real files (the streaming path, with errors past the first chunk).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CimSyntaxError } from '../../../core/grid/cim/api.js';
import { importCim, parseCimText } from '../../../core/grid/cim/import.js';

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="http://iec.ch/TC57/CIM100#">\n';

const folder = mkdtempSync(join(tmpdir(), 'gridlink-cim-malformed-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function syntaxErrorOf(run: () => unknown): CimSyntaxError {
  try {
    run();
  } catch (error) {
    if (error instanceof CimSyntaxError) return error;
    throw error;
  }
  throw new Error('no CimSyntaxError was thrown');
}

async function importErrorOf(name: string, text: string): Promise<CimSyntaxError> {
  const file = join(folder, name);
  writeFileSync(file, text);
  const error = await importCim([file]).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error instanceof CimSyntaxError) return error;
  throw new Error(`expected a CimSyntaxError, got ${String(error)}`);
}

interface Case {
  readonly name: string;
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly reason: RegExp;
}

const cases: Case[] = [
  {
    // Line 5 closes the Breaker while the name property (line 4) is still open; noticed at the '>' in column 16.
    name: 'unclosed.xml',
    text: `${HEAD}  <cim:Breaker rdf:ID="_b1">\n    <cim:IdentifiedObject.name>x\n  </cim:Breaker>\n</rdf:RDF>\n`,
    line: 5,
    column: 16,
    reason: /<\/cim:Breaker> closes an element while <cim:IdentifiedObject\.name> inside it is still open/,
  },
  {
    name: 'truncated.xml',
    text: `${HEAD}  <cim:Breaker rdf:ID="_b1">\n    <cim:IdentifiedObject.na`,
    line: 4,
    column: 28,
    reason: /Unclosed root tag/,
  },
  {
    name: 'garbage-attribute.xml',
    text: `${HEAD}  <cim:Breaker rdf:ID=_b1>\n  </cim:Breaker>\n</rdf:RDF>\n`,
    line: 3,
    column: 23,
    reason: /Unquoted attribute value/,
  },
  {
    name: 'nameless-attribute.xml',
    text: `${HEAD}  <cim:Breaker rdf:ID="_b1" ="x">\n  </cim:Breaker>\n</rdf:RDF>\n`,
    line: 3,
    column: 29,
    reason: /Invalid attribute name/,
  },
  {
    name: 'close-after-root.xml',
    text: `${HEAD}</rdf:RDF>\n</cim:Breaker>\n`,
    line: 4,
    column: 14,
    reason: /Unmatched closing tag/,
  },
  { name: 'empty.xml', text: '', line: 1, column: 1, reason: /no root element/ },
  { name: 'not-xml.xml', text: 'Bus;Line\n1;2\n', line: 1, column: 1, reason: /Non-whitespace before first tag/ },
];

describe.each(cases)('$name', ({ name, text, line, column, reason }) => {
  test('in memory: CimSyntaxError at the 1-based line and column', () => {
    const error = syntaxErrorOf(() => parseCimText(name, text));
    expect(error.file).toBe(name);
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`${name}:${line}:${column}: ${error.reason}`);
  });

  test('from a file: the same error, naming the file', async () => {
    const error = await importErrorOf(name, text);
    expect(error.file).toBe(join(folder, name));
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.reason).toMatch(reason);
  });
});

/** A valid file of `count` breakers, about 200 bytes each: big enough to be read in several chunks. */
function bigModel(count: number): { text: string; lines: string[] } {
  const lines = HEAD.trimEnd().split('\n');
  for (let i = 0; i < count; i += 1) {
    lines.push(`  <cim:Breaker rdf:ID="_breaker-${i}">`, `    <cim:IdentifiedObject.name>Breaker ${i} ÄÖÜ</cim:IdentifiedObject.name>`, `    <cim:Switch.normalOpen>${i % 3 === 0}</cim:Switch.normalOpen>`, '  </cim:Breaker>');
  }
  lines.push('</rdf:RDF>', '');
  return { text: lines.join('\n'), lines };
}

test('an error past the first chunk of a large file is located on its line', async () => {
  const { lines } = bigModel(8000);
  const bad = lines.findIndex((line, index) => index > lines.length - 100 && line.includes('<cim:IdentifiedObject.name>'));
  lines[bad] = lines[bad].replace('<cim:IdentifiedObject.name>', '<cim:IdentifiedObject.name x=1>');
  const text = lines.join('\n');
  expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 256 * 1024);
  const error = await importErrorOf('large-bad.xml', text);
  expect(error.line).toBe(bad + 1);
  expect(error.reason).toMatch(/attribute/i);
});

test('a large valid file read in chunks gives what the same text in memory gives', async () => {
  const { text } = bigModel(8000);
  const file = join(folder, 'large.xml');
  writeFileSync(file, text);
  const streamed = await importCim([file]);
  const inMemory = parseCimText(file, text);
  expect(streamed.bytes).toBe(Buffer.byteLength(text));
  expect(streamed.model.countsByClass.get('Breaker')).toBe(8000);
  expect(streamed.network.elements).toEqual(inMemory.network.elements);
  // Multi-byte characters that straddle a chunk boundary arrive whole.
  expect(streamed.network.elements.every((element) => element.name.endsWith(' ÄÖÜ'))).toBe(true);
  expect(streamed.network.elements.filter((element) => element.open === true)).toHaveLength(Math.ceil(8000 / 3));
});

test('an unreadable path is an ordinary Error, not a syntax error', async () => {
  const error = await importCim([join(folder, 'missing.xml')]).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(CimSyntaxError);
  expect(String(error)).toContain('missing.xml');
});
