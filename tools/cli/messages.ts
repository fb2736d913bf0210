/**
 * Message types for people: names as typed on a command line, JSON in and
 * out, and bodies that do not decode shown rather than thrown.
 */
import { readFileSync } from 'node:fs';
import { allMessageTypes, messageTypeByName, shortName, type MessageType } from '../../core/schema/index.js';
import { CliError, EXIT_USAGE } from './cli-error.js';

/** Any message type; the CLI only moves values between JSON and bytes. */
export type AnyMessageType = MessageType<unknown>;

/**
 * Finds a type by a name as a person types it: fully qualified
 * ("gridlink.storage.AddEntry"), with part of its namespace
 * ("storage.AddEntry") or short ("AddEntry") when that is unique. An
 * ambiguous or unknown name fails with the candidates (exit code 2).
 */
export function resolveTypeName<T extends { readonly name: string }>(input: string, types: readonly T[]): T {
  const wanted = input.trim();
  if (wanted === '') throw new CliError('the message type name is empty', EXIT_USAGE);
  const exact = types.find((type) => type.name === wanted);
  if (exact) return exact;
  const bySuffix = types.filter((type) => type.name.endsWith(`.${wanted}`));
  if (bySuffix.length === 1) return bySuffix[0]!;
  if (bySuffix.length > 1) {
    throw new CliError(
      `the message type "${wanted}" is ambiguous; it could be ${listNames(bySuffix)}. Give the fully qualified name.`,
      EXIT_USAGE,
    );
  }
  const close = closeNames(wanted, types);
  const hint = close.length > 0 ? `did you mean ${listNames(close)}?` : `known types: ${listNames(types)}`;
  throw new CliError(`unknown message type "${wanted}"; ${hint}`, EXIT_USAGE);
}

/** Resolves a type name against every message type of the schemas. */
export function resolveMessageType(input: string): AnyMessageType {
  return resolveTypeName(input, knownTypes());
}

/** The type of a fully qualified name, if this build knows it. */
export function lookupMessageType(name: string): AnyMessageType | undefined {
  return messageTypeByName(name);
}

/**
 * The JSON a person gave for a message: the text itself, "-" for stdin, or
 * "@file" for a file. Parsed and validated by the type's fromJson; any
 * problem fails with what and where (exit code 2). Returns the value and its
 * encoded bytes.
 */
export function valueFromJsonArgument(text: string, type: AnyMessageType): { value: unknown; bytes: Uint8Array } {
  const source = readJsonSource(text);
  let json: unknown;
  try {
    json = JSON.parse(source.text);
  } catch (error) {
    throw new CliError(`${source.where} is not valid JSON: ${messageOf(error)}`, EXIT_USAGE);
  }
  let value: unknown;
  try {
    value = type.fromJson(json);
  } catch (error) {
    throw new CliError(`${source.where} does not fit ${type.name}: ${messageOf(error)}`, EXIT_USAGE);
  }
  let bytes: Uint8Array;
  try {
    bytes = type.encode(value);
  } catch (error) {
    throw new CliError(`${source.where} cannot be encoded as ${type.name}: ${messageOf(error)}`, EXIT_USAGE);
  }
  return { value, bytes };
}

/** A body decoded for printing: its JSON value, or why not plus the raw bytes. */
export type DecodedBody = { readonly value: unknown } | { readonly error: string; readonly base64: string };

/** Decodes a body of the named type to JSON; never throws. */
export function decodeBody(typeName: string, body: Uint8Array): DecodedBody {
  const type = lookupMessageType(typeName);
  if (!type) return { error: `${typeName} is not a message type this gridlink knows`, base64: base64Of(body) };
  try {
    return { value: type.toJson(type.decode(body)) };
  } catch (error) {
    return { error: `could not decode ${typeName}: ${messageOf(error)}`, base64: base64Of(body) };
  }
}

function knownTypes(): readonly AnyMessageType[] {
  return [...allMessageTypes.values()];
}

function readJsonSource(text: string): { text: string; where: string } {
  if (text === '-') {
    try {
      return { text: readFileSync(0, 'utf8'), where: 'the JSON on stdin' };
    } catch (error) {
      throw new CliError(`could not read JSON from stdin: ${messageOf(error)}`, EXIT_USAGE);
    }
  }
  if (text.startsWith('@')) {
    const path = text.slice(1);
    try {
      return { text: readFileSync(path, 'utf8'), where: `the JSON in ${path}` };
    } catch (error) {
      throw new CliError(`could not read JSON from ${path}: ${messageOf(error)}`, EXIT_USAGE);
    }
  }
  return { text, where: 'the JSON' };
}

function closeNames<T extends { readonly name: string }>(wanted: string, types: readonly T[]): T[] {
  const target = shortName(wanted).toLowerCase();
  return types.filter((type) => {
    const candidate = shortName(type.name).toLowerCase();
    const related = target.length >= 3 && (candidate.includes(target) || target.includes(candidate));
    return candidate === target || related || editDistance(candidate, target) <= 2;
  });
}

function listNames(types: readonly { readonly name: string }[]): string {
  return types
    .map((type) => type.name)
    .sort()
    .join(', ');
}

/** Levenshtein distance; names are short, so the plain table is fine. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function base64Of(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
