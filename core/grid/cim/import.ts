/**
 * importCim: CIM RDF/XML files (or folders of them) in, the merged model
 * and the GridNetwork out. Each file is streamed through the reader in
 * chunks, so a file of hundreds of MB never becomes one string.
 *
 * Files are read with the fast reader (fast-rdf-reader.ts); a file it
 * declines is read with sax (rdf-reader.ts), which reports errors. The
 * model built so far holds part of the declined file, so the import starts
 * again with a fresh one, reading that file with sax this time: bad input
 * costs a second reading, and gives exactly what sax alone gives.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CimImport, ImportCim } from './api.js';
import { CimModelBuilder } from './model-builder.js';
import { networkFromModel } from './network-from-model.js';
import { FastCimFileReader, FastPathDeclined } from './fast-rdf-reader.js';
import { CimFileReader } from './rdf-reader.js';

/**
 * Which reader reads the files: 'auto' (the import's way: fast, sax for a
 * file the fast reader declines), or only one of them, for tests that
 * compare the two ('fast' then throws FastPathDeclined where 'auto' would
 * fall back).
 */
export type CimReading = 'auto' | 'fast' | 'sax';

const CHUNK_BYTES = 256 * 1024;

function readerFor(builder: CimModelBuilder, file: string, sax: boolean): { write(chunk: string): void; end(): void } {
  return sax ? new CimFileReader(builder, file) : new FastCimFileReader(builder, file);
}

/**
 * Every file named by `paths`: files as given, folders as their *.xml files sorted by name; each file once.
 * Looked up synchronously: a stat or a folder listing takes microseconds, a trip through the thread pool
 * longer than a small model takes to read.
 */
export async function cimFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  for (const path of paths) {
    const absolute = resolve(path);
    let info;
    try {
      info = statSync(absolute);
    } catch (error) {
      throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (info.isDirectory()) {
      const names = readdirSync(absolute).filter((name) => name.toLowerCase().endsWith('.xml')).sort();
      for (const name of names) add(join(absolute, name));
    } else {
      add(absolute);
    }
  }
  return files;
}

async function readFileInto(builder: CimModelBuilder, file: string, sax: boolean, chunkBytes: number): Promise<number> {
  const reader = readerFor(builder, file, sax);
  if (statSync(file).size <= chunkBytes) {
    // A file of one chunk is read in one call: a stream's open, read, read and close, each a trip through the
    // thread pool, took longer than reading a small profile file (DL, SV, GL ...) does, and the reading blocks
    // the event loop no longer than parsing the chunk does anyway.
    const text = readFileSync(file, 'utf8');
    reader.write(text);
    reader.end();
    return Buffer.byteLength(text, 'utf8');
  }
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes });
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      bytes += Buffer.byteLength(chunk, 'utf8');
      reader.write(chunk);
    }
  } finally {
    stream.destroy();
  }
  reader.end();
  return bytes;
}

function finish(builder: CimModelBuilder, files: readonly string[], bytes: number): CimImport {
  const model = builder.model();
  const extracted = networkFromModel(model);
  return {
    files,
    bytes,
    model,
    network: extracted.network,
    modelKind: extracted.modelKind,
    problems: [...builder.problems, ...builder.danglingReferences(), ...extracted.problems],
  };
}

export const importCim: ImportCim = async (paths) => importCimWith(paths, 'auto');

/** importCim with a choice of reader and chunk size (bytes per read), for tests. */
export async function importCimWith(paths: readonly string[], reading: CimReading, chunkBytes = CHUNK_BYTES): Promise<CimImport> {
  const files = await cimFiles(paths);
  if (files.length === 0) throw new Error(`no .xml files in ${paths.join(', ')}`);
  const saxFiles = new Set<string>(reading === 'sax' ? files : []);
  for (;;) {
    const builder = new CimModelBuilder();
    try {
      let bytes = 0;
      for (const file of files) bytes += await readFileInto(builder, file, saxFiles.has(file), chunkBytes);
      return finish(builder, files, bytes);
    } catch (error) {
      if (reading !== 'auto' || !(error instanceof FastPathDeclined)) throw error;
      saxFiles.add(error.file);
    }
  }
}

/**
 * The same import from texts in memory, for tests of malformed input and
 * small hand-written models: each entry is a file name and its content.
 */
export function parseCimTexts(texts: readonly { readonly fileName: string; readonly text: string }[]): CimImport {
  return parseCimTextsWith(texts, 'auto');
}

/**
 * parseCimTexts with a choice of reader, each text handed over in pieces of
 * `chunkLength` UTF-16 code units (a surrogate pair may be cut), for tests.
 */
export function parseCimTextsWith(
  texts: readonly { readonly fileName: string; readonly text: string }[],
  reading: CimReading,
  chunkLength = Number.POSITIVE_INFINITY,
): CimImport {
  const saxTexts = new Set<number>(reading === 'sax' ? texts.keys() : []);
  for (;;) {
    const builder = new CimModelBuilder();
    let index = 0;
    try {
      let bytes = 0;
      for (index = 0; index < texts.length; index += 1) {
        const { fileName, text } = texts[index];
        const reader = readerFor(builder, fileName, saxTexts.has(index));
        if (chunkLength >= text.length) reader.write(text);
        else for (let at = 0; at < text.length; at += chunkLength) reader.write(text.slice(at, at + chunkLength));
        reader.end();
        bytes += Buffer.byteLength(text, 'utf8');
      }
      return finish(
        builder,
        texts.map((entry) => entry.fileName),
        bytes,
      );
    } catch (error) {
      if (reading !== 'auto' || !(error instanceof FastPathDeclined)) throw error;
      saxTexts.add(index);
    }
  }
}

/** One text in memory; see parseCimTexts. */
export function parseCimText(fileName: string, text: string): CimImport {
  return parseCimTexts([{ fileName, text }]);
}
