/**
 * Readers hand over text as a substring of the chunk they are reading, and
 * V8 keeps such a substring (13 characters or more) as a view into the whole
 * chunk: one kept id or literal would keep its 256 KB chunk alive, and the
 * model the whole file. Concatenating and slicing again makes a string of
 * its own; shorter strings are copies already.
 */
export function ownString(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}
