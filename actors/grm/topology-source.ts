// Where the GRM's topology comes from and how it is read: CIM files or folders on this host, or
// topology files stored in storage (PutTopology) that are read back with GetTopology{file} and
// imported together (a model is several profile files: EQ, SSH, TP ..., so storageFile is a
// list). Either way the import is core/grid/cim and the topology core/grid/topology.

import type { CimImport } from '../../core/grid/cim/api.js';
import { CimSyntaxError } from '../../core/grid/cim/api.js';
import { importCim, parseCimTexts } from '../../core/grid/cim/import.js';
import { GridRequestError } from '../../core/grid/serving/grid-error.js';
import type { FeederTopology } from '../../core/grid/topology/api.js';
import { buildTopology } from '../../core/grid/topology/topology.js';

export type TopologySource = { readonly kind: 'files'; readonly paths: readonly string[] } | { readonly kind: 'storage'; readonly files: readonly string[] };

/** As GridTopologyReply.source says it: the paths, or "storage:<file>,<file>". */
export function describeSource(source: TopologySource): string {
  return source.kind === 'files' ? source.paths.join(', ') : `storage:${source.files.join(',')}`;
}

/** Reads one stored topology file's bytes; rejects with a GridRequestError (NotFound, Unavailable). */
export type ReadStoredFile = (file: string) => Promise<Uint8Array>;

export interface LoadedTopology {
  readonly cim: CimImport;
  readonly topology: FeederTopology;
  readonly source: string;
  readonly loadedMs: number;
  /** How long reading, importing and building took. */
  readonly tookMs: number;
}

function reason(error: unknown): string {
  if (error instanceof CimSyntaxError) return `malformed CIM XML at ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Imports the source and builds its topology. Fails with a GridRequestError: NoTopology for a
 * source that cannot be read or imported (the message says why), NotFound for a stored file
 * storage does not have, Unavailable when storage does not answer.
 */
export async function loadTopology(source: TopologySource, readStoredFile: ReadStoredFile): Promise<LoadedTopology> {
  const started = Date.now();
  const described = describeSource(source);
  let cim: CimImport;
  if (source.kind === 'files') {
    try {
      cim = await importCim(source.paths);
    } catch (error) {
      throw new GridRequestError('NoTopology', `the CIM files ${described} could not be imported: ${reason(error)}`, described);
    }
  } else {
    const texts: { fileName: string; text: string }[] = [];
    for (const file of source.files) {
      const bytes = await readStoredFile(file);
      texts.push({ fileName: `storage:${file}`, text: new TextDecoder().decode(bytes) });
    }
    try {
      cim = parseCimTexts(texts);
    } catch (error) {
      throw new GridRequestError('NoTopology', `the stored topology ${described} could not be imported: ${reason(error)}`, described);
    }
  }
  let topology: FeederTopology;
  try {
    topology = buildTopology(cim.network);
  } catch (error) {
    throw new GridRequestError('NoTopology', `no topology could be built from ${described}: ${reason(error)}`, described);
  }
  return { cim, topology, source: described, loadedMs: Date.now(), tookMs: Date.now() - started };
}
