/**
 * One spelling per CIM object id. The same object is written `rdf:ID="_X"`
 * in one profile file, `rdf:about="#_X"` in the next, `rdf:resource="#_X"`
 * where it is referred to, and `rdf:about="urn:uuid:X"` in single-file
 * CIM100 exports; X is also its IdentifiedObject.mRID. All of these become X.
 */

const URN_UUID = 'urn:uuid:';

/**
 * The normalised id of an rdf:ID, rdf:about or rdf:resource value that
 * names an object: no '#', no 'urn:uuid:', no leading '_' (which only exists
 * because an XML ID may not start with a digit).
 */
export function normaliseId(raw: string): string {
  let id = raw.trim();
  const hash = id.lastIndexOf('#');
  if (hash >= 0) id = id.slice(hash + 1);
  else if (id.startsWith(URN_UUID)) id = id.slice(URN_UUID.length);
  if (id.startsWith('_')) id = id.slice(1);
  return id;
}

/** What an rdf:resource value points at. */
export type ResourceTarget =
  /** Another object of the model, by normalised id. */
  | { readonly kind: 'object'; readonly id: string }
  /** An enumeration literal such as 'PhaseCode.ABC' (the local name of its URI). */
  | { readonly kind: 'enumeration'; readonly value: string };

/**
 * Object references are local ('#_X', '_X') or 'urn:uuid:X'; anything with
 * a scheme and a fragment ('http://iec.ch/TC57/CIM100#PhaseCode.ABC') names
 * a term of a vocabulary, and only its local name is kept.
 */
export function resourceTarget(raw: string): ResourceTarget {
  const value = raw.trim();
  if (value.startsWith('#') || value.startsWith(URN_UUID) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
    return { kind: 'object', id: normaliseId(value) };
  }
  const hash = value.lastIndexOf('#');
  if (hash >= 0) return { kind: 'enumeration', value: value.slice(hash + 1) };
  const slash = value.lastIndexOf('/');
  return { kind: 'enumeration', value: slash >= 0 ? value.slice(slash + 1) : value };
}

/** True when an rdf:about value is a definition in the single-file style ('urn:uuid:X'), not an extension ('#_X'). */
export function isUrnDefinition(about: string): boolean {
  return about.trim().startsWith(URN_UUID);
}

/** The local name of a qualified XML name: 'cim:Switch.open' and 'eu:Switch.open' are both 'Switch.open'. */
export function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon >= 0 ? qualified.slice(colon + 1) : qualified;
}
