/**
 * The fast reader of CIM RDF/XML: a hand-written tokenizer over each decoded
 * chunk (indexOf to the next '<', '"', '-->' ...; charCodeAt and a table
 * for names), feeding the same CimDocument the sax reader feeds.
 *
 * Why it sits in front of sax: sax runs a state machine per character (a
 * switch, a regular expression for every name character, a string grown a
 * character at a time), which caps the import at about 20 MB/s, while
 * libxml2 (lxml) reads the same files at about 37 MB/s. CIM exports are
 * plain XML (tags, attributes in quotes, text, the odd comment), and that
 * shape can be read at native string-search speed.
 *
 * It accepts only what it is sure sax reads the same way: start, end and
 * empty-element tags with ASCII names and quoted attributes, text with the
 * predefined entities and numeric character references, comments, CDATA,
 * processing instructions (the XML declaration), a leading BOM, and the
 * PowerFactory close tag that names no open element (recovered exactly as
 * the sax reader recovers it). On anything else -- a DOCTYPE, another
 * entity, whitespace after '<', an unquoted value, a close tag that closes
 * an outer element, a truncated file, text outside the root, a token longer
 * than sax's 64 KB buffers -- it throws FastPathDeclined, and the import
 * reads the file again with sax, which reports the error exactly as before
 * or reads what it accepts. Bad input therefore behaves as it always did.
 *
 * A construct cut by the end of a chunk (a tag, a comment, an entity) is
 * carried over and read again with the next chunk; text is handed over up
 * to the cut. Lines are counted per chunk with indexOf('\n'), only to give
 * positions to the rare problem that needs one.
 */
import { CimDocument, type CimTagAttributes } from './cim-document.js';
import type { CimModelBuilder, PositionSource } from './model-builder.js';
import { decodeReferences } from './xml-references.js';

/** Thrown when the fast reader leaves a file to sax; never seen outside the import. */
export class FastPathDeclined extends Error {
  override readonly name = 'FastPathDeclined';
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`${file}: left to sax (${why})`);
  }
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const BOM = 0xfeff;

/** sax's MAX_BUFFER_LENGTH is 64 Ki characters; a token near that may be an error in sax, so it is left to sax. */
const MAX_TOKEN = 60_000;
/** A carried-over construct (a huge CDATA section) past this is left to sax rather than rescanned chunk after chunk. */
const MAX_CARRY = 16 * 1024 * 1024;

/** ASCII name characters: 1 may start a name (as in sax's nameStart), 2 only continue one (digits, '-', '.'). */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0x41; c <= 0x5a; c += 1) NAME_CHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c += 1) NAME_CHAR[c] = 1;
NAME_CHAR[0x5f] = 1; // _
NAME_CHAR[COLON] = 1;
for (let c = 0x30; c <= 0x39; c += 1) NAME_CHAR[c] = 2;
NAME_CHAR[0x2d] = 2; // -
NAME_CHAR[0x2e] = 2; // .

/** XML whitespace as sax knows it: space, tab, CR, LF. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class FastCimFileReader implements CimTagAttributes, PositionSource {
  private readonly document: CimDocument;
  /** Text from the end of the last chunk that could not be read yet (a cut tag, comment, reference). */
  private carry = '';
  /** The text being read: carry + chunk. */
  private buffer = '';
  private begun = false;
  /** 0 before the root element, 1 inside it, 2 after it. */
  private rootState = 0;
  /** Qualified names of the open elements, innermost last (only the first `openDepth` count). */
  private readonly openNames: string[] = [];
  private openDepth = 0;
  /** Lines before `buffer` starts, and characters on the line `buffer` starts in before it. */
  private linesBefore = 0;
  private columnBefore = 0;
  /** Index of the '>' of the tag being reported (for position()). */
  private tagEnd = 0;
  /** `buffer` has no '&' in [ampSearchedFrom, nextAmp); nextAmp is one, or buffer.length. */
  private ampSearchedFrom = 0;
  private nextAmp = -1;
  /** Attributes of the tag being opened: name start, name end, local name start, value start, value end. */
  private spans = new Int32Array(5 * 16);
  private attributeCount = 0;

  constructor(
    builder: CimModelBuilder,
    readonly file: string,
  ) {
    this.document = new CimDocument(builder, file, this);
  }

  write(chunk: string): void {
    const text = this.carry.length === 0 ? chunk : this.carry + chunk;
    this.buffer = text;
    this.ampSearchedFrom = 0;
    this.nextAmp = -1;
    const consumed = this.scan(text);
    this.countLines(text, consumed);
    this.carry = consumed < text.length ? text.slice(consumed) : '';
    if (this.carry.length > MAX_CARRY) throw this.decline('a construct longer than 16 MB');
    this.buffer = '';
  }

  end(): void {
    if (this.carry.length > 0) throw this.decline('the file ends inside a tag, comment or reference');
    if (this.rootState === 0) throw this.decline('no root element');
    if (this.rootState === 1) throw this.decline('the root element is not closed');
  }

  /** 1-based line and column of the '>' of the tag being opened or closed, as sax counts them (UTF-16 code units). */
  position(): { line: number; column: number } {
    const text = this.buffer;
    const at = this.tagEnd;
    let line = this.linesBefore + 1;
    let lastNewline = -1;
    for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
      line += 1;
      lastNewline = i;
    }
    return { line, column: lastNewline >= 0 ? at - lastNewline : this.columnBefore + at + 1 };
  }

  attribute(local: string): string | undefined {
    const text = this.buffer;
    const spans = this.spans;
    for (let k = 0; k < this.attributeCount; k += 1) {
      const base = k * 5;
      const localStart = spans[base + 2];
      if (spans[base + 1] - localStart !== local.length || !text.startsWith(local, localStart)) continue;
      const valueStart = spans[base + 3];
      const valueEnd = spans[base + 4];
      if (this.ampFrom(valueStart) >= valueEnd) return text.slice(valueStart, valueEnd);
      const decoded = decodeReferences(text, valueStart, valueEnd);
      if (decoded === undefined) throw this.decline('a reference in an attribute value');
      return decoded;
    }
    return undefined;
  }

  private decline(why: string): FastPathDeclined {
    return new FastPathDeclined(this.file, why);
  }

  /** Reads what it can of `text`; returns where the unread rest (carried to the next chunk) starts. */
  private scan(text: string): number {
    const length = text.length;
    let at = 0;
    if (!this.begun && length > 0) {
      this.begun = true;
      if (text.charCodeAt(0) === BOM) at = 1;
    }
    while (at < length) {
      const lt = text.indexOf('<', at);
      if (lt < 0) return this.partialText(text, at, length);
      if (lt > at) this.textRun(text, at, lt);
      if (lt + 1 >= length) return lt;
      const c = text.charCodeAt(lt + 1);
      let next: number;
      if (c === SLASH) next = this.closeTag(text, lt);
      else if (c < 128 && NAME_CHAR[c] === 1) next = this.openTag(text, lt);
      else if (c === BANG) next = this.markupDeclaration(text, lt);
      else if (c === QUESTION) next = this.processingInstruction(text, lt);
      else throw this.decline("'<' not followed by a name, '/', '!' or '?'");
      if (next < 0) return lt;
      at = next;
    }
    return at;
  }

  /** Index of the first '&' at or after `from` (text length when there is none), searched once per stretch. */
  private ampFrom(from: number): number {
    if (from < this.ampSearchedFrom || from > this.nextAmp) {
      const amp = this.buffer.indexOf('&', from);
      this.ampSearchedFrom = from;
      this.nextAmp = amp < 0 ? this.buffer.length : amp;
    }
    return this.nextAmp;
  }

  /** Character data text[start, end), complete (no reference cut at its end). */
  private textRun(text: string, start: number, end: number): void {
    if (this.rootState !== 1) {
      for (let i = start; i < end; i += 1) {
        if (!isSpace(text.charCodeAt(i))) throw this.decline('text outside the root element');
      }
      return;
    }
    const plain = this.ampFrom(start) >= end;
    if (this.document.collectsText) {
      const value = plain ? text.slice(start, end) : decodeReferences(text, start, end);
      if (value === undefined) throw this.decline('a reference in text');
      this.document.text(value);
    } else if (!plain && decodeReferences(text, start, end) === undefined) {
      throw this.decline('a reference in text');
    }
  }

  /** Text up to the end of the chunk: read up to a reference that may be cut; returns where the carry starts. */
  private partialText(text: string, start: number, length: number): number {
    let cut = length;
    if (this.ampFrom(start) < length) {
      const amp = text.lastIndexOf('&');
      if (text.indexOf(';', amp) < 0) cut = amp;
    }
    if (cut > start) this.textRun(text, start, cut);
    return cut;
  }

  /** `<name attributes...>` or `<name .../>` at `lt`; returns the index after it, -1 when it is cut by the chunk's end. */
  private openTag(text: string, lt: number): number {
    const length = text.length;
    const nameStart = lt + 1;
    let i = nameStart;
    let c = 0;
    for (; i < length; i += 1) {
      c = text.charCodeAt(i);
      if (c >= 128 || NAME_CHAR[c] === 0) break;
    }
    if (i >= length) return -1;
    const nameEnd = i;
    if (nameEnd - nameStart > MAX_TOKEN) throw this.decline('a tag name longer than sax takes');
    this.attributeCount = 0;
    let selfClosing = false;
    for (;;) {
      if (c === GT) break;
      if (c === SLASH) {
        if (i + 1 >= length) return -1;
        if (text.charCodeAt(i + 1) !== GT) throw this.decline("'/' in a start tag not followed by '>'");
        selfClosing = true;
        i += 1;
        break;
      }
      if (!isSpace(c)) throw this.decline('an unexpected character in a start tag');
      do {
        i += 1;
        if (i >= length) return -1;
        c = text.charCodeAt(i);
      } while (isSpace(c));
      if (c === GT || c === SLASH) continue;
      if (c >= 128 || NAME_CHAR[c] !== 1) throw this.decline('an attribute name that is not a plain ASCII name');
      i = this.attributeAt(text, i);
      if (i < 0) return -1;
      c = text.charCodeAt(i);
    }
    // `i` is at the tag's '>'.
    if (this.rootState === 2) throw this.decline('an element after the root element');
    this.tagEnd = i;
    const name = text.slice(nameStart, nameEnd);
    const depth = this.openDepth;
    if (depth === 0) this.rootState = 1;
    this.document.open(name, this);
    if (selfClosing) {
      this.document.close();
      if (depth === 0) this.rootState = 2;
    } else {
      this.openNames[depth] = name;
      this.openDepth = depth + 1;
    }
    return i + 1;
  }

  /** One `name="value"` from `start`; records it and returns the index after the closing quote (-1: cut). */
  private attributeAt(text: string, start: number): number {
    const length = text.length;
    let i = start;
    let colon = -1;
    let c = 0;
    for (; i < length; i += 1) {
      c = text.charCodeAt(i);
      if (c >= 128 || NAME_CHAR[c] === 0) break;
      if (c === COLON && colon < 0) colon = i;
    }
    const nameEnd = i;
    while (i < length && isSpace(c)) c = text.charCodeAt((i += 1));
    if (i >= length) return -1;
    if (c !== EQUALS) throw this.decline('an attribute without a value');
    do {
      i += 1;
      if (i >= length) return -1;
      c = text.charCodeAt(i);
    } while (isSpace(c));
    if (c !== QUOTE && c !== APOSTROPHE) throw this.decline('an unquoted attribute value');
    const valueStart = i + 1;
    const valueEnd = text.indexOf(c === QUOTE ? '"' : "'", valueStart);
    if (valueEnd < 0) {
      if (length - valueStart > MAX_TOKEN) throw this.decline('an attribute value longer than sax takes');
      return -1;
    }
    if (nameEnd - start > MAX_TOKEN || valueEnd - valueStart > MAX_TOKEN) throw this.decline('an attribute longer than sax takes');
    if (valueEnd + 1 >= length) return -1;
    let base = this.attributeCount * 5;
    if (base + 5 > this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    const spans = this.spans;
    spans[base] = start;
    spans[(base += 1)] = nameEnd;
    spans[(base += 1)] = colon >= 0 ? colon + 1 : start;
    spans[(base += 1)] = valueStart;
    spans[base + 1] = valueEnd;
    this.attributeCount += 1;
    return valueEnd + 1;
  }

  /** `</name>` at `lt`; returns the index after it, -1 when it is cut by the chunk's end. */
  private closeTag(text: string, lt: number): number {
    const length = text.length;
    const nameStart = lt + 2;
    if (nameStart >= length) return -1;
    let c = text.charCodeAt(nameStart);
    if (c >= 128 || NAME_CHAR[c] !== 1) throw this.decline("'</' not followed by a name");
    let i = nameStart + 1;
    for (; i < length; i += 1) {
      c = text.charCodeAt(i);
      if (c >= 128 || NAME_CHAR[c] === 0) break;
    }
    const nameEnd = i;
    while (i < length && isSpace(c)) c = text.charCodeAt((i += 1));
    if (i >= length) return -1;
    if (c !== GT) throw this.decline('an unexpected character in a close tag');
    if (nameEnd - nameStart > MAX_TOKEN) throw this.decline('a tag name longer than sax takes');
    const depth = this.openDepth;
    if (depth === 0) throw this.decline('a close tag with no element open');
    this.tagEnd = i;
    const open = this.openNames[depth - 1];
    if (nameEnd - nameStart === open.length && text.startsWith(open, nameStart)) {
      this.openDepth = depth - 1;
      this.document.close();
      if (depth === 1) this.rootState = 2;
      return i + 1;
    }
    const name = text.slice(nameStart, nameEnd);
    for (let k = 0; k < depth; k += 1) {
      if (this.openNames[k] === name) throw this.decline('a close tag that closes an outer element');
    }
    if (depth < 2) throw this.decline('a close tag that does not close the root element');
    // The sax reader's recovery (rdf-reader.ts): read as the innermost element's close, listed as a problem.
    const { line, column } = this.position();
    this.openDepth = depth - 1;
    this.document.mismatchedClose(open, name, line, column);
    // sax keeps the tag as text, which goes to the element now innermost.
    this.document.text(`</${name}>`);
    return i + 1;
  }

  /** `<!--...-->` or `<![CDATA[...]]>` at `lt`; anything else starting '<!' (a DOCTYPE) is left to sax. */
  private markupDeclaration(text: string, lt: number): number {
    const length = text.length;
    if (text.startsWith('<!--', lt)) {
      const dashes = text.indexOf('--', lt + 4);
      if (dashes < 0) {
        if (length - lt > MAX_TOKEN) throw this.decline('a comment longer than sax takes');
        return -1;
      }
      if (dashes - lt > MAX_TOKEN) throw this.decline('a comment longer than sax takes');
      if (dashes + 2 >= length) return -1;
      if (text.charCodeAt(dashes + 2) !== GT) throw this.decline("'--' inside a comment");
      return dashes + 3;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) return -1;
      // Outside the root sax reads a CDATA section too, and nothing takes its text.
      if (this.rootState === 1 && this.document.collectsText) this.document.text(text.slice(lt + 9, end));
      return end + 3;
    }
    const rest = text.slice(lt, lt + 9);
    if (rest.length < 9 && ('<![CDATA['.startsWith(rest) || '<!--'.startsWith(rest))) return -1;
    throw this.decline("'<!' that starts neither a comment nor CDATA (a DOCTYPE?)");
  }

  /** `<?...?>` (the XML declaration) at `lt`, skipped; one with another '?' inside is left to sax. */
  private processingInstruction(text: string, lt: number): number {
    const end = text.indexOf('?>', lt + 2);
    if (end < 0) {
      if (text.length - lt > MAX_TOKEN) throw this.decline('a processing instruction longer than sax takes');
      return -1;
    }
    if (end - lt > MAX_TOKEN) throw this.decline('a processing instruction longer than sax takes');
    if (text.indexOf('?', lt + 2) < end) throw this.decline("'?' inside a processing instruction");
    return end + 2;
  }

  /** Moves the line count past text[0, consumed), which the next buffer will not hold. */
  private countLines(text: string, consumed: number): void {
    let lastNewline = -1;
    for (let i = text.indexOf('\n'); i >= 0 && i < consumed; i = text.indexOf('\n', i + 1)) {
      this.linesBefore += 1;
      lastNewline = i;
    }
    this.columnBefore = lastNewline >= 0 ? consumed - lastNewline - 1 : this.columnBefore + consumed;
  }
}
