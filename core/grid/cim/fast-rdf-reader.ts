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
 * starts again with that file read by sax, which reports the error exactly
 * as before or reads what it accepts. Bad input behaves as it always did.
 *
 * A construct cut by the end of a chunk (a tag, a comment, an entity) is
 * carried over and read again with the next chunk; text is handed over up
 * to the cut. Lines are counted per chunk with indexOf('\n'), only to give
 * positions to the rare problem that needs one.
 */
import { CimDocument, type CimTagAttributes } from './cim-document.js';
import { isUrnDefinition, normaliseId, resourceTarget } from './ids.js';
import type { CimModelBuilder, PositionSource } from './model-builder.js';
import { ownString } from './own-string.js';
import { decodeReferences } from './xml-references.js';

/** Thrown when the fast reader leaves a file to sax; importCim never lets it out (importCimWith(.., 'fast') does, for tests). */
export class FastPathDeclined extends Error {
  override readonly name = 'FastPathDeclined';
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`${file}: left to sax (${why})`);
  }
}

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const COLON = 0x3a;
const HASH = 0x23;
const UNDERSCORE = 0x5f;
const BOM = 0xfeff;
const URN_UUID = 'urn:uuid:';

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
  /** position()'s count so far in `buffer`: newlines in [0, countedTo), the last of them. */
  private countedTo = 0;
  private countedLines = 0;
  private countedLastNewline = -1;
  /** `buffer` has no '&' in [ampSearchedFrom, nextAmp); nextAmp is one, or buffer.length. */
  private ampSearchedFrom = 0;
  private nextAmp = -1;
  /** Attributes of the tag being opened: name start, name end, local name start, value start, value end. */
  private spans = new Int32Array(5 * 16);
  private attributeCount = 0;
  resourceIsObject = false;
  /**
   * Element names met so far, in an open-addressing table keyed by a hash
   * taken while the name is scanned: a known name is found without cutting
   * it out of the chunk (one string per distinct name, not per element).
   */
  private nameKeys: (string | undefined)[] = new Array<string | undefined>(256);
  private nameHashes = new Int32Array(256);
  private nameLocals: string[] = new Array<string>(256);
  private nameCount = 0;
  /** The local name of the name nameBetween returned last. */
  private lastLocal = '';

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
    this.countedTo = 0;
    this.countedLines = 0;
    this.countedLastNewline = -1;
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
    // Counted on from the last position asked in this buffer, so that many problems in one chunk cost one pass.
    if (at < this.countedTo) {
      this.countedTo = 0;
      this.countedLines = 0;
      this.countedLastNewline = -1;
    }
    for (let i = text.indexOf('\n', this.countedTo); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
      this.countedLines += 1;
      this.countedLastNewline = i;
    }
    this.countedTo = at;
    const lastNewline = this.countedLastNewline;
    return { line: this.linesBefore + this.countedLines + 1, column: lastNewline >= 0 ? at - lastNewline : this.columnBefore + at + 1 };
  }

  attribute(local: string): string | undefined {
    const k = this.attributeIndex(local);
    return k < 0 ? undefined : this.valueOf(k);
  }

  id(local: string): string | undefined {
    const k = this.attributeIndex(local);
    if (k < 0) return undefined;
    if (!this.isPlainValue(k)) return normaliseId(this.valueOf(k));
    return this.idBetween(this.spans[k * 5 + 3], this.spans[k * 5 + 4]);
  }

  isUrn(local: string): boolean {
    const k = this.attributeIndex(local);
    if (k < 0) return false;
    if (!this.isPlainValue(k)) return isUrnDefinition(this.valueOf(k));
    // The closing quote is not in 'urn:uuid:', so a match lies inside the value.
    return this.buffer.startsWith(URN_UUID, this.spans[k * 5 + 3]);
  }

  /** resourceTarget (ids.ts), worked out on the chunk: one string cut, no object made. */
  resource(): string | undefined {
    const k = this.attributeIndex('resource');
    if (k < 0) return undefined;
    if (!this.isPlainValue(k)) {
      const target = resourceTarget(this.valueOf(k));
      this.resourceIsObject = target.kind === 'object';
      return target.kind === 'object' ? target.id : target.value;
    }
    const text = this.buffer;
    const start = this.spans[k * 5 + 3];
    const end = this.spans[k * 5 + 4];
    if (text.charCodeAt(start) === HASH || text.startsWith(URN_UUID, start) || !hasUriScheme(text, start, end)) {
      this.resourceIsObject = true;
      return this.idBetween(start, end);
    }
    // A term of a vocabulary ('http://iec.ch/TC57/CIM100#PhaseCode.ABC'): its local name.
    this.resourceIsObject = false;
    let cut = lastIndexBetween(text, HASH, start, end);
    if (cut < 0) cut = lastIndexBetween(text, SLASH, start, end);
    return text.slice(cut < 0 ? start : cut + 1, end);
  }

  /** Index of the tag's first attribute with this local name; -1 when there is none. */
  private attributeIndex(local: string): number {
    const text = this.buffer;
    const spans = this.spans;
    for (let k = 0; k < this.attributeCount; k += 1) {
      const base = k * 5;
      const localStart = spans[base + 2];
      if (spans[base + 1] - localStart === local.length && text.startsWith(local, localStart)) return k;
    }
    return -1;
  }

  private valueOf(k: number): string {
    const text = this.buffer;
    const start = this.spans[k * 5 + 3];
    const end = this.spans[k * 5 + 4];
    if (this.ampFrom(start) >= end) return text.slice(start, end);
    const decoded = decodeReferences(text, start, end);
    if (decoded === undefined) throw this.decline('a reference in an attribute value');
    return decoded;
  }

  /** No reference in the value, and printable ASCII at both ends, so that trim() would leave it as it is. */
  private isPlainValue(k: number): boolean {
    const start = this.spans[k * 5 + 3];
    const end = this.spans[k * 5 + 4];
    if (end <= start) return false;
    const first = this.buffer.charCodeAt(start);
    const last = this.buffer.charCodeAt(end - 1);
    return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f && this.ampFrom(start) >= end;
  }

  /** normaliseId (ids.ts) of the plain value buffer[start, end): after the last '#', else after 'urn:uuid:'; then without a leading '_'. */
  private idBetween(start: number, end: number): string {
    const text = this.buffer;
    let from = start;
    const hash = lastIndexBetween(text, HASH, start, end);
    if (hash >= 0) from = hash + 1;
    else if (text.startsWith(URN_UUID, start)) from = start + URN_UUID.length;
    if (from < end && text.charCodeAt(from) === UNDERSCORE) from += 1;
    return text.slice(from, end);
  }

  /** The one string of the name text[start, end), whose hash is `hash`. */
  private nameBetween(text: string, start: number, end: number, hash: number): string {
    const keys = this.nameKeys;
    const mask = keys.length - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const key = keys[slot];
      if (key === undefined) break;
      if (this.nameHashes[slot] === hash && key.length === length && text.startsWith(key, start)) {
        this.lastLocal = this.nameLocals[slot];
        return key;
      }
    }
    const name = ownString(text.slice(start, end));
    this.lastLocal = this.document.localNameOf(name);
    if ((this.nameCount + 1) * 2 > keys.length) this.growNames();
    const grownMask = this.nameKeys.length - 1;
    let slot = hash & grownMask;
    while (this.nameKeys[slot] !== undefined) slot = (slot + 1) & grownMask;
    this.nameKeys[slot] = name;
    this.nameHashes[slot] = hash;
    this.nameLocals[slot] = this.lastLocal;
    this.nameCount += 1;
    return name;
  }

  private growNames(): void {
    const keys = this.nameKeys;
    const hashes = this.nameHashes;
    const locals = this.nameLocals;
    this.nameKeys = new Array<string | undefined>(keys.length * 2);
    this.nameHashes = new Int32Array(keys.length * 2);
    this.nameLocals = new Array<string>(keys.length * 2);
    const mask = this.nameKeys.length - 1;
    for (let old = 0; old < keys.length; old += 1) {
      if (keys[old] === undefined) continue;
      let slot = hashes[old] & mask;
      while (this.nameKeys[slot] !== undefined) slot = (slot + 1) & mask;
      this.nameKeys[slot] = keys[old];
      this.nameHashes[slot] = hashes[old];
      this.nameLocals[slot] = locals[old];
    }
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
    let hash = 0;
    for (; i < length; i += 1) {
      c = text.charCodeAt(i);
      if (c >= 128 || NAME_CHAR[c] === 0) break;
      hash = (Math.imul(hash, 31) + c) | 0;
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
    const name = this.nameBetween(text, nameStart, nameEnd, hash);
    const depth = this.openDepth;
    if (depth === 0) this.rootState = 1;
    this.document.open(name, this, this.lastLocal);
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
    const depth = this.openDepth;
    if (depth > 0) {
      // The usual case, `</name>` closing the innermost element, checked without reading the name.
      const open = this.openNames[depth - 1];
      const gt = nameStart + open.length;
      if (gt < length && text.charCodeAt(gt) === GT && text.startsWith(open, nameStart)) {
        this.tagEnd = gt;
        this.openDepth = depth - 1;
        this.document.close();
        if (depth === 1) this.rootState = 2;
        return gt + 1;
      }
    }
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
    if (depth === 0) throw this.decline('a close tag with no element open');
    this.tagEnd = i;
    const open = this.openNames[depth - 1];
    if (nameEnd - nameStart === open.length && text.startsWith(open, nameStart)) {
      this.openDepth = depth - 1;
      this.document.close();
      if (depth === 1) this.rootState = 2;
      return i + 1;
    }
    // Its own string: the problem's message keeps it, and a cut would keep the chunk.
    const name = ownString(text.slice(nameStart, nameEnd));
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

/** Index of the last `code` in text[start, end); -1 when there is none. */
function lastIndexBetween(text: string, code: number, start: number, end: number): number {
  for (let i = end - 1; i >= start; i -= 1) if (text.charCodeAt(i) === code) return i;
  return -1;
}

/** Whether text[start, end) starts with a URI scheme, /^[A-Za-z][A-Za-z0-9+.-]*:/ as ids.ts tests it. */
function hasUriScheme(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start) | 0x20;
  if (first < 0x61 || first > 0x7a) return false;
  for (let i = start + 1; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c === COLON) return true;
    const letter = c | 0x20;
    if (!((letter >= 0x61 && letter <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d)) return false;
  }
  return false;
}
