/**
 * The signature record (signature.json inside a package) and the canonical
 * listing it signs. The listing names every file of the package with its
 * SHA-256, sorted, after the manifest's SHA-256:
 *
 *   gridlink-package 1
 *   module-path actors/storage
 *   manifest.json <sha256>
 *   module/actors/storage/module.js <sha256>
 *   ...
 *
 * The ed25519 signature is made over the SHA-256 digest of that text. The
 * record also carries the signer's public key, so a store without trusted
 * keys can still tell a self-consistent package from a damaged one; a host
 * trusts only the key it has under the record's key id.
 */
import { createHash } from 'node:crypto';
import { PackageError } from './package-error.js';

export const MANIFEST_ENTRY = 'manifest.json';
export const SIGNATURE_ENTRY = 'signature.json';
/** Where the module's compiled files sit inside the package. */
export const MODULE_PREFIX = 'module/';
const LISTING_HEADER = 'gridlink-package 1';
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface ListedFile {
  path: string;
  sha256: string;
}

export interface SignatureRecord {
  format: 'gridlink-package-signature-1';
  algorithm: 'ed25519';
  keyId: string;
  /**
   * The module's folder in its project ("actors/storage",
   * "spec/fixtures/apps/chain-a"); its files are below module/<modulePath>/,
   * so the relative imports of core/ and schemas/ keep their depth.
   */
  modulePath: string;
  /** The signer's public key, SPKI DER in base64. */
  publicKey: string;
  manifestSha256: string;
  /** Every file of the package below module/, sorted by path. */
  files: ListedFile[];
  /** ed25519 over listingDigest(), base64. */
  signature: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The canonical listing's digest: what the signature covers. */
export function listingDigest(modulePath: string, manifestSha256: string, files: readonly ListedFile[]): Buffer {
  const sorted = [...files].sort((a, b) => compareBytes(a.path, b.path));
  const lines = [LISTING_HEADER, `module-path ${modulePath}`, `${MANIFEST_ENTRY} ${manifestSha256}`, ...sorted.map((file) => `${file.path} ${file.sha256}`)];
  return createHash('sha256').update(lines.join('\n') + '\n', 'utf8').digest();
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Reads signature.json's bytes into a record; anything malformed is a BadPackage. */
export function parseSignatureRecord(bytes: Buffer, file: string): SignatureRecord {
  const bad = (problem: string): never => {
    throw new PackageError('BadPackage', `${file}: ${SIGNATURE_ENTRY}: ${problem}`, { file, entry: SIGNATURE_ENTRY });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return bad(`not JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('expected a JSON object');
  const record = raw as Record<string, unknown>;
  if (record.format !== 'gridlink-package-signature-1') bad(`unknown format ${JSON.stringify(record.format)}`);
  if (record.algorithm !== 'ed25519') bad(`unknown algorithm ${JSON.stringify(record.algorithm)}`);
  for (const key of ['keyId', 'modulePath', 'publicKey', 'manifestSha256', 'signature'] as const) {
    if (typeof record[key] !== 'string') bad(`${key}: expected a string`);
  }
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(record.modulePath as string) || (record.modulePath as string).split('/').includes('..')) {
    bad(`modulePath: ${JSON.stringify(record.modulePath)} is not a relative folder path`);
  }
  if (!SHA256_HEX.test(record.manifestSha256 as string)) bad('manifestSha256: expected 64 hex digits');
  if (!Array.isArray(record.files)) return bad('files: expected an array');
  const files = (record.files as unknown[]).map((item, index): ListedFile => {
    const entry = item as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.path !== 'string' || typeof entry.sha256 !== 'string' || !SHA256_HEX.test(entry.sha256)) {
      return bad(`files[${index}]: expected { path, sha256 }`);
    }
    return { path: entry.path, sha256: entry.sha256 };
  });
  return {
    format: 'gridlink-package-signature-1',
    algorithm: 'ed25519',
    keyId: record.keyId as string,
    modulePath: record.modulePath as string,
    publicKey: record.publicKey as string,
    manifestSha256: record.manifestSha256 as string,
    files,
    signature: record.signature as string,
  };
}
