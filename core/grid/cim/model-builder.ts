/**
 * Collects the statements of every file read into one object per id: the
 * class from its definition, literals and references from every profile
 * file (EQ, TP, SSH, SV, DL ...), the last file read winning per property.
 */
import type { CimModel, CimModelHeader, CimObject, CimProblem } from './api.js';
import { ownString } from './own-string.js';

/** Where a reader is in its file; asked only when a problem needs it (rare), so readers need not track it per element. */
export interface PositionSource {
  position(): { line: number; column: number };
}

/** The builder's own form of a CimObject: mutable, and it remembers where each reference came from. */
export class MutableCimObject implements CimObject {
  /** Class from an rdf:ID definition (or a 'urn:uuid:' rdf:about in single-file CIM). */
  cimClass = '';
  /** True once an rdf:ID defined it: a 'urn:uuid:' rdf:about never overrides that. */
  definedById = false;
  readonly literals = new Map<string, string>();
  readonly references = new Map<string, string>();
  readonly files: string[] = [];
  /** Reference properties whose value is an enumeration literal, not an object; usually none. */
  enumerations: Set<string> | undefined;
  /** Index into `files` of the file that made a reference, when not files[0] (rare: kept only then). */
  referenceFiles: Map<string, number> | undefined;

  constructor(readonly id: string) {}

  /** The file a reference property was last set from. */
  fileOfReference(property: string): string {
    return this.files[this.referenceFiles?.get(property) ?? 0];
  }
}

export class CimModelBuilder {
  readonly objects = new Map<string, MutableCimObject>();
  readonly headers: CimModelHeader[] = [];
  readonly problems: CimProblem[] = [];
  /** Property and class names repeat millions of times in a large export: one string each. */
  private readonly names = new Map<string, string>();

  intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    const owned = ownString(name);
    this.names.set(owned, owned);
    return owned;
  }

  /** The object with this id, created on first mention; `file` is recorded as mentioning it. */
  mention(id: string, file: string): MutableCimObject {
    let object = this.objects.get(id);
    if (object === undefined) {
      const owned = ownString(id);
      object = new MutableCimObject(owned);
      this.objects.set(owned, object);
    }
    if (object.files[object.files.length - 1] !== file) object.files.push(file);
    return object;
  }

  // Class and property names handed to the methods below are interned by the caller (CimDocument): a Map lookup less per statement.

  /** An rdf:ID definition: the class is the definition's. */
  defineById(object: MutableCimObject, cimClass: string, file: string, where: PositionSource): void {
    if (object.definedById && object.cimClass !== cimClass) {
      const { line, column } = where.position();
      this.problems.push({
        kind: 'duplicate-definition',
        message: `${object.id} is defined as ${object.cimClass} and again as ${cimClass}; the first definition is kept`,
        file,
        line,
        column,
        id: object.id,
      });
      return;
    }
    object.cimClass = cimClass;
    object.definedById = true;
  }

  /** A single-file style definition (rdf:about="urn:uuid:X"): gives the class unless an rdf:ID did. */
  defineByUrn(object: MutableCimObject, cimClass: string): void {
    if (!object.definedById && object.cimClass === '') object.cimClass = cimClass;
  }

  literal(object: MutableCimObject, property: string, value: string): void {
    object.literals.set(property, value);
  }

  reference(object: MutableCimObject, name: string, target: string, file: string): void {
    // The id string of an object already seen is shared; a new one is copied out of the reader's chunk.
    object.references.set(name, this.objects.get(target)?.id ?? ownString(target));
    object.enumerations?.delete(name);
    const fileIndex = object.files.lastIndexOf(file);
    if (fileIndex > 0) (object.referenceFiles ??= new Map()).set(name, fileIndex);
    else object.referenceFiles?.delete(name);
  }

  enumeration(object: MutableCimObject, name: string, value: string): void {
    object.references.set(name, this.intern(value));
    (object.enumerations ??= new Set()).add(name);
  }

  /** References to ids no file defines: listed once per referring object and property. */
  danglingReferences(): CimProblem[] {
    const problems: CimProblem[] = [];
    const objects = this.objects;
    // forEach, not for-of with [property, target]: no entry array per reference (hundreds of thousands in a big model).
    objects.forEach((object) => {
      object.references.forEach((target, property) => {
        const referred = objects.get(target);
        if (referred !== undefined && referred.cimClass !== '') return;
        if (object.enumerations?.has(property) === true) return;
        problems.push({
          kind: 'dangling-reference',
          message: `${object.cimClass || 'object'} ${object.id}: ${property} refers to ${target}, which no file defines`,
          file: object.fileOfReference(property),
          id: object.id,
        });
      });
    });
    return problems;
  }

  model(): CimModel {
    const countsByClass = new Map<string, number>();
    for (const object of this.objects.values()) {
      if (object.cimClass !== '') countsByClass.set(object.cimClass, (countsByClass.get(object.cimClass) ?? 0) + 1);
    }
    return { objects: this.objects, headers: this.headers, countsByClass };
  }
}
