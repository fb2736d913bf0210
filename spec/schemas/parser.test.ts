import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FbsError, parseFbs } from '../../tools/schemas/parser.js';
import { loadSchemas, resolveParsed } from '../../tools/schemas/resolve.js';

function resolveText(text: string): ReturnType<typeof resolveParsed> {
  return resolveParsed([{ name: 't.fbs', ast: parseFbs('t.fbs', text) }]);
}

function fbsError(text: string): string {
  try {
    resolveText(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FbsError);
    return (e as Error).message;
  }
  throw new Error('expected an FbsError');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the .fbs parser', () => {
  it('reads namespaces, docs, defaults, attributes, enums, unions, structs and tables', () => {
    const r = resolveText(`
      attribute "reply";
      namespace a.b;
      /// The kinds.
      enum K : ubyte { X, /// second
        Y = 4, Z }
      struct P { x: double; y: double; }
      table Reply { ok: bool = true; }
      union U { Reply }
      /// A request.
      /// Two lines.
      table Req (reply: "Reply") {
        /// Its kind.
        kind: K = Y;
        big: ulong = 0xFFFFFFFFFFFFFFFF;
        neg: long = -0x10;
        small: float = -1.5e3;
        opt: short = null;
        p: P;
        u: U;
        list: [P];
        name: string (required);
        gone: int (deprecated);
      }
    `);
    expect(r.source.enums).toEqual([
      { name: 'a.b.K', underlying: 'uint8', values: [{ name: 'X', value: 0 }, { name: 'Y', value: 4 }, { name: 'Z', value: 5 }] },
    ]);
    expect(r.docs.get('a.b.K')).toEqual(['The kinds.']);
    expect(r.docs.get('a.b.K.Y')).toEqual(['second']);
    expect(r.docs.get('a.b.Req')).toEqual(['A request.', 'Two lines.']);
    expect(r.docs.get('a.b.Req.kind')).toEqual(['Its kind.']);
    const req = r.source.tables.find((t) => t.name === 'a.b.Req')!;
    expect(req.reply).toBe('a.b.Reply');
    expect(req.fields).toEqual([
      { name: 'kind', id: 0, type: { kind: 'enum', name: 'a.b.K' }, default: 4 },
      { name: 'big', id: 1, type: { kind: 'scalar', scalar: 'uint64' }, default: 2n ** 64n - 1n },
      { name: 'neg', id: 2, type: { kind: 'scalar', scalar: 'int64' }, default: -16n },
      { name: 'small', id: 3, type: { kind: 'scalar', scalar: 'float32' }, default: -1500 },
      { name: 'opt', id: 4, type: { kind: 'scalar', scalar: 'int16' }, optional: true },
      { name: 'p', id: 5, type: { kind: 'struct', name: 'a.b.P' } },
      { name: 'u', id: 7, type: { kind: 'union', name: 'a.b.U' } },
      { name: 'list', id: 8, type: { kind: 'vector', element: { kind: 'struct', name: 'a.b.P' } } },
      { name: 'name', id: 9, type: { kind: 'string' }, required: true },
      { name: 'gone', id: 10, type: { kind: 'scalar', scalar: 'int32' }, deprecated: true },
    ]);
    expect(r.source.unions).toEqual([{ name: 'a.b.U', members: [{ name: 'Reply', table: 'a.b.Reply', value: 1 }] }]);
  });

  it.each([
    ['an unknown type', 'namespace n;\ntable T {\n  x: Foo;\n}', /^t\.fbs:3:6: unknown type Foo$/],
    ['a missing semicolon', 'table T {\n  x: int\n}', /^t\.fbs:3:1: expected ";" after field x, got "}"$/],
    ['an undeclared attribute', 'table R {}\ntable T (reply: "R") {}', /^t\.fbs:2:10: unknown attribute reply; declare it first with: attribute "reply";$/],
    ['an unsupported built-in attribute', 'table T {\n  x: int (key);\n}', /^t\.fbs:2:11: attribute key is not supported on table fields by the Gridlink schema tools$/],
    ['a bit_flags field', 'enum F : uint (bit_flags) { A, B }\ntable T { f: F; }', /^t\.fbs:2:14: F is a bit_flags enum; flatc 2\.0\.8 emits TypeScript that does not compile/],
    ['an inf default', 'table T { x: double = inf; }', /^t\.fbs:1:23: inf defaults are not supported: flatc 2\.0\.8 writes them into TypeScript as undefined identifiers$/],
    ['a -inf default', 'table T { x: float = -inf; }', /^t\.fbs:1:22: -inf defaults are not supported/],
    ['rpc_service', 'rpc_service S { Call(A):B; }', /^t\.fbs:1:1: rpc_service is not supported; declare request tables with \(reply: "X"\) instead$/],
    ['file_identifier', 'file_identifier "GRDL";', /^t\.fbs:1:1: file_identifier is not used by Gridlink/],
    ['a fixed-size array', 'struct S { a: [int:3]; }', /^t\.fbs:1:19: fixed-size arrays \(\[T:n\]\) are not supported$/],
    ['a vector of vectors', 'table T { a: [[int]]; }', /^t\.fbs:1:15: vectors of vectors are not supported/],
    ['a duplicate field', 'table T { a: int; a: int; }', /^t\.fbs:1:19: field a is declared twice$/],
    ['a duplicate type', 'table T {}\nstruct T { a: int; }', /^t\.fbs:2:8: T is already declared at t\.fbs:1$/],
    ['an enum without 0 and no default', 'enum E : byte { A = 1 }\ntable T { e: E; }', /^t\.fbs:2:11: enum E has no value 0, the default of e; give a default \(= A\)$/],
    ['a bad enum default', 'enum E : byte { A, B }\ntable T { e: E = C; }', /^t\.fbs:2:18: C is not a value of enum E$/],
    ['an out-of-range default', 'table T { x: ubyte = 256; }', /^t\.fbs:1:22: default 256 does not fit uint8$/],
    ['descending enum values', 'enum E : int { A = 2, B = 1 }', /^t\.fbs:1:23: enum E: values must be ascending \(B = 1 after 2\)$/],
    ['an enum value out of range', 'enum E : byte { A = 200 }', /^t\.fbs:1:17: enum E: A = 200 does not fit int8$/],
    ['a float enum', 'enum E : float { A }', /^t\.fbs:1:10: enum E: the underlying type must be an integer type/],
    ['a required scalar', 'table T { x: int (required); }', /^t\.fbs:1:19: scalar fields cannot be required$/],
    ['a union used before it is declared', 'table L {}\ntable T { u: U; }\nunion U { L }', /^t\.fbs:2:14: union U must be declared before the field that uses it/],
    ['a union of a struct', 'struct S { a: int; }\nunion U { S }', /^t\.fbs:2:11: union U: member S must be a table \(is a struct\)$/],
    ['a reply that is not a table', 'attribute "reply";\nstruct S { a: int; }\ntable T (reply: "S") {}', /^t\.fbs:3:10: reply S is not a table$/],
    ['a reply without a string', 'attribute "reply";\ntable T (reply: 3) {}', /^t\.fbs:2:10: reply takes the reply table's name as a string/],
    ['some ids missing', 'table T { a: int (id: 1); b: int; }', /^t\.fbs:1:27: field b has no id attribute, but others in T do; give all or none$/],
    ['an id gap', 'table T { a: int (id: 0); b: int (id: 2); }', /^t\.fbs:1:7: table T: ids must be 0\.\.1 without gaps; 1 is missing$/],
    ['a struct with a string', 'struct S { s: string; }', /^t\.fbs:1:15: struct fields cannot be strings$/],
    ['a struct default', 'struct S { a: int = 1; }', /^t\.fbs:1:21: struct fields cannot have defaults$/],
    ['a struct containing itself', 'struct S { a: int; s: S; }', /^t\.fbs:1:8: struct S contains itself$/],
    ['the same short name in two namespaces', 'namespace a;\ntable T {}\nnamespace b;\ntable T {}', /^t\.fbs:4:7: type name T is also used by a\.T \(t\.fbs:2\); generated TypeScript uses short names/],
    ['a reserved name', 'table Map {}', /^t\.fbs:1:7: type name Map is reserved by the generated TypeScript; choose another$/],
    ['property names that clash', 'table T { a_b: int; aB: int; }', /^t\.fbs:1:21: fields a_b and aB both become the property aB in TypeScript$/],
    ['a union companion clash', 'table L {}\nunion U { L }\ntable T { u: U; u_type: int; }', /^t\.fbs:3:11: field u_type clashes with the type field of union field u$/],
    ['an unterminated string', 'attribute "abc;\n', /^t\.fbs:1:11: unterminated string$/],
    ['an unterminated comment', 'table T {} /* ...', /^t\.fbs:1:12: unterminated \/\* comment$/],
    ['a stray character', 'table T { a: int; } @', /^t\.fbs:1:21: unexpected character "@"$/],
    ['an enum without a type', 'enum E { A }', /^t\.fbs:1:8: enum E needs an underlying type: enum E : ubyte \{ \.\.\. \}$/],
    ['a union alias', 'table L {}\nunion U { X: L }', /^t\.fbs:2:12: union member aliases \(Name: Type\) are not supported$/],
    ['a root_type that is not a table', 'struct S { a: int; }\nroot_type S;', /^t\.fbs:2:11: root_type S is not a table$/],
  ])('rejects %s with file:line:column', (_what, text, expected) => {
    expect(fbsError(text)).toMatch(expected);
  });

  it('resolves includes and refuses types from files that are not included', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gridlink-fbs-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'base.fbs'), 'namespace base;\ntable B { x: int; }\n');
    writeFileSync(path.join(dir, 'user.fbs'), 'include "base.fbs";\nnamespace use;\ntable U { b: base.B; }\n');
    writeFileSync(path.join(dir, 'stranger.fbs'), 'namespace other;\ntable S { b: base.B; }\n');
    const ok = loadSchemas(dir, ['user.fbs'], dir);
    expect(ok.source.tables.map((t) => t.name)).toEqual(['base.B', 'use.U']);
    expect(ok.source.tables[1]!.fields[0]!.type).toEqual({ kind: 'table', name: 'base.B' });
    expect(() => loadSchemas(dir, ['base.fbs', 'stranger.fbs'], dir)).toThrowError(
      /^stranger\.fbs:2:14: base\.B is declared in base\.fbs, which stranger\.fbs does not include$/,
    );
    writeFileSync(path.join(dir, 'missing.fbs'), 'include "nowhere.fbs";\n');
    expect(() => loadSchemas(dir, ['missing.fbs'], dir)).toThrowError(/^missing\.fbs:1:9: cannot find included file "nowhere\.fbs"$/);
  });
});
