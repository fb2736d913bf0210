/**
 * Verification of a package ZIP before anything of it is installed: every
 * entry is checked while streaming (scan-package-zip.ts), then the contents
 * are matched against the signed listing and the signature is checked with a
 * trusted key. Each refusal is a PackageError BadPackage naming the entry.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extractLimits, type ExtractLimits } from './extract-limits.js';
import { parseManifest, type Manifest } from './manifest.js';
import { PackageError } from './package-error.js';
import { scanPackageZip, type EntrySink, type ScannedPackage } from './scan-package-zip.js';
import { keyIdOf, type TrustedKeys } from './signing-keys.js';
import { checkEntryName } from './entry-name.js';
import {
  listingDigest, MANIFEST_ENTRY, MODULE_PREFIX, parseSignatureRecord, sha256Hex, SIGNATURE_ENTRY, type SignatureRecord,
} from './signature-record.js';

export interface VerifiedPackage {
  file: string;
  manifest: Manifest;
  /** SHA-256 of the whole ZIP file (what a catalogue lists). */
  sha256: string;
  keyId: string;
  /**
   * The module's entry file relative to the extracted folder: "actors/<name>/<entry>"
   * for the modules of actors/ ("actors/storage/module.js"); a module packed
   * from elsewhere keeps its path in its project ("spec/fixtures/apps/chain-a/module.js").
   */
  entryPath: string;
}

/** Checks a package against the host's trusted keys; resolves only if every check passed. */
export async function verifyPackage(file: string, trusted: TrustedKeys, limits: Partial<ExtractLimits> = {}): Promise<VerifiedPackage> {
  const sha256 = await fileSha256(file);
  const scanned = await scanPackageZip(file, extractLimits(limits));
  const { manifest, record } = checkScannedPackage(file, scanned, (record) => {
    const key = trusted.byId.get(record.keyId);
    if (!key) {
      throw bad(file, `signed by unknown key ${record.keyId} (trusted: ${[...trusted.byId.keys()].join(', ') || 'none'})`, SIGNATURE_ENTRY);
    }
    return key;
  });
  return { file, manifest, sha256, keyId: record.keyId, entryPath: `${record.modulePath}/${manifest.entry}` };
}

/**
 * Checks a package as verifyPackage does, but with the public key the package
 * carries instead of a trusted one: the package is intact and consistently
 * signed by the key it names, nothing more. For an App Store, which lists
 * packages but does not decide whom a host trusts.
 */
export async function inspectPackage(file: string, limits: Partial<ExtractLimits> = {}): Promise<VerifiedPackage> {
  const sha256 = await fileSha256(file);
  const scanned = await scanPackageZip(file, extractLimits(limits));
  const { manifest, record } = checkScannedPackage(file, scanned, (record) => embeddedKey(file, record));
  return { file, manifest, sha256, keyId: record.keyId, entryPath: `${record.modulePath}/${manifest.entry}` };
}

/** Scans `file` handing every file to `sink`, then checks it as inspectPackage does; for extraction. */
export async function scanAndCheck(file: string, limits: ExtractLimits, sink: EntrySink): Promise<{ manifest: Manifest; record: SignatureRecord; manifestBytes: Buffer }> {
  const scanned = await scanPackageZip(file, limits, sink);
  const checked = checkScannedPackage(file, scanned, (record) => embeddedKey(file, record));
  return { ...checked, manifestBytes: scanned.manifestBytes as Buffer };
}

export async function fileSha256(file: string): Promise<string> {
  try {
    await stat(file);
  } catch {
    throw new PackageError('NotFound', `${file}: no such package file`, { file });
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function checkScannedPackage(file: string, scanned: ScannedPackage, keyFor: (record: SignatureRecord) => KeyObject): { manifest: Manifest; record: SignatureRecord } {
  if (!scanned.manifestBytes) throw bad(file, `no ${MANIFEST_ENTRY} (not an app package)`, MANIFEST_ENTRY);
  if (!scanned.signatureBytes) throw bad(file, `not signed (no ${SIGNATURE_ENTRY})`, SIGNATURE_ENTRY);
  const record = parseSignatureRecord(scanned.signatureBytes, file);

  const listed = new Map<string, string>();
  for (const { path, sha256 } of record.files) {
    checkEntryName(path, file);
    if (!path.startsWith(MODULE_PREFIX)) throw bad(file, `${SIGNATURE_ENTRY} lists ${JSON.stringify(path)}, outside ${MODULE_PREFIX}`, SIGNATURE_ENTRY);
    if (listed.has(path)) throw bad(file, `${SIGNATURE_ENTRY} lists ${JSON.stringify(path)} twice`, SIGNATURE_ENTRY);
    listed.set(path, sha256);
  }
  for (const name of scanned.files.keys()) {
    if (!listed.has(name)) throw bad(file, `entry ${JSON.stringify(name)} is not in the signed listing (added after signing?)`, name);
  }
  for (const path of listed.keys()) {
    if (!scanned.files.has(path)) throw bad(file, `entry ${JSON.stringify(path)} is in the signed listing but missing from the ZIP`, path);
  }

  const key = keyFor(record);
  const signature = Buffer.from(record.signature, 'base64');
  if (!verify(null, listingDigest(record.modulePath, record.manifestSha256, record.files), key, signature)) {
    throw bad(file, `signature invalid (the signed listing was altered, or not signed by key ${record.keyId})`, SIGNATURE_ENTRY);
  }

  if (sha256Hex(scanned.manifestBytes) !== record.manifestSha256) {
    throw bad(file, `entry "${MANIFEST_ENTRY}": digest mismatch (changed after signing)`, MANIFEST_ENTRY);
  }
  for (const [name, scannedFile] of scanned.files) {
    if (scannedFile.sha256 !== listed.get(name)) throw bad(file, `entry ${JSON.stringify(name)}: digest mismatch (changed after signing)`, name);
  }

  let json: unknown;
  try {
    json = JSON.parse(scanned.manifestBytes.toString('utf8'));
  } catch (error) {
    throw bad(file, `${MANIFEST_ENTRY}: not JSON (${(error as Error).message})`, MANIFEST_ENTRY);
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(json, `${file}: ${MANIFEST_ENTRY}`);
  } catch (error) {
    throw bad(file, (error as Error).message.slice(file.length + 2), MANIFEST_ENTRY);
  }
  if (record.modulePath.startsWith('actors/') && record.modulePath !== `actors/${manifest.name}`) {
    throw bad(file, `the module's folder ${record.modulePath} is not actors/${manifest.name}, as its name says`, MANIFEST_ENTRY);
  }
  const entryPath = `${MODULE_PREFIX}${record.modulePath}/${manifest.entry}`;
  if (!scanned.files.has(entryPath)) throw bad(file, `the manifest's entry ${entryPath} is not in the package`, entryPath);
  return { manifest, record };
}

function embeddedKey(file: string, record: SignatureRecord): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(record.publicKey, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw bad(file, `${SIGNATURE_ENTRY}: unreadable public key (${(error as Error).message})`, SIGNATURE_ENTRY);
  }
  if (key.asymmetricKeyType !== 'ed25519' || keyIdOf(key) !== record.keyId) {
    throw bad(file, `${SIGNATURE_ENTRY}: key id ${record.keyId} does not match the public key it carries`, SIGNATURE_ENTRY);
  }
  return key;
}

function bad(file: string, why: string, entry?: string): PackageError {
  return new PackageError('BadPackage', `${file}: ${why}`, entry === undefined ? { file } : { file, entry });
}
