/**
 * Entity and character references in XML text and attribute values, for
 * the fast reader: the five predefined entities and numeric character
 * references, decoded as sax decodes them. Anything else (an HTML entity
 * sax would also accept, `&AMP;`, a reference to a character XML does not
 * allow, a stray '&') is not decoded here: undefined tells the fast reader
 * to leave the file to sax, which accepts it or reports it.
 */

/** Not a plain object: '&constructor;' must not find Object's constructor. */
const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** Longer references than '&#x10FFFF;' (or a digit string that long) are left to sax. */
const MAX_REFERENCE_LENGTH = 10;

/** text[start, end) with its references decoded; undefined when one of them is not one the fast reader decodes. */
export function decodeReferences(text: string, start: number, end: number): string | undefined {
  let decoded = '';
  let from = start;
  for (;;) {
    const amp = text.indexOf('&', from);
    if (amp < 0 || amp >= end) return decoded + text.slice(from, end);
    const semicolon = text.indexOf(';', amp + 1);
    if (semicolon < 0 || semicolon >= end || semicolon - amp > MAX_REFERENCE_LENGTH) return undefined;
    const value = referenceValue(text.slice(amp + 1, semicolon));
    if (value === undefined) return undefined;
    decoded += text.slice(from, amp) + value;
    from = semicolon + 1;
  }
}

/** The character a reference's name ('amp', '#38', '#x26') stands for. */
function referenceValue(name: string): string | undefined {
  const predefined = PREDEFINED.get(name);
  if (predefined !== undefined) return predefined;
  if (name.charCodeAt(0) !== 0x23 /* # */) return undefined;
  const hex = name.charCodeAt(1) === 0x78; /* x; sax also takes 'X', which is left to it */
  const digits = name.slice(hex ? 2 : 1);
  if (digits.length === 0 || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined;
  const code = Number.parseInt(digits, hex ? 16 : 10);
  return isXmlChar(code) ? String.fromCodePoint(code) : undefined;
}

/** XML's Char production: what a character reference may stand for. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
