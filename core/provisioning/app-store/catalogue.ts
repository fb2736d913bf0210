/** What an App Store lists: one item per package it holds. */
import type { Manifest } from '../package/index.js';

export interface CatalogueItem {
  manifest: Manifest;
  /** SHA-256 of the ZIP file; a download is checked against it. */
  sha256: string;
  sizeBytes: number;
  /** Key id of the package's signer (hosts check it against their trusted keys). */
  keyId: string;
  /** URL path of the package below the store's URL: /packages/<name, URL-encoded>/<version>.zip */
  path: string;
}

export function packagePath(name: string, version: string): string {
  return `/packages/${encodeURIComponent(name)}/${encodeURIComponent(version)}.zip`;
}

/** Checks a catalogue received over HTTP, so a broken store is reported rather than crashing the caller later. */
export function parseCatalogue(json: unknown, where: string): CatalogueItem[] {
  if (!Array.isArray(json)) throw new Error(`${where}: the catalogue is not a JSON array`);
  return json.map((item: unknown, index) => {
    const entry = item as Partial<CatalogueItem> | null;
    if (
      typeof entry !== 'object' || entry === null || typeof entry.sha256 !== 'string' || typeof entry.sizeBytes !== 'number' ||
      typeof entry.keyId !== 'string' || typeof entry.path !== 'string' || typeof entry.manifest !== 'object' || entry.manifest === null ||
      typeof entry.manifest.name !== 'string' || typeof entry.manifest.version !== 'string'
    ) {
      throw new Error(`${where}: catalogue item ${index} lacks manifest, sha256, sizeBytes, keyId or path`);
    }
    return entry as CatalogueItem;
  });
}
