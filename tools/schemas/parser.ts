/**
 * A parser for the subset of the FlatBuffers schema language Gridlink uses:
 * include, namespace, attribute declarations, enum (incl. bit_flags), union,
 * struct, table, root_type, field defaults, field and type attributes, and
 * `///` doc comments. Anything else fails with file:line:column.
 *
 * Why hand-written: the message descriptors must be produced from the same
 * .fbs files flatc compiles, but flatc 2.0.8 has no TypeScript reflection
 * output, its binary schema (--bfbs) would need a reflection reader of its
 * own, and its --jsonschema output loses what the codec needs (float and
 * double collapse to "number", 64-bit and narrow integers are only ranges,
 * field slots, deprecated fields and custom attributes are gone).
 *
 * This module only turns text into a syntax tree; resolve.ts checks it and
 * builds the descriptors.
 */

export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A schema problem, located at file:line:column. */
export class FbsError extends Error {
  override readonly name = 'FbsError';
  constructor(
    readonly pos: SourcePos,
    readonly reason: string,
  ) {
    super(`${pos.file}:${pos.line}:${pos.column}: ${reason}`);
  }
}

export interface AstMetadata {
  readonly name: string;
  /** `(name)` gives true; `(name: 3)` a number literal's text; `(name: "x")` the string. */
  readonly value: { readonly kind: 'none' } | { readonly kind: 'number' | 'string' | 'ident'; readonly text: string };
  readonly pos: SourcePos;
}

export type AstType =
  | { readonly kind: 'named'; readonly name: string; readonly pos: SourcePos }
  | { readonly kind: 'vector'; readonly element: AstType; readonly pos: SourcePos };

export interface AstLiteral {
  readonly kind: 'number' | 'ident' | 'string';
  readonly text: string;
  readonly pos: SourcePos;
}

export interface AstField {
  readonly name: string;
  readonly type: AstType;
  readonly default?: AstLiteral;
  readonly metadata: readonly AstMetadata[];
  readonly doc: readonly string[];
  readonly pos: SourcePos;
}

export interface AstEnumValue {
  readonly name: string;
  readonly value?: AstLiteral;
  readonly doc: readonly string[];
  readonly pos: SourcePos;
}

interface AstDeclBase {
  readonly name: string;
  readonly namespace: string;
  readonly metadata: readonly AstMetadata[];
  readonly doc: readonly string[];
  readonly pos: SourcePos;
}

export interface AstEnum extends AstDeclBase {
  readonly kind: 'enum';
  readonly underlying: AstType;
  readonly values: readonly AstEnumValue[];
}

export interface AstUnion extends AstDeclBase {
  readonly kind: 'union';
  readonly members: readonly AstEnumValue[];
}

export interface AstStructOrTable extends AstDeclBase {
  readonly kind: 'struct' | 'table';
  readonly fields: readonly AstField[];
}

export type AstTypeDecl = AstEnum | AstUnion | AstStructOrTable;

export interface AstFile {
  readonly path: string;
  readonly includes: readonly { readonly path: string; readonly pos: SourcePos }[];
  readonly attributes: readonly { readonly name: string; readonly pos: SourcePos }[];
  readonly types: readonly AstTypeDecl[];
  readonly rootTypes: readonly { readonly name: string; readonly namespace: string; readonly pos: SourcePos }[];
}

// ---------------------------------------------------------------------------
// Lexer

type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: SourcePos;
  /** `///` lines right before this token. */
  readonly doc: readonly string[];
}

const PUNCT = new Set(['{', '}', '(', ')', '[', ']', ':', ';', ',', '=', '.']);

function tokenize(file: string, text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let doc: string[] = [];
  const pos = (at: number): SourcePos => ({ file, line, column: at - lineStart + 1 });
  const fail = (at: number, reason: string): never => {
    throw new FbsError(pos(at), reason);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      const comment = text.slice(i, end);
      if (comment.startsWith('///') && !comment.startsWith('////')) {
        const body = comment.slice(3);
        doc.push(body.startsWith(' ') ? body.slice(1) : body);
      } else {
        doc = [];
      }
      i = end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail(i, 'unterminated /* comment');
      for (let k = i; k < end; k++) {
        if (text[k] === '\n') {
          line++;
          lineStart = k + 1;
        }
      }
      i = end + 2;
      doc = [];
      continue;
    }
    const start = i;
    const p = pos(i);
    if (/[A-Za-z_]/.test(c)) {
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), pos: p, doc });
      doc = [];
      continue;
    }
    if ((c === '-' || c === '+') && /[A-Za-z]/.test(text[i + 1] ?? '')) {
      // A signed word such as -inf: lexed as one number token so the
      // resolver can explain why it is refused.
      i++;
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      tokens.push({ kind: 'number', text: text.slice(start, i), pos: p, doc });
      doc = [];
      continue;
    }
    if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(text[i + 1] ?? '')) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      i++;
      while (i < text.length && /[0-9A-Za-z_.+-]/.test(text[i]!)) {
        // Allow exponent signs only right after e/E (not in hex literals).
        const ch = text[i]!;
        if ((ch === '+' || ch === '-') && !/[eE]/.test(text[i - 1]!)) break;
        if ((ch === '+' || ch === '-') && /^[+-]?0[xX]/.test(text.slice(start, i))) break;
        i++;
      }
      tokens.push({ kind: 'number', text: text.slice(start, i), pos: p, doc });
      doc = [];
      continue;
    }
    if (c === '"') {
      i++;
      let value = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\n') fail(start, 'unterminated string');
        if (text[i] === '\\') {
          const e = text[i + 1];
          if (e === '"' || e === '\\' || e === '/') value += e;
          else if (e === 'n') value += '\n';
          else if (e === 't') value += '\t';
          else fail(i, `unsupported escape \\${e ?? ''} in string`);
          i += 2;
          continue;
        }
        value += text[i];
        i++;
      }
      if (i >= text.length) fail(start, 'unterminated string');
      i++;
      tokens.push({ kind: 'string', text: value, pos: p, doc });
      doc = [];
      continue;
    }
    if (PUNCT.has(c)) {
      i++;
      tokens.push({ kind: 'punct', text: c, pos: p, doc });
      doc = [];
      continue;
    }
    fail(i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', text: '', pos: pos(i), doc });
  return tokens;
}

// ---------------------------------------------------------------------------
// Parser

const UNSUPPORTED_DECLARATIONS: Readonly<Record<string, string>> = {
  file_identifier: 'file_identifier is not used by Gridlink (message types travel in the envelope)',
  file_extension: 'file_extension is not used by Gridlink',
  rpc_service: 'rpc_service is not supported; declare request tables with (reply: "X") instead',
  native_include: 'native_include is not supported',
};

/** Parses one .fbs file's text into a syntax tree. `file` is used in error positions. */
export function parseFbs(file: string, text: string): AstFile {
  const tokens = tokenize(file, text);
  let k = 0;
  let namespace = '';
  const includes: { path: string; pos: SourcePos }[] = [];
  const attributes: { name: string; pos: SourcePos }[] = [];
  const types: AstTypeDecl[] = [];
  const rootTypes: { name: string; namespace: string; pos: SourcePos }[] = [];

  const peek = (): Token => tokens[k]!;
  const next = (): Token => tokens[k++]!;
  const fail = (t: Token, reason: string): never => {
    throw new FbsError(t.pos, reason);
  };
  const describe = (t: Token): string => (t.kind === 'eof' ? 'the end of the file' : JSON.stringify(t.text));
  const isPunct = (text: string): boolean => peek().kind === 'punct' && peek().text === text;
  const expectPunct = (text: string, what?: string): Token => {
    const t = next();
    if (t.kind !== 'punct' || t.text !== text) fail(t, `expected "${text}"${what ? ` ${what}` : ''}, got ${describe(t)}`);
    return t;
  };
  const expectIdent = (what: string): Token => {
    const t = next();
    if (t.kind !== 'ident') fail(t, `expected ${what}, got ${describe(t)}`);
    return t;
  };
  const qualifiedIdent = (what: string): { name: string; pos: SourcePos } => {
    const first = expectIdent(what);
    let name = first.text;
    while (isPunct('.')) {
      next();
      name += `.${expectIdent(`a name after "."`).text}`;
    }
    return { name, pos: first.pos };
  };
  const metadata = (): AstMetadata[] => {
    const list: AstMetadata[] = [];
    if (!isPunct('(')) return list;
    next();
    if (isPunct(')')) {
      next();
      return list;
    }
    for (;;) {
      const name = expectIdent('an attribute name');
      let value: AstMetadata['value'] = { kind: 'none' };
      if (isPunct(':')) {
        next();
        const v = next();
        if (v.kind !== 'number' && v.kind !== 'string' && v.kind !== 'ident') {
          fail(v, `expected an attribute value, got ${describe(v)}`);
        }
        value = { kind: v.kind as 'number' | 'string' | 'ident', text: v.text };
      }
      list.push({ name: name.text, value, pos: name.pos });
      if (isPunct(',')) {
        next();
        continue;
      }
      expectPunct(')', 'to close the attribute list');
      return list;
    }
  };
  const type = (): AstType => {
    const t = peek();
    if (isPunct('[')) {
      next();
      const element = type();
      if (isPunct(':')) fail(peek(), 'fixed-size arrays ([T:n]) are not supported');
      expectPunct(']', 'to close the vector type');
      return { kind: 'vector', element, pos: t.pos };
    }
    const q = qualifiedIdent('a type');
    return { kind: 'named', name: q.name, pos: q.pos };
  };
  const literal = (): AstLiteral => {
    const t = next();
    if (t.kind === 'number' || t.kind === 'ident' || t.kind === 'string') {
      return { kind: t.kind, text: t.text, pos: t.pos };
    }
    return fail(t, `expected a value, got ${describe(t)}`);
  };

  const structOrTable = (kind: 'struct' | 'table', start: Token): AstStructOrTable => {
    const name = expectIdent(`the ${kind} name`);
    const meta = metadata();
    expectPunct('{', `to open ${kind} ${name.text}`);
    const fields: AstField[] = [];
    while (!isPunct('}')) {
      const fieldName = peek();
      if (fieldName.kind !== 'ident') fail(fieldName, `expected a field name or "}", got ${describe(fieldName)}`);
      next();
      expectPunct(':', `after field name ${fieldName.text}`);
      const fieldType = type();
      let dflt: AstLiteral | undefined;
      if (isPunct('=')) {
        next();
        dflt = literal();
      }
      const fieldMeta = metadata();
      expectPunct(';', `after field ${fieldName.text}`);
      fields.push({
        name: fieldName.text,
        type: fieldType,
        ...(dflt ? { default: dflt } : {}),
        metadata: fieldMeta,
        doc: fieldName.doc,
        pos: fieldName.pos,
      });
    }
    next();
    return { kind, name: name.text, namespace, metadata: meta, fields, doc: start.doc, pos: name.pos };
  };

  const enumValues = (what: string, qualifiedNames: boolean): AstEnumValue[] => {
    const values: AstEnumValue[] = [];
    expectPunct('{', `to open ${what}`);
    while (!isPunct('}')) {
      const first = peek();
      const name = qualifiedNames ? qualifiedIdent('a union member') : (() => {
        const t = expectIdent('an enum value name');
        return { name: t.text, pos: t.pos };
      })();
      if (isPunct(':')) fail(peek(), 'union member aliases (Name: Type) are not supported');
      let value: AstLiteral | undefined;
      if (isPunct('=')) {
        next();
        value = literal();
        if (value.kind !== 'number') fail(tokens[k - 1]!, `expected an integer, got ${JSON.stringify(value.text)}`);
      }
      values.push({ name: name.name, ...(value ? { value } : {}), doc: first.doc, pos: name.pos });
      if (isPunct(',')) {
        next();
        continue;
      }
      if (!isPunct('}')) fail(peek(), `expected "," or "}" in ${what}, got ${describe(peek())}`);
    }
    next();
    return values;
  };

  while (peek().kind !== 'eof') {
    const t = next();
    if (t.kind !== 'ident') fail(t, `expected a declaration, got ${describe(t)}`);
    switch (t.text) {
      case 'include': {
        if (types.length > 0 || namespace !== '' || attributes.length > 0) {
          fail(t, 'include must come before every other declaration');
        }
        const p = next();
        if (p.kind !== 'string') fail(p, `expected the included file name as a string, got ${describe(p)}`);
        expectPunct(';', 'after include');
        includes.push({ path: p.text, pos: p.pos });
        break;
      }
      case 'namespace': {
        namespace = qualifiedIdent('a namespace').name;
        expectPunct(';', 'after namespace');
        break;
      }
      case 'attribute': {
        const a = next();
        if (a.kind !== 'string' && a.kind !== 'ident') fail(a, `expected the attribute name, got ${describe(a)}`);
        expectPunct(';', 'after attribute');
        attributes.push({ name: a.text, pos: a.pos });
        break;
      }
      case 'table':
      case 'struct':
        types.push(structOrTable(t.text, t));
        break;
      case 'enum': {
        const name = expectIdent('the enum name');
        if (!isPunct(':')) fail(peek(), `enum ${name.text} needs an underlying type: enum ${name.text} : ubyte { ... }`);
        next();
        const underlying = type();
        const meta = metadata();
        const values = enumValues(`enum ${name.text}`, false);
        types.push({ kind: 'enum', name: name.text, namespace, metadata: meta, underlying, values, doc: t.doc, pos: name.pos });
        break;
      }
      case 'union': {
        const name = expectIdent('the union name');
        const meta = metadata();
        const members = enumValues(`union ${name.text}`, true);
        types.push({ kind: 'union', name: name.text, namespace, metadata: meta, members, doc: t.doc, pos: name.pos });
        break;
      }
      case 'root_type': {
        const q = qualifiedIdent('the root type');
        expectPunct(';', 'after root_type');
        rootTypes.push({ name: q.name, namespace, pos: q.pos });
        break;
      }
      default: {
        const why = UNSUPPORTED_DECLARATIONS[t.text];
        fail(t, why ?? `expected a declaration (include, namespace, attribute, table, struct, enum, union, root_type), got ${describe(t)}`);
      }
    }
  }
  return { path: file, includes, attributes, types, rootTypes };
}
