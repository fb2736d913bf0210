/**
 * Every message type of schemas/*.fbs by fully qualified name, for code that
 * meets type names at run time (the bus, gateways, the CLI).
 */
import { allMessageTypes } from '../../schemas/generated/messages.js';
import { MalformedMessageError, SchemaError } from './errors.js';
import type { MessageType } from './message-type.js';

export { allMessageTypes };

/** The message type of a fully qualified name ("gridlink.storage.AddEntry"), or undefined. */
export function messageTypeByName(name: string): MessageType<unknown> | undefined {
  return allMessageTypes.get(name);
}

/** Outcome of verifyMessage. */
export type VerifyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: MalformedMessageError };

/**
 * Checks that bytes are a valid FlatBuffer of the named type (every offset,
 * size, string and enum value), never throwing for bad bytes. Throws
 * SchemaError when the name is not a known message type.
 */
export function verifyMessage(name: string, bytes: Uint8Array): VerifyResult {
  const type = allMessageTypes.get(name);
  if (!type) throw new SchemaError(name, 'unknown message type');
  try {
    return { ok: true, value: type.decode(bytes) };
  } catch (e) {
    if (e instanceof MalformedMessageError) return { ok: false, error: e };
    throw e;
  }
}
