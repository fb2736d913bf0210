/**
 * The contract of the CIM import (core/grid/cim): CIM RDF/XML files (CGMES
 * 2.4.15 or 3.0, several profile files per model, or one single-file CIM100
 * export) in, a merged object model and the GridNetwork out.
 *
 * Malformed XML is fatal for its file and throws CimSyntaxError naming the
 * file, line and column. Everything else that is wrong in the content
 * (dangling references, a tag closed under another name, an object defined
 * twice, a switch without two terminals ...) is a CimProblem in the result:
 * listed, never fatal.
 */
import type { GridNetwork } from '../network.js';

export interface CimObject {
  /** Normalised mRID (see ids.ts): no '#', 'urn:uuid:X' and '_X' are the same id. */
  readonly id: string;
  /** Local name of the class it was defined with (rdf:ID, or rdf:about in single-file CIM); '' if only ever extended. */
  readonly cimClass: string;
  /** Literal properties by local name ('IdentifiedObject.name', 'Switch.open', ...): the last file read wins. */
  readonly literals: ReadonlyMap<string, string>;
  /** Resource properties by local name, normalised ids (or the enumeration's local name, e.g. 'PhaseCode.ABC'). */
  readonly references: ReadonlyMap<string, string>;
  /** Files that mention the object, in reading order. */
  readonly files: readonly string[];
}

export type CimProblemKind =
  | 'dangling-reference' // a reference to an id defined in none of the files
  | 'mismatched-tag' // an element closed under another name (seen in PowerFactory exports); read as if closed correctly
  | 'duplicate-definition' // the same id defined (rdf:ID) twice with different classes
  | 'incomplete-equipment' // e.g. a switch or line with fewer than two connected terminals
  | 'no-feeder-root' // no transformer or source found
  | 'unresolved-node'; // a terminal without a connectivity/topological node

export interface CimProblem {
  readonly kind: CimProblemKind;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** The object concerned, when there is one. */
  readonly id?: string;
}

export interface CimModelHeader {
  readonly file: string;
  /** md:Model.profile values (URIs). */
  readonly profiles: readonly string[];
  readonly scenarioTime?: string;
  readonly modelingAuthoritySet?: string;
}

export interface CimModel {
  readonly objects: ReadonlyMap<string, CimObject>;
  readonly headers: readonly CimModelHeader[];
  /** Defined objects by class local name. */
  readonly countsByClass: ReadonlyMap<string, number>;
}

export interface CimImport {
  readonly files: readonly string[];
  readonly bytes: number;
  readonly model: CimModel;
  readonly network: GridNetwork;
  /** 'node-breaker' when ConnectivityNodes are used, else 'bus-branch' (TopologicalNodes). */
  readonly modelKind: 'node-breaker' | 'bus-branch';
  readonly problems: readonly CimProblem[];
}

export class CimSyntaxError extends Error {
  override readonly name = 'CimSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/** Files or folders (every *.xml in them, sorted) in; throws CimSyntaxError, or Error for an unreadable path. */
export type ImportCim = (paths: readonly string[]) => Promise<CimImport>;
