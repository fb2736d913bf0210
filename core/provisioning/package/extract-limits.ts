/**
 * Bounds on what a package may unpack to, checked on the bytes actually
 * inflated (headers are not trusted): they stop zip bombs and oversized
 * entries before they fill a substation's disk.
 */
export interface ExtractLimits {
  /** Entries in the ZIP, directories included. */
  maxEntries: number;
  /** Inflated bytes of one entry. */
  maxEntryBytes: number;
  /** Inflated bytes of all entries together. */
  maxTotalBytes: number;
  /** Inflated bytes per compressed byte of an entry (checked once an entry passes RATIO_FLOOR_BYTES). */
  maxRatio: number;
}

/** Generous for a module (the storage module packs to about 60 kB), tight for a bomb. */
export const defaultExtractLimits: ExtractLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxRatio: 100,
};

/**
 * Small entries may compress very well (a file of blanks), so the ratio is
 * only judged beyond this many inflated bytes of an entry; a bomb passes it
 * after a few hundred compressed bytes.
 */
export const RATIO_FLOOR_BYTES = 64 * 1024;

export function extractLimits(overrides: Partial<ExtractLimits> = {}): ExtractLimits {
  const limits = { ...defaultExtractLimits };
  for (const key of Object.keys(defaultExtractLimits) as (keyof ExtractLimits)[]) {
    const value = overrides[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
