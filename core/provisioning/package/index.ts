/**
 * App packages: the manifest, ed25519 signing keys, packing a module, and
 * verifying and extracting a package safely. See docs/PROVISIONING.md.
 */
export { parseManifest, type Manifest } from './manifest.js';
export { PackageError, type PackageErrorCode } from './package-error.js';
export { generateSigningKeyPair, keyIdOf, loadSigningKey, loadTrustedKeys, trustedKeysOf, type SigningKey, type TrustedKeys } from './signing-keys.js';
export { packModule, packageFileName, type PackOptions, type PackResult } from './pack-module.js';
export { defaultExtractLimits, type ExtractLimits } from './extract-limits.js';
export { fileSha256, inspectPackage, verifyPackage, type VerifiedPackage } from './verify-package.js';
export { extractPackage } from './extract-package.js';
