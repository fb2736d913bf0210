import { readFileSync } from 'node:fs';
import type { Keyring } from './config.js';

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Checks a keyring given as parsed JSON; says what is wrong and where. */
export function parseKeyring(value: unknown, where: string): Keyring {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: a keyring is an object {publicKey, secretKey, allowed}`);
  const v = value as Record<string, unknown>;
  for (const key of ['publicKey', 'secretKey']) {
    if (typeof v[key] !== 'string' || !Z85_KEY.test(v[key] as string)) throw new Error(`${where}.${key}: expected a 40-character Z85 CURVE key (make one with \`gridlink keygen\`)`);
  }
  const allowed = v.allowed ?? [];
  if (!Array.isArray(allowed)) throw new Error(`${where}.allowed: expected a list of public keys`);
  allowed.forEach((key, i) => {
    if (typeof key !== 'string' || !Z85_KEY.test(key)) throw new Error(`${where}.allowed[${i}]: expected a 40-character Z85 public key`);
  });
  return { publicKey: v.publicKey as string, secretKey: v.secretKey as string, allowed: allowed as string[] };
}

/** Reads a keyring file (JSON); keep it readable by the service user only, it holds a secret key. */
export function loadKeyring(path: string): Keyring {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the keyring: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: the keyring is not valid JSON: ${(error as Error).message}`);
  }
  return parseKeyring(value, path);
}
