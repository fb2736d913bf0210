/**
 * Reads one CIM RDF/XML file as a stream of text chunks through sax (strict
 * mode) into a CimDocument (cim-document.ts says what the elements mean).
 *
 * This is the reference reader and the one that reports errors: the import
 * reads with fast-rdf-reader.ts first, and a file that reader declines
 * (anything unusual or malformed) is read again here, so that
 * CimSyntaxError (file:line:column, sax's reason) and the mismatched-tag
 * recovery stay exactly sax's.
 */
import { createRequire } from 'node:module';
import type * as Sax from 'sax';
import { CimSyntaxError } from './api.js';
import { CimDocument, CimTagAttributeValues } from './cim-document.js';
import type { CimModelBuilder, PositionSource } from './model-builder.js';
import { localName } from './ids.js';

const sax = createRequire(import.meta.url)('sax') as typeof Sax;

/** What sax keeps to itself and the recovery from a mismatched close tag needs. */
interface SaxParserInternals {
  /** The open elements, innermost last. */
  tags: { name: string }[];
  /** The name of the tag being read (the close tag's name while it is being matched). */
  tagName: string;
}

/** sax's attributes of one tag, looked up by local name in the order they were written. */
class SaxTagAttributes extends CimTagAttributeValues {
  constructor(private readonly tag: Sax.Tag) {
    super();
  }

  attribute(local: string): string | undefined {
    for (const name in this.tag.attributes) {
      if (localName(name) === local) return this.tag.attributes[name];
    }
    return undefined;
  }
}

export class CimFileReader implements PositionSource {
  private readonly parser: Sax.SAXParser;
  private readonly internals: SaxParserInternals;
  private readonly document: CimDocument;
  /** The first fatal error, thrown once the chunk that caused it has been handed back. */
  private fatal: CimSyntaxError | undefined;
  /** Set while sax walks its tag stack for a close tag that matches no open element (see onError). */
  private mismatchPending = false;

  constructor(
    builder: CimModelBuilder,
    readonly file: string,
  ) {
    this.document = new CimDocument(builder, file, this);
    this.parser = sax.parser(true, { trim: false, normalize: false, xmlns: false, position: true });
    this.internals = this.parser as unknown as SaxParserInternals;
    this.parser.onopentag = (tag) => {
      if (this.fatal === undefined) this.document.open(tag.name, new SaxTagAttributes(tag as Sax.Tag));
    };
    this.parser.onclosetag = () => {
      if (this.fatal === undefined) this.document.close();
    };
    this.parser.ontext = (text) => this.document.text(text);
    this.parser.oncdata = (text) => this.document.text(text);
    this.parser.onerror = (error) => this.onError(error);
  }

  write(chunk: string): void {
    this.parser.write(chunk);
    if (this.fatal !== undefined) throw this.fatal;
  }

  end(): void {
    this.parser.close();
    if (this.fatal !== undefined) throw this.fatal;
    if (!this.document.sawRoot) {
      const { line, column } = this.position();
      throw new CimSyntaxError(this.file, line, column, 'no root element (empty or not XML)');
    }
  }

  /**
   * sax counts lines from 0 and columns as the characters read on the line,
   * so its column is the 1-based column of the last character read; at the
   * start of a line (nothing read on it yet) that is column 1.
   */
  position(): { line: number; column: number } {
    return { line: this.parser.line + 1, column: Math.max(1, this.parser.column) };
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
      // sax then adds '</name>' to its pending text, which goes to the element now innermost.
      this.document.mismatchedClose(open?.name ?? '', tagName, line, column);
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
