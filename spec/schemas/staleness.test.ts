/**
 * The committed schemas/generated/ must be exactly what `npm run schemas`
 * produces from schemas/*.fbs with the pinned flatc. When this fails, run
 * `npm run schemas` and commit the result.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GenerateError, checkFlatc, generateSchemas, listFiles, projectRoot, withJsImports } from '../../tools/schemas/generate.js';

const root = projectRoot();
const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gridlink-schemas-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Differences between two folders: missing, extra and differing files (byte for byte). */
function diffTrees(expected: string, actual: string): string[] {
  const a = listFiles(expected);
  const b = listFiles(actual);
  const problems: string[] = [];
  for (const f of a) if (!b.includes(f)) problems.push(`missing: ${f}`);
  for (const f of b) if (!a.includes(f)) problems.push(`not generated any more: ${f}`);
  for (const f of a) {
    if (b.includes(f) && !readFileSync(path.join(expected, f)).equals(readFileSync(path.join(actual, f)))) {
      problems.push(`differs: ${f}`);
    }
  }
  return problems;
}

describe('generated code', () => {
  it('is up to date: regenerating from schemas/*.fbs gives the committed files byte for byte', () => {
    const out = tempDir();
    const result = generateSchemas({ schemaDir: path.join(root, 'schemas'), outDir: out, displayRoot: root });
    expect(result.schemas).toContain('bus.fbs');
    expect(result.schemas).toContain('storage.fbs');
    const problems = diffTrees(out, path.join(root, 'schemas', 'generated'));
    expect(problems, 'schemas/generated is stale; run `npm run schemas` and commit the result').toEqual([]);
  });

  it('is deterministic', () => {
    const a = tempDir();
    const b = tempDir();
    generateSchemas({ schemaDir: path.join(root, 'schemas'), outDir: a, displayRoot: root });
    generateSchemas({ schemaDir: path.join(root, 'schemas'), outDir: b, displayRoot: root });
    expect(diffTrees(a, b)).toEqual([]);
  });

  it('the comparison notices a changed byte, a missing file and an extra file', () => {
    const a = tempDir();
    const b = tempDir();
    for (const dir of [a, b]) {
      mkdirSync(path.join(dir, 'flatc'), { recursive: true });
      writeFileSync(path.join(dir, 'messages.ts'), 'export const x = 1;\n');
      writeFileSync(path.join(dir, 'flatc', 'a.ts'), 'a\n');
    }
    expect(diffTrees(a, b)).toEqual([]);
    writeFileSync(path.join(b, 'messages.ts'), 'export const x = 2;\n');
    writeFileSync(path.join(b, 'flatc', 'extra.ts'), '\n');
    rmSync(path.join(b, 'flatc', 'a.ts'));
    expect(diffTrees(a, b)).toEqual(['missing: flatc/a.ts', 'not generated any more: flatc/extra.ts', 'differs: messages.ts']);
  });

  it('has only .js relative imports in the flatc output', () => {
    const dir = path.join(root, 'schemas', 'generated', 'flatc');
    for (const f of listFiles(dir)) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      for (const m of text.matchAll(/from '(\.[^']*)'/g)) expect(m[1], f).toMatch(/\.js$/);
    }
    expect(withJsImports("import { A } from '../../x/a';\nexport { B } from \"./b.js\";\nimport * as f from 'flatbuffers/mjs/flatbuffers.js';")).toBe(
      "import { A } from '../../x/a.js';\nexport { B } from \"./b.js\";\nimport * as f from 'flatbuffers/mjs/flatbuffers.js';",
    );
  });
});

describe('the generator', () => {
  it('refuses any flatc other than 2.0.8, saying which one it found', () => {
    const dir = tempDir();
    const fake = path.join(dir, 'flatc');
    writeFileSync(fake, '#!/bin/sh\necho "flatc version 23.5.26"\n');
    chmodSync(fake, 0o755);
    expect(() => checkFlatc(fake)).toThrowError(GenerateError);
    expect(() => checkFlatc(fake)).toThrowError(/says "flatc version 23\.5\.26", but the generated code is pinned to flatc 2\.0\.8/);
    expect(() => checkFlatc(path.join(dir, 'absent-flatc'))).toThrowError(/flatc not found/);
    expect(() => generateSchemas({ schemaDir: path.join(root, 'schemas'), outDir: dir, flatc: fake })).toThrowError(GenerateError);
    expect(() => checkFlatc(process.env['FLATC'] ?? 'flatc')).not.toThrow();
  });

  it('reports schema mistakes with file:line before running flatc', () => {
    const schemas = tempDir();
    const out = tempDir();
    writeFileSync(path.join(schemas, 'bad.fbs'), 'namespace x;\n\ntable T {\n  a: Nope;\n}\n');
    expect(() => generateSchemas({ schemaDir: schemas, outDir: out, displayRoot: schemas })).toThrowError(
      'schemas: bad.fbs:4:6: unknown type Nope',
    );
    expect(listFiles(out)).toEqual([]);
  });

  it('generates a small schema end to end: a complete barrel and messages.ts', () => {
    const schemas = tempDir();
    const out = tempDir();
    writeFileSync(
      path.join(schemas, 'mini.fbs'),
      'attribute "reply";\nnamespace mini;\n/// Q.\ntable Ask (reply: "Answer") { q: string (required); n: ulong; }\ntable Answer { ok: bool = true; }\n',
    );
    const result = generateSchemas({ schemaDir: schemas, outDir: out, displayRoot: schemas });
    expect(result.files).toEqual(['flatc/mini/answer.ts', 'flatc/mini/ask.ts', 'flatc/mini_generated.ts', 'messages.ts']);
    expect(readFileSync(path.join(out, 'flatc', 'mini_generated.ts'), 'utf8')).toBe(
      "// Generated by tools/schemas/generate.ts: every type flatc 2.0.8 generated for mini.fbs.\n\n" +
        "export * from './mini/answer.js';\nexport * from './mini/ask.js';\n",
    );
    const messages = readFileSync(path.join(out, 'messages.ts'), 'utf8');
    expect(messages).toContain('export interface Ask {\n  q: string;\n  n: bigint;\n}');
    expect(messages).toContain(
      "export const Ask: RequestType<Ask, Answer> = schema.request<Ask, Answer>('mini.Ask');",
    );
    expect(messages).toContain("  ['mini.Answer', Answer],\n  ['mini.Ask', Ask],\n]);");
  });
});
