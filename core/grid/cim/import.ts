/**
 * importCim: CIM RDF/XML files (or folders of them) in, the merged model
 * and the GridNetwork out. Each file is streamed through the reader in
 * chunks, so a file of hundreds of MB never becomes one string.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CimImport, ImportCim } from './api.js';
import { CimModelBuilder } from './model-builder.js';
import { networkFromModel } from './network-from-model.js';
import { CimFileReader } from './rdf-reader.js';

/** Every file named by `paths`: files as given, folders as their *.xml files sorted by name; each file once. */
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
      info = await stat(absolute);
    } catch (error) {
      throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (info.isDirectory()) {
      const names = (await readdir(absolute)).filter((name) => name.toLowerCase().endsWith('.xml')).sort();
      for (const name of names) add(join(absolute, name));
    } else {
      add(absolute);
    }
  }
  return files;
}

async function readFileInto(builder: CimModelBuilder, file: string): Promise<number> {
  const reader = new CimFileReader(builder, file);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
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

export const importCim: ImportCim = async (paths) => {
  const files = await cimFiles(paths);
  if (files.length === 0) throw new Error(`no .xml files in ${paths.join(', ')}`);
  const builder = new CimModelBuilder();
  let bytes = 0;
  for (const file of files) bytes += await readFileInto(builder, file);
  return finish(builder, files, bytes);
};

/**
 * The same import from texts in memory, for tests of malformed input and
 * small hand-written models: each entry is a file name and its content.
 */
export function parseCimTexts(texts: readonly { readonly fileName: string; readonly text: string }[]): CimImport {
  const builder = new CimModelBuilder();
  let bytes = 0;
  for (const { fileName, text } of texts) {
    const reader = new CimFileReader(builder, fileName);
    reader.write(text);
    reader.end();
    bytes += Buffer.byteLength(text, 'utf8');
  }
  return finish(
    builder,
    texts.map((entry) => entry.fileName),
    bytes,
  );
}

/** One text in memory; see parseCimTexts. */
export function parseCimText(fileName: string, text: string): CimImport {
  return parseCimTexts([{ fileName, text }]);
}
