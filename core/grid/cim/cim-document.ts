/**
 * What a CIM RDF/XML file means, element by element, whichever tokenizer
 * read it (fast-rdf-reader.ts, or sax in rdf-reader.ts): both call open,
 * text and close here, so the two give the same model by construction.
 *
 *   <rdf:RDF>                                   depth 0, the root
 *     <md:FullModel rdf:about="urn:uuid:..">    depth 1, the file's header
 *     <cim:Breaker rdf:ID="_x">                 depth 1, an object (rdf:ID / rdf:about)
 *       <cim:Switch.open>true</cim:Switch.open> depth 2, a literal property
 *       <cim:Terminal.ConductingEquipment rdf:resource="#_y"/>   a reference
 *
 * Names are matched by local name, so cim16, CIM100, entsoe: and eu:
 * properties read alike. Deeper nesting (not used by CIM exports) is
 * skipped. The frame stack is kept in parallel arrays reused from element
 * to element: a large export has millions of elements, and an object per
 * frame was garbage for each of them.
 */
import { isUrnDefinition, localName, normaliseId, resourceTarget } from './ids.js';
import type { CimModelBuilder, MutableCimObject, PositionSource } from './model-builder.js';
import { ownString } from './own-string.js';

/**
 * The attributes of the start tag being opened, by local name ('ID' for
 * rdf:ID; the first such attribute in the tag), and what ids.ts makes of
 * them, which a reader may work out without cutting the value out first.
 */
export interface CimTagAttributes {
  attribute(local: string): string | undefined;
  /** normaliseId of the attribute's value; undefined without one. */
  id(local: string): string | undefined;
  /** isUrnDefinition of the attribute's value; false without one. */
  isUrn(local: string): boolean;
  /** The rdf:resource target (resourceTarget): an object's id or an enumeration's local name; undefined without one. */
  resource(): string | undefined;
  /** Whether the last resource() was an object (else an enumeration). */
  readonly resourceIsObject: boolean;
}

/** CimTagAttributes from the values themselves, through ids.ts. */
export abstract class CimTagAttributeValues implements CimTagAttributes {
  resourceIsObject = false;

  abstract attribute(local: string): string | undefined;

  id(local: string): string | undefined {
    const value = this.attribute(local);
    return value === undefined ? undefined : normaliseId(value);
  }

  isUrn(local: string): boolean {
    const value = this.attribute(local);
    return value !== undefined && isUrnDefinition(value);
  }

  resource(): string | undefined {
    const value = this.attribute('resource');
    if (value === undefined) return undefined;
    const target = resourceTarget(value);
    this.resourceIsObject = target.kind === 'object';
    return target.kind === 'object' ? target.id : target.value;
  }
}

interface HeaderDraft {
  profiles: string[];
  scenarioTime?: string;
  modelingAuthoritySet?: string;
}

const ROOT = 0;
/** Something whose content does not matter to the model: a blank node, deeper nesting. */
const SKIPPED = 1;
const HEADER = 2;
const OBJECT = 3;
const LITERAL_PROPERTY = 4;
const RESOURCE_PROPERTY = 5;
const HEADER_PROPERTY = 6;

export class CimDocument {
  /** Open elements; frame i is described by roles[i], objects[i], names[i], texts[i], headers[i]. */
  private depth = 0;
  private readonly roles: number[] = [];
  private readonly objects: (MutableCimObject | undefined)[] = [];
  private readonly names: string[] = [];
  private readonly texts: string[] = [];
  private readonly headers: (HeaderDraft | undefined)[] = [];
  /** Qualified name -> interned local name: 'cim:ACLineSegment' is looked up, not cut, after its first time. */
  private readonly localNames = new Map<string, string>();
  sawRoot = false;

  constructor(
    private readonly builder: CimModelBuilder,
    readonly file: string,
    private readonly where: PositionSource,
  ) {}

  /** True when text at this point is part of a value (a literal or header property). */
  get collectsText(): boolean {
    const role = this.roles[this.depth - 1];
    return role === LITERAL_PROPERTY || role === HEADER_PROPERTY;
  }

  /** An element's start; `local` is localNameOf(qualifiedName) when the reader knows it already. */
  open(qualifiedName: string, attributes: CimTagAttributes, local?: string): void {
    const depth = this.depth;
    const parent = depth > 0 ? this.roles[depth - 1] : -1;
    let role = SKIPPED;
    let object: MutableCimObject | undefined;
    let name = '';
    let text = '';
    let header: HeaderDraft | undefined;
    if (depth === 0) {
      this.sawRoot = true;
      role = ROOT;
    } else if (depth === 1) {
      const cimClass = local ?? this.localNameOf(qualifiedName);
      if (cimClass === 'FullModel' || cimClass === 'DifferenceModel') {
        role = HEADER;
        header = { profiles: [] };
      } else {
        object = this.openObject(cimClass, attributes);
        if (object !== undefined) role = OBJECT;
      }
    } else if (depth === 2 && parent === OBJECT) {
      object = this.objects[depth - 1] as MutableCimObject;
      name = local ?? this.localNameOf(qualifiedName);
      const target = attributes.resource();
      if (target === undefined) {
        role = LITERAL_PROPERTY;
      } else {
        role = RESOURCE_PROPERTY;
        if (attributes.resourceIsObject) this.builder.reference(object, name, target, this.file);
        else this.builder.enumeration(object, name, target);
      }
    } else if (depth === 2 && parent === HEADER) {
      role = HEADER_PROPERTY;
      header = this.headers[depth - 1];
      name = local ?? this.localNameOf(qualifiedName);
      text = attributes.attribute('resource') ?? '';
    }
    this.roles[depth] = role;
    this.objects[depth] = object;
    this.names[depth] = name;
    this.texts[depth] = text;
    this.headers[depth] = header;
    this.depth = depth + 1;
  }

  /** The object a depth-1 element stands for; undefined for a blank node (nothing can refer to it, so nothing in it matters). */
  private openObject(cimClass: string, attributes: CimTagAttributes): MutableCimObject | undefined {
    const rdfId = attributes.id('ID');
    if (rdfId !== undefined) {
      const object = this.builder.mention(rdfId, this.file);
      this.builder.defineById(object, cimClass, this.file, this.where);
      return object;
    }
    const about = attributes.id('about');
    if (about !== undefined) {
      const object = this.builder.mention(about, this.file);
      if (attributes.isUrn('about')) this.builder.defineByUrn(object, cimClass);
      return object;
    }
    return undefined;
  }

  text(text: string): void {
    const top = this.depth - 1;
    const role = this.roles[top];
    if (role === LITERAL_PROPERTY || role === HEADER_PROPERTY) this.texts[top] += text;
  }

  close(): void {
    if (this.depth === 0) return;
    const top = (this.depth -= 1);
    const role = this.roles[top];
    if (role === LITERAL_PROPERTY) {
      const object = this.objects[top] as MutableCimObject;
      const value = this.texts[top].trim();
      // IdentifiedObject.mRID repeats the object's id: share that string rather than copy one more.
      this.builder.literal(object, this.names[top], value === object.id ? object.id : ownString(value));
    } else if (role === HEADER_PROPERTY) {
      const header = this.headers[top] as HeaderDraft;
      const value = ownString(this.texts[top].trim());
      const name = this.names[top];
      if (name === 'Model.profile') header.profiles.push(value);
      else if (name === 'Model.scenarioTime') header.scenarioTime = value;
      else if (name === 'Model.modelingAuthoritySet') header.modelingAuthoritySet = value;
    } else if (role === HEADER) {
      const header = this.headers[top] as HeaderDraft;
      this.builder.headers.push({
        file: this.file,
        profiles: header.profiles,
        ...(header.scenarioTime !== undefined ? { scenarioTime: header.scenarioTime } : {}),
        ...(header.modelingAuthoritySet !== undefined ? { modelingAuthoritySet: header.modelingAuthoritySet } : {}),
      });
    }
    // Let go of what the frame held: its text may be a view into a chunk.
    this.objects[top] = undefined;
    this.headers[top] = undefined;
    this.texts[top] = '';
  }

  /**
   * PowerFactory has been seen closing `<cim:Breaker ...>` with
   * `</cim:Fuse>`: a close tag naming no open element, while an object or
   * property is open, is read as the innermost element's close and listed.
   */
  mismatchedClose(openName: string, closeName: string, line: number, column: number): void {
    this.builder.problems.push({
      kind: 'mismatched-tag',
      message: `<${openName}> closed by </${closeName}>; read as </${openName}>`,
      file: this.file,
      line,
      column,
    });
    this.close();
  }

  /** The interned local name ('ACLineSegment' for 'cim:ACLineSegment'). */
  localNameOf(qualifiedName: string): string {
    const known = this.localNames.get(qualifiedName);
    if (known !== undefined) return known;
    const local = this.builder.intern(localName(qualifiedName));
    this.localNames.set(ownString(qualifiedName), local);
    return local;
  }
}
