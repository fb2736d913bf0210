/**
 * Ed25519 keys that sign and verify packages. A signing key is a PKCS#8 PEM
 * file (private, mode 0600); its public half is an SPKI PEM file that hosts
 * list as trusted. A key is named by its key id: the first 16 hex digits of
 * the SHA-256 of the public key's DER, short enough to print and compare.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PackageError } from './package-error.js';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
}

/** Public keys a host accepts package signatures from, by key id. */
export interface TrustedKeys {
  byId: Map<string, KeyObject>;
}

/** The key id of a public (or private: its public half is used) ed25519 key. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** A new key pair as PEM texts, for `gridlink keygen --sign`. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** Reads a PEM private ed25519 key (made by `gridlink keygen --sign`). */
export function loadSigningKey(file: string): SigningKey {
  if (!existsSync(file)) throw new PackageError('NotFound', `signing key ${file} not found (make one with: gridlink keygen --sign ${file})`, { file });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new PackageError('InvalidArgument', `${file}: not a PEM private key (${(error as Error).message})`, { file });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new PackageError('InvalidArgument', `${file}: an ${privateKey.asymmetricKeyType ?? 'unknown'} key; packages are signed with ed25519 (gridlink keygen --sign)`, { file });
  }
  return { keyId: keyIdOf(privateKey), privateKey };
}

/**
 * Reads the trusted public keys: one PEM file (one or more PUBLIC KEY blocks)
 * or a folder whose *.pem and *.pub files are read the same way.
 */
export function loadTrustedKeys(fileOrDir: string): TrustedKeys {
  if (!existsSync(fileOrDir)) throw new PackageError('NotFound', `trusted keys ${fileOrDir} not found`, { file: fileOrDir });
  const files = statSync(fileOrDir).isDirectory()
    ? readdirSync(fileOrDir)
        .filter((name) => name.endsWith('.pem') || name.endsWith('.pub'))
        .sort()
        .map((name) => join(fileOrDir, name))
    : [fileOrDir];
  const byId = new Map<string, KeyObject>();
  for (const file of files) {
    for (const key of publicKeysIn(readFileSync(file, 'utf8'), file)) byId.set(keyIdOf(key), key);
  }
  return { byId };
}

/** Trusted keys from key objects already at hand (tests, a store's own key). */
export function trustedKeysOf(keys: KeyObject[]): TrustedKeys {
  const byId = new Map<string, KeyObject>();
  for (const key of keys) {
    const publicKey = key.type === 'private' ? createPublicKey(key) : key;
    byId.set(keyIdOf(publicKey), publicKey);
  }
  return { byId };
}

function publicKeysIn(text: string, file: string): KeyObject[] {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw new PackageError('InvalidArgument', `${file}: no PEM public key ("-----BEGIN PUBLIC KEY-----") in it`, { file });
  return blocks.map((block) => {
    let key: KeyObject;
    try {
      key = createPublicKey(block);
    } catch (error) {
      throw new PackageError('InvalidArgument', `${file}: unreadable public key (${(error as Error).message})`, { file });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new PackageError('InvalidArgument', `${file}: an ${key.asymmetricKeyType ?? 'unknown'} key; package keys are ed25519`, { file });
    return key;
  });
}
