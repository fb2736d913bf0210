/**
 * Reads one CIM RDF/XML file as a stream of text chunks (sax in strict
 * mode) into a CimModelBuilder. Only the shape CIM files have is read:
 *
 *   <rdf:RDF>                                   depth 0, the root
 *     <md:FullModel rdf:about="urn:uuid:..">    depth 1, the file's header
 *     <cim:Breaker rdf:ID="_x">                 depth 1, an object (rdf:ID / rdf:about)
 *       <cim:Switch.open>true</cim:Switch.open> depth 2, a literal property
 *       <cim:Terminal.ConductingEquipment rdf:resource="#_y"/>   a reference
 *
 * Names are matched by local name, so cim16, CIM100, entsoe: and eu:
 * properties read alike. Deeper nesting (not used by CIM exports) is
 * skipped.
 */
import { createRequire } from 'node:module';
import type * as Sax from 'sax';
import { CimSyntaxError } from './api.js';
import type { CimModelBuilder, MutableCimObject } from './model-builder.js';
import { isUrnDefinition, localName, normaliseId, resourceTarget } from './ids.js';

const sax = createRequire(import.meta.url)('sax') as typeof Sax;

/** What sax keeps to itself and the recovery from a mismatched close tag needs. */
interface SaxParserInternals {
  /** The open elements, innermost last. */
  tags: { name: string }[];
  /** The name of the tag being read (the close tag's name while it is being matched). */
  tagName: string;
}

type Frame =
  | { readonly role: 'root' | 'skipped' }
  | { readonly role: 'header'; readonly header: HeaderDraft }
  | { readonly role: 'object'; readonly object: MutableCimObject }
  | { readonly role: 'property'; readonly object: MutableCimObject; readonly name: string; readonly resource: boolean; text: string }
  | { readonly role: 'header-property'; readonly header: HeaderDraft; readonly name: string; text: string };

interface HeaderDraft {
  profiles: string[];
  scenarioTime?: string;
  modelingAuthoritySet?: string;
}

const HEADER_CLASSES = new Set(['FullModel', 'DifferenceModel']);

export class CimFileReader {
  private readonly parser: Sax.SAXParser;
  private readonly internals: SaxParserInternals;
  private readonly frames: Frame[] = [];
  /** The first fatal error, thrown once the chunk that caused it has been handed back. */
  private fatal: CimSyntaxError | undefined;
  /** Set while sax walks its tag stack for a close tag that matches no open element (see onError). */
  private mismatchPending = false;
  private sawRoot = false;

  constructor(
    private readonly builder: CimModelBuilder,
    readonly file: string,
  ) {
    this.parser = sax.parser(true, { trim: false, normalize: false, xmlns: false, position: true });
    this.internals = this.parser as unknown as SaxParserInternals;
    this.parser.onopentag = (tag) => this.onOpen(tag as Sax.Tag);
    this.parser.onclosetag = () => this.onClose();
    this.parser.ontext = (text) => this.onText(text);
    this.parser.oncdata = (text) => this.onText(text);
    this.parser.onerror = (error) => this.onError(error);
  }

  write(chunk: string): void {
    this.parser.write(chunk);
    if (this.fatal !== undefined) throw this.fatal;
  }

  end(): void {
    this.parser.close();
    if (this.fatal !== undefined) throw this.fatal;
    if (!this.sawRoot) {
      const { line, column } = this.position();
      throw new CimSyntaxError(this.file, line, column, 'no root element (empty or not XML)');
    }
  }

  /**
   * sax counts lines from 0 and columns as the characters read on the line,
   * so its column is the 1-based column of the last character read; at the
   * start of a line (nothing read on it yet) that is column 1.
   */
  private position(): { line: number; column: number } {
    return { line: this.parser.line + 1, column: Math.max(1, this.parser.column) };
  }

  private onOpen(tag: Sax.Tag): void {
    if (this.fatal !== undefined) return;
    const depth = this.frames.length;
    const parent = this.frames[depth - 1];
    if (depth === 0) {
      this.sawRoot = true;
      this.frames.push({ role: 'root' });
    } else if (depth === 1) {
      this.frames.push(this.openObject(tag));
    } else if (depth === 2 && parent.role === 'object') {
      const resource = attribute(tag, 'resource');
      const name = localName(tag.name);
      if (resource !== undefined) {
        const target = resourceTarget(resource);
        if (target.kind === 'object') this.builder.reference(parent.object, name, target.id, this.file);
        else this.builder.enumeration(parent.object, name, target.value);
      }
      this.frames.push({ role: 'property', object: parent.object, name, resource: resource !== undefined, text: '' });
    } else if (depth === 2 && parent.role === 'header') {
      const name = localName(tag.name);
      const resource = attribute(tag, 'resource');
      const frame: Frame = { role: 'header-property', header: parent.header, name, text: resource ?? '' };
      this.frames.push(frame);
    } else {
      this.frames.push({ role: 'skipped' });
    }
  }

  private openObject(tag: Sax.Tag): Frame {
    const cimClass = localName(tag.name);
    if (HEADER_CLASSES.has(cimClass)) {
      const header: HeaderDraft = { profiles: [] };
      return { role: 'header', header };
    }
    const rdfId = attribute(tag, 'ID');
    const about = attribute(tag, 'about');
    if (rdfId !== undefined) {
      const object = this.builder.mention(normaliseId(rdfId), this.file);
      const { line, column } = this.position();
      this.builder.defineById(object, cimClass, this.file, line, column);
      return { role: 'object', object };
    }
    if (about !== undefined) {
      const object = this.builder.mention(normaliseId(about), this.file);
      if (isUrnDefinition(about)) this.builder.defineByUrn(object, cimClass);
      return { role: 'object', object };
    }
    // A blank node: nothing can refer to it, so nothing in it matters to the model.
    return { role: 'skipped' };
  }

  private onText(text: string): void {
    const frame = this.frames[this.frames.length - 1];
    if (frame !== undefined && (frame.role === 'property' || frame.role === 'header-property')) frame.text += text;
  }

  private onClose(): void {
    if (this.fatal !== undefined) return;
    const frame = this.frames.pop();
    if (frame === undefined) return;
    if (frame.role === 'property') {
      if (!frame.resource) this.builder.literal(frame.object, frame.name, detached(frame.text.trim()));
    } else if (frame.role === 'header-property') {
      const value = frame.text.trim();
      if (frame.name === 'Model.profile') frame.header.profiles.push(value);
      else if (frame.name === 'Model.scenarioTime') frame.header.scenarioTime = value;
      else if (frame.name === 'Model.modelingAuthoritySet') frame.header.modelingAuthoritySet = value;
    } else if (frame.role === 'header') {
      const { header } = frame;
      this.builder.headers.push({
        file: this.file,
        profiles: header.profiles,
        ...(header.scenarioTime !== undefined ? { scenarioTime: header.scenarioTime } : {}),
        ...(header.modelingAuthoritySet !== undefined ? { modelingAuthoritySet: header.modelingAuthoritySet } : {}),
      });
    }
  }

  /**
   * PowerFactory has been seen closing `<cim:Breaker ...>` with
   * `</cim:Fuse>`. For such a close tag sax reports "Unexpected close tag"
   * once per open element it compares, then "Unmatched closing tag" when
   * none matched, and leaves its stack as it was. When the name matches no
   * open element at all and the innermost element is not the root, the tag
   * is read as the innermost element's close: sax's stack is popped here
   * and the element closed as if the tag had been right. A close tag that
   * does match an element further out means the elements inside it were
   * never closed: that, and every other error sax reports, is fatal.
   */
  private onError(error: Error): void {
    const reason = error.message.split('\n')[0];
    const { tags, tagName } = this.internals;
    if (this.fatal === undefined && reason === 'Unexpected close tag') {
      if (this.mismatchPending || (tags.length >= 2 && !tags.some((tag) => tag.name === tagName))) {
        this.mismatchPending = true;
        this.resume();
        return;
      }
      const innermost = tags[tags.length - 1]?.name ?? '';
      this.fail(`</${tagName}> closes an element while <${innermost}> inside it is still open`);
      return;
    }
    if (this.fatal === undefined && this.mismatchPending && reason.startsWith('Unmatched closing tag')) {
      this.mismatchPending = false;
      const open = tags.pop();
      const { line, column } = this.position();
      this.builder.problems.push({
        kind: 'mismatched-tag',
        message: `<${open?.name ?? ''}> closed by </${tagName}>; read as </${open?.name ?? ''}>`,
        file: this.file,
        line,
        column,
      });
      // sax then adds '</name>' to its pending text; that text lands outside any property and is not read.
      this.onClose();
      this.resume();
      return;
    }
    this.fail(reason);
  }

  private fail(reason: string): void {
    if (this.fatal === undefined) {
      const { line, column } = this.position();
      this.fatal = new CimSyntaxError(this.file, line, column, reason);
    }
    // Keep sax going to the end of the chunk; everything after the first error is ignored.
    this.resume();
  }

  private resume(): void {
    (this.parser as unknown as { error: Error | null }).error = null;
  }
}

/**
 * sax hands over text as a substring of the chunk it is reading, and V8
 * keeps such a substring (13 characters or more) as a view into the whole
 * chunk: one kept literal would keep its 256 KB chunk alive, and the model
 * the whole file. Concatenating and slicing again makes a string of its own.
 */
function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

function attribute(tag: Sax.Tag, local: string): string | undefined {
  for (const name in tag.attributes) {
    if (localName(name) === local) return tag.attributes[name];
  }
  return undefined;
}
