/**
 * One streaming pass over a package ZIP: every entry's name, type, size and
 * compression ratio is checked on the bytes actually inflated, its SHA-256
 * computed, and (when extracting) its content handed to a sink. Small control
 * entries (manifest.json, signature.json) are kept in memory for the caller.
 */
import { createHash } from 'node:crypto';
import { PackageError } from './package-error.js';
import { checkEntryName, decodeEntryName } from './entry-name.js';
import { RATIO_FLOOR_BYTES, type ExtractLimits } from './extract-limits.js';
import { MANIFEST_ENTRY, SIGNATURE_ENTRY } from './signature-record.js';
import { yauzl, type ZipReader, type ZipReaderEntry } from './zip-libraries.js';

/** manifest.json and signature.json are read into memory; they are never this large. */
const MAX_CONTROL_ENTRY_BYTES = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export interface ScannedFile {
  name: string;
  sha256: string;
  bytes: number;
}

export interface ScannedPackage {
  /** Regular files by name (directories are not listed). */
  files: Map<string, ScannedFile>;
  manifestBytes?: Buffer;
  signatureBytes?: Buffer;
}

/** Receives a file's content while it is scanned (extraction); `write` resolves when the chunk is stored. */
export interface EntrySink {
  open(name: string): Promise<{ write(chunk: Buffer): Promise<void>; close(): Promise<void> }>;
  directory(name: string): Promise<void>;
}

export async function scanPackageZip(file: string, limits: ExtractLimits, sink?: EntrySink): Promise<ScannedPackage> {
  let zip: ZipReader;
  try {
    zip = await yauzl.openPromise(file, { decodeStrings: false, validateEntrySizes: false, strictFileNames: false });
  } catch (error) {
    throw bad(file, `not a readable ZIP file (${(error as Error).message})`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw bad(file, `${zip.entryCount} entries, more than the ${limits.maxEntries} allowed`);
    const scanned: ScannedPackage = { files: new Map() };
    const seen = new Set<string>();
    /** Every folder a file name implies ("module/", "module/actors/", ...): a file may not have one of these names. */
    const folders = new Set<string>();
    let totalBytes = 0;
    let compressedBytes = 0;
    for await (const entry of zip.eachEntry()) {
      const name = decodeEntryName(entry.fileNameRaw, file);
      const refuse = (why: string): PackageError => new PackageError('BadPackage', `${file}: entry ${JSON.stringify(name)}: ${why}`, { file, entry: name });
      if (seen.size + 1 > limits.maxEntries) throw bad(file, `more than the ${limits.maxEntries} entries allowed`);
      checkEntryName(name, file);
      if (seen.has(name)) throw refuse('duplicate name (a second entry of the same name)');
      seen.add(name);
      if (!name.endsWith('/')) {
        if (folders.has(`${name}/`)) throw refuse('a file with the name of a folder other entries are in');
        const segments = name.split('/');
        for (let i = 1; i < segments.length; i++) {
          const folder = segments.slice(0, i).join('/');
          if (seen.has(folder)) throw refuse(`is inside "${folder}", which is a file`);
          folders.add(`${folder}/`);
        }
      }
      checkEntryType(entry, name, refuse);
      if (entry.isEncrypted()) throw refuse('encrypted entries are not accepted');
      if (!entry.canDecodeFileData()) throw refuse(`compression method ${entry.compressionMethod} is not supported (only stored and deflate)`);
      compressedBytes += entry.compressedSize;
      // Entries whose data overlap (the "overlapping files" zip bomb) claim more compressed bytes than the file holds.
      if (compressedBytes > zip.fileSize) throw refuse('entries overlap (their compressed sizes add up to more than the file)');

      if (name.endsWith('/')) {
        await sink?.directory(name);
        continue;
      }
      const control = name === MANIFEST_ENTRY || name === SIGNATURE_ENTRY;
      const kept: Buffer[] = [];
      const hash = createHash('sha256');
      const out = control ? undefined : await sink?.open(name);
      let bytes = 0;
      try {
        const stream = await zip.openReadStreamPromise(entry);
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            bytes += chunk.length;
            totalBytes += chunk.length;
            if (bytes > limits.maxEntryBytes) throw refuse(`inflates to more than ${limits.maxEntryBytes} bytes, the limit of one entry`);
            if (totalBytes > limits.maxTotalBytes) throw refuse(`the package inflates to more than ${limits.maxTotalBytes} bytes, the limit of a package`);
            if (bytes > RATIO_FLOOR_BYTES && bytes > limits.maxRatio * Math.max(entry.compressedSize, 1)) {
              throw refuse(`compression ratio beyond ${limits.maxRatio}:1 (${bytes} bytes inflated so far from ${entry.compressedSize}; a zip bomb?)`);
            }
            if (control && bytes > MAX_CONTROL_ENTRY_BYTES) throw refuse(`larger than ${MAX_CONTROL_ENTRY_BYTES} bytes`);
            hash.update(chunk);
            if (control) kept.push(chunk);
            if (out) await out.write(chunk);
          }
        } finally {
          stream.destroy();
        }
      } catch (error) {
        if (error instanceof PackageError) throw error;
        throw refuse(`unreadable (${(error as Error).message})`);
      } finally {
        await out?.close();
      }
      if (bytes !== entry.uncompressedSize) throw refuse(`its header says ${entry.uncompressedSize} bytes, its content has ${bytes}`);
      if (name === MANIFEST_ENTRY) scanned.manifestBytes = Buffer.concat(kept);
      else if (name === SIGNATURE_ENTRY) scanned.signatureBytes = Buffer.concat(kept);
      else scanned.files.set(name, { name, sha256: hash.digest('hex'), bytes });
    }
    return scanned;
  } catch (error) {
    if (error instanceof PackageError) throw error;
    throw bad(file, `damaged ZIP (${(error as Error).message})`);
  } finally {
    if (zip.isOpen) zip.close();
  }
}

/** Only regular files and folders: a symbolic link or a device in an app package is an attack or a mistake. */
function checkEntryType(entry: ZipReaderEntry, name: string, refuse: (why: string) => PackageError): void {
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const type = mode & S_IFMT;
  if (type === S_IFLNK) throw refuse('symbolic link (links are not accepted in packages)');
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw refuse(`not a regular file (mode ${mode.toString(8)})`);
  if (type === S_IFDIR && !name.endsWith('/')) throw refuse('a folder whose name does not end with /');
}

function bad(file: string, why: string): PackageError {
  return new PackageError('BadPackage', `${file}: ${why}`, { file });
}
